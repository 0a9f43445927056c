// Tests for safetensors: exact round trips, the layout other readers rely
// on, and hostile or damaged files, which must fail with a message that names
// the file and the tensor or byte, never crash.
#include "engine/io/safetensors.hpp"

#include <doctest/doctest.h>

#include <bit>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>

#include "engine/error.hpp"
#include "tests/support.hpp"

namespace vkgan {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

using test::error_of;

bool has(const std::string& s, const std::string& part) { return s.find(part) != s.npos; }

float from_bits(uint32_t b) { return std::bit_cast<float>(b); }

// Floats that a careless writer would change: signed zero, denormals, the
// extremes, infinities and a NaN with a payload.
std::vector<NamedTensor> awkward_tensors() {
  constexpr float kInf = std::numeric_limits<float>::infinity();
  return {
      {"gen.w", {2, 3}, {-0.0f, 0.0f, 1e-45f, -1.17e-38f, 3.4028235e38f, -1.5f}},
      {"gen.b", {3}, {kInf, -kInf, from_bits(0x7fc12345)}},
      {"step", {}, {42.0f}},
      {"empty", {0, 3}, {}},
      {"disc.w", {1, 1, 2, 2}, {from_bits(0x00000001), from_bits(0x807fffff), 0.1f, -0.2f}},
  };
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  // memcmp may not be given the null data() of an empty vector.
  return a.size() == b.size() &&
         (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
}

std::string le64(uint64_t v) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i) s[size_t(i)] = char(v >> (8 * i));
  return s;
}

// A file with the given header text and `data_bytes` zero bytes of data.
std::string file_with(const std::string& header, size_t data_bytes) {
  return le64(header.size()) + header + std::string(data_bytes, '\0');
}

std::string decode_error(const std::string& bytes) {
  return error_of([&] { decode_safetensors(bytes, "ckpt.safetensors"); });
}

uint64_t header_length(const std::string& bytes) {
  uint64_t n = 0;
  for (int i = 0; i < 8; ++i) n |= uint64_t(uint8_t(bytes[size_t(i)])) << (8 * i);
  return n;
}

}  // namespace

TEST_CASE("safetensors round trip keeps every float bit, negative zero and denormals too") {
  std::vector<NamedTensor> in = awkward_tensors();
  std::string bytes = encode_safetensors(in, {{"model", "dcgan"}, {"step", "1200"}});
  std::map<std::string, std::string> meta;
  std::vector<NamedTensor> out = decode_safetensors(bytes, "mem", &meta);

  REQUIRE(out.size() == in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    CAPTURE(in[i].name);
    CHECK(out[i].name == in[i].name);
    CHECK(out[i].shape == in[i].shape);
    CHECK(same_bits(out[i].data, in[i].data));
  }
  CHECK(meta["model"] == "dcgan");
  CHECK(meta["step"] == "1200");
  CHECK(meta.count("vkgan.crc32") == 1);
}

TEST_CASE("safetensors data offsets cover the data section exactly, in the given order") {
  std::vector<NamedTensor> in = awkward_tensors();
  std::string bytes = encode_safetensors(in, {});
  uint64_t n = header_length(bytes);
  CHECK(n % 8 == 0);
  json header = json::parse(bytes.substr(8, n));
  uint64_t at = 0;
  for (const NamedTensor& t : in) {
    CAPTURE(t.name);
    const json& e = header.at(t.name);
    CHECK(e.at("dtype") == "F32");
    CHECK(e.at("shape").get<std::vector<int64_t>>() == t.shape.dims());
    CHECK(e.at("data_offsets")[0].get<uint64_t>() == at);
    at += t.data.size() * 4;
    CHECK(e.at("data_offsets")[1].get<uint64_t>() == at);
  }
  CHECK(at == bytes.size() - 8 - n);
  std::string crc = header.at("__metadata__").at("vkgan.crc32");
  CHECK(crc.size() == 8);
  CHECK(crc.find_first_not_of("0123456789abcdef") == std::string::npos);
}

TEST_CASE("decode_safetensors rejects a truncated file at every length") {
  std::string bytes = encode_safetensors(awkward_tensors(), {});
  CHECK(decode_error(bytes.substr(0, 5)) ==
        "ckpt.safetensors: file is 5 bytes, shorter than the 8-byte header length a "
        "safetensors file starts with");
  uint64_t n = header_length(bytes);
  CHECK(decode_error(bytes.substr(0, 100)) ==
        fmt::format("ckpt.safetensors: header length {} at byte 0 runs past the end: only 92 "
                    "bytes follow the 8-byte length", n));
  CHECK(has(decode_error(bytes.substr(0, bytes.size() - 4)), "run past the end of the"));
  for (size_t len = 0; len < bytes.size(); ++len) {
    CAPTURE(len);
    CHECK(!decode_error(bytes.substr(0, len)).empty());
  }
}

TEST_CASE("decode_safetensors reports any flipped bit in the data as a checksum mismatch") {
  std::string bytes = encode_safetensors(awkward_tensors(), {});
  size_t data_start = 8 + header_length(bytes);
  for (size_t i = data_start; i < bytes.size(); ++i)
    for (int bit = 0; bit < 8; ++bit) {
      std::string bad = bytes;
      bad[i] = char(bad[i] ^ (1 << bit));
      std::string err = decode_error(bad);
      REQUIRE_MESSAGE(has(err, "checksum mismatch: stored "), "byte ", i, " bit ", bit);
      REQUIRE(has(err, "; the file is corrupt"));
    }
}

TEST_CASE("decode_safetensors survives every flipped bit in the header") {
  // A flip inside a name still parses; all this asks is an answer or an
  // Error, never a crash or a different exception.
  std::string bytes = encode_safetensors(awkward_tensors(), {{"k", "v"}});
  size_t data_start = 8 + header_length(bytes);
  for (size_t i = 0; i < data_start; ++i)
    for (int bit = 0; bit < 8; ++bit) {
      std::string bad = bytes;
      bad[i] = char(bad[i] ^ (1 << bit));
      REQUIRE_NOTHROW(decode_error(bad));
    }
}

TEST_CASE("decode_safetensors says in one line when the header is not JSON") {
  std::string err = decode_error(file_with("{\"a\": [1,\n 2, oops]}", 0));
  CHECK(has(err, "ckpt.safetensors: header is not JSON (error at byte 22): "));
  CHECK(has(err, "syntax error while parsing value - invalid literal; last read: "));
  CHECK(!has(err, "\n"));
  CHECK(!has(err, "json.exception"));
  CHECK(has(decode_error(file_with("[1, 2]", 0)), "header at byte 8 is a JSON array"));
  CHECK(has(decode_error(file_with(std::string(5000, '[') + std::string(5000, ']'), 0)),
            "nests deeper than"));
}

TEST_CASE("decode_safetensors rejects safetensors offsets past the end, reversed or overlapping") {
  auto entry = [](const std::string& name, int n, int begin, int end) {
    return fmt::format("\"{}\":{{\"dtype\":\"F32\",\"shape\":[{}],\"data_offsets\":[{},{}]}}",
                       name, n, begin, end);
  };
  CHECK(decode_error(file_with("{" + entry("w", 4, 0, 16) + "}", 12)) ==
        "ckpt.safetensors: tensor 'w' data_offsets [0, 16] run past the end of the 12-byte "
        "data section");
  CHECK(decode_error(file_with("{" + entry("w", 0, 8, 4) + "}", 8)) ==
        "ckpt.safetensors: tensor 'w' has reversed data_offsets [8, 4]");
  CHECK(decode_error(file_with("{" + entry("a", 2, 0, 8) + "," + entry("b", 2, 4, 12) + "}",
                               12)) ==
        "ckpt.safetensors: tensor 'b' data_offsets [4, 12] overlap tensor 'a', which ends at 8");
  std::string gap = "{" + entry("a", 1, 0, 4) + "," + entry("b", 1, 8, 12) + "}";
  CHECK(has(decode_error(file_with(gap, 12)), "leave data bytes 4..8"));
  std::string rest = "{" + entry("a", 1, 0, 4) + "}";
  CHECK(has(decode_error(file_with(rest, 12)), "tensors cover 4 bytes but the data section"));
  CHECK(has(decode_error(file_with("{" + entry("w", 3, 0, 16) + "}", 16)),
            "tensor 'w' has shape [3] (3 F32 values) but data_offsets [0, 16] span 16 bytes"));
}

TEST_CASE("decode_safetensors rejects safetensors entries missing fields or not F32") {
  CHECK(decode_error(file_with(R"({"w":{"shape":[1],"data_offsets":[0,4]}})", 4)) ==
        "ckpt.safetensors: tensor 'w' has no \"dtype\" (an entry needs dtype, shape and "
        "data_offsets)");
  CHECK(has(decode_error(file_with(R"({"w":{"dtype":"F32","data_offsets":[0,4]}})", 4)),
            "has no \"shape\""));
  CHECK(has(decode_error(file_with(R"({"w":{"dtype":"F32","shape":[1]}})", 4)),
            "has no \"data_offsets\""));
  CHECK(has(decode_error(file_with(R"({"w":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}})",
                                   4)),
            "tensor 'w' has dtype \"F16\", only \"F32\" is read"));
  CHECK(has(decode_error(file_with(R"({"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})",
                                   4)),
            "shape [-1], expected an array of non-negative integers"));
  CHECK(has(decode_error(file_with(R"({"__metadata__":{"a":1}})", 0)),
            "metadata 'a' is a JSON number, expected a string"));
}

TEST_CASE("decode_safetensors refuses absurd safetensors sizes without allocating them") {
  CHECK(has(decode_error(le64(~0ull) + "{}"), "header length 18446744073709551615 at byte 0"));
  std::string big = R"({"w":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,0]}})";
  CHECK(has(decode_error(file_with(big, 0)), "element count overflows"));
  std::string wide =
      R"({"w":{"dtype":"F32","shape":[1073741824,1073741824],"data_offsets":[0,4]}})";
  CHECK(has(decode_error(file_with(wide, 4)), "span 4 bytes"));
  CHECK(decode_safetensors(file_with("{}", 0), "empty").empty());
}

TEST_CASE("save_safetensors replaces a file leaving no temp file, and load names a missing one") {
  fs::path dir = test::scratch_dir("safetensors-save");
  fs::path file = dir / "ckpt.safetensors";
  save_safetensors(file, awkward_tensors(), {});
  save_safetensors(file, {{"only", {2}, {1.0f, 2.0f}}}, {{"step", "2"}});

  std::vector<fs::path> left;
  for (const auto& e : fs::directory_iterator(dir)) left.push_back(e.path());
  CHECK(left == std::vector<fs::path>{file});
  std::map<std::string, std::string> meta;
  std::vector<NamedTensor> back = load_safetensors(file, &meta);
  REQUIRE(back.size() == 1);
  CHECK(back[0].data == std::vector<float>{1.0f, 2.0f});
  CHECK(meta["step"] == "2");

  fs::path missing = dir / "nope.safetensors";
  CHECK(error_of([&] { load_safetensors(missing); }) ==
        missing.string() + ": cannot open: No such file or directory");
}

TEST_CASE("safetensors files read back in python with json and numpy") {
  if (std::system("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") != 0) {
    MESSAGE("skipped: /usr/bin/python3 has no numpy to read the file with");
    return;
  }
  fs::path dir = test::scratch_dir("safetensors-numpy");
  fs::path file = dir / "ckpt.safetensors";
  save_safetensors(file, {{"w", {2, 2}, {1.5f, -0.0f, 3.25f, -7.0f}}, {"b", {1}, {0.125f}}},
                   {{"k", "v"}});
  fs::path script = dir / "check.py";
  std::ofstream(script) << R"(import json, struct, sys
import numpy as np
raw = open(sys.argv[1], 'rb').read()
n = struct.unpack('<Q', raw[:8])[0]
header = json.loads(raw[8:8 + n])
data = raw[8 + n:]
def tensor(name):
    e = header[name]
    begin, end = e['data_offsets']
    return np.frombuffer(data[begin:end], dtype='<f4').reshape(e['shape'])
assert header['__metadata__']['k'] == 'v'
assert tensor('w').tolist() == [[1.5, -0.0], [3.25, -7.0]]
assert np.signbit(tensor('w')[0, 1])
assert tensor('b').tolist() == [0.125]
)";
  std::string command = "/usr/bin/python3 " + script.string() + " " + file.string();
  CHECK_MESSAGE(std::system(command.c_str()) == 0, "python could not read ", file.string());
}

}  // namespace vkgan
