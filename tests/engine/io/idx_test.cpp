// Tests for the IDX reader: the real Fashion-MNIST files, and hand-made raw
// and gzip files that break the format in each way the reader must catch.
#include "engine/io/idx.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>

#include "engine/error.hpp"
#include "tests/support.hpp"

namespace vkgan {
namespace {

namespace fs = std::filesystem;

const fs::path kFashion = "/usr/share/datasets/fashion-mnist";

using test::error_of;

void put_be32(std::string& s, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) s += char((v >> shift) & 0xff);
}

// An IDX header for `dims` followed by `payload` bytes of a fixed pattern.
std::string idx_bytes(uint32_t magic, const std::vector<uint32_t>& dims, size_t payload) {
  std::string s;
  put_be32(s, magic);
  for (uint32_t d : dims) put_be32(s, d);
  for (size_t i = 0; i < payload; ++i) s += char((i * 7 + 3) & 0xff);
  return s;
}

uint32_t crc32_of(const std::string& data) {
  uint32_t crc = 0xffffffff;
  for (unsigned char c : data) {
    crc ^= c;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1)));
  }
  return ~crc;
}

void put_le(std::string& s, uint32_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) s += char((v >> (8 * i)) & 0xff);
}

// A gzip stream built by hand from stored (uncompressed) deflate blocks, so
// the tests need no compressor of their own.
std::string gzip_stored(const std::string& data) {
  std::string s = {'\x1f', '\x8b', '\x08', 0, 0, 0, 0, 0, 0, '\xff'};
  size_t at = 0;
  do {
    size_t n = std::min<size_t>(data.size() - at, 65535);
    bool last = at + n == data.size();
    s += char(last ? 1 : 0);
    put_le(s, uint32_t(n), 2);
    put_le(s, uint32_t(~n & 0xffff), 2);
    s.append(data, at, n);
    at += n;
  } while (at < data.size());
  put_le(s, crc32_of(data), 4);
  put_le(s, uint32_t(data.size()), 4);
  return s;
}

fs::path write_file(const std::string& dir, const std::string& name, const std::string& bytes) {
  fs::path p = fs::path(dir) / name;
  std::ofstream(p, std::ios::binary) << bytes;
  return p;
}

}  // namespace

TEST_CASE("read_idx_images reads the 10000 Fashion-MNIST t10k images of 28x28") {
  fs::path file = kFashion / "t10k-images-idx3-ubyte.gz";
  if (!fs::exists(file)) {
    MESSAGE("skipped: ", file.string(), " is not installed");
    return;
  }
  IdxImages images = read_idx_images(file);
  CHECK(images.count == 10000);
  CHECK(images.rows == 28);
  CHECK(images.cols == 28);
  REQUIRE(images.pixels.size() == size_t(10000) * 28 * 28);
  CHECK(std::any_of(images.pixels.begin(), images.pixels.end(), [](uint8_t p) { return p; }));
}

TEST_CASE("read_idx_images with a limit reads only the first images") {
  std::string dir = test::scratch_dir("idx-limit");
  // The header claims far more images than follow: a limit within what is
  // there reads those and stops; one beyond it still meets the short file.
  fs::path p = write_file(dir, "part.idx", gzip_stored(idx_bytes(0x803, {3000000, 2, 3}, 5 * 6)));
  IdxImages first = read_idx_images(p, 4);
  CHECK(first.count == 4);
  REQUIRE(first.pixels.size() == 24);
  CHECK(first.pixels[23] == uint8_t((23 * 7 + 3) & 0xff));
  CHECK(error_of([&] { read_idx_images(p, 6); }).find("only 30 bytes follow the header") !=
        std::string::npos);
}

TEST_CASE("read_idx_labels reads the Fashion-MNIST t10k labels, all 0 to 9") {
  fs::path file = kFashion / "t10k-labels-idx1-ubyte.gz";
  if (!fs::exists(file)) {
    MESSAGE("skipped: ", file.string(), " is not installed");
    return;
  }
  std::vector<uint8_t> labels = read_idx_labels(file);
  CHECK(labels.size() == 10000);
  CHECK(*std::max_element(labels.begin(), labels.end()) == 9);
  CHECK(*std::min_element(labels.begin(), labels.end()) == 0);
}

TEST_CASE("read_idx_images tells gzip by its magic bytes, not by the file name") {
  std::string dir = test::scratch_dir("idx-gzip");
  std::string raw = idx_bytes(0x803, {3, 4, 5}, 60);
  IdxImages a = read_idx_images(write_file(dir, "raw.gz", raw));
  IdxImages b = read_idx_images(write_file(dir, "zipped.idx", gzip_stored(raw)));
  CHECK(a.count == 3);
  CHECK(a.rows == 4);
  CHECK(a.cols == 5);
  CHECK(a.pixels == std::vector<uint8_t>(raw.begin() + 16, raw.end()));
  CHECK(b.pixels == a.pixels);

  std::string labels = idx_bytes(0x801, {70000}, 70000);
  CHECK(read_idx_labels(write_file(dir, "l.gz", gzip_stored(labels))).size() == 70000);
}

TEST_CASE("read_idx_images rejects a bad magic, naming the file and the magic expected") {
  std::string dir = test::scratch_dir("idx-magic");
  fs::path wrong = write_file(dir, "a", idx_bytes(0x903, {1, 1, 1}, 1));
  CHECK(error_of([&] { read_idx_images(wrong); }) ==
        wrong.string() +
            ": bad IDX magic 0x00000903 at byte 0, expected 0x00000803 "
            "(unsigned-byte images, 3 dimensions): element type 0x09 is signed "
            "byte, only unsigned byte (0x08) is read");
  fs::path png = write_file(dir, "p", "\x89PNG\r\n\x1a\n0000000000000000");
  CHECK(error_of([&] { read_idx_images(png); }).find("0x89504e47 at byte 0") != std::string::npos);
  CHECK(error_of([&] { read_idx_images(png); }).find("first two bytes must be zero") !=
        std::string::npos);
  fs::path floats = write_file(dir, "b", idx_bytes(0xd03, {1, 1, 1}, 4));
  CHECK(error_of([&] { read_idx_images(floats); }).find("0x0d is float32") != std::string::npos);
  fs::path labels = write_file(dir, "c", idx_bytes(0x801, {4}, 4));
  CHECK(error_of([&] {
          read_idx_images(labels);
        }).find("1 dimension, expected 3; this looks like a label file") != std::string::npos);
  CHECK(error_of([&] { read_idx_labels(wrong); }).find("expected 0x00000801") != std::string::npos);
}

TEST_CASE("read_idx_images rejects a header that claims more idx data than follows") {
  std::string dir = test::scratch_dir("idx-short");
  std::string bytes = idx_bytes(0x803, {60000, 28, 28}, 1000);
  std::string expected =
      ": header claims 60000 images of 28x28 (47040000 bytes) but only 1000 bytes follow the "
      "header at byte 16";
  fs::path raw = write_file(dir, "raw", bytes);
  fs::path gz = write_file(dir, "gz", gzip_stored(bytes));
  CHECK(error_of([&] { read_idx_images(raw); }) == raw.string() + expected);
  CHECK(error_of([&] { read_idx_images(gz); }) == gz.string() + expected);

  // Sizes whose product passes 2^64 must fail on the data, not allocate.
  fs::path huge = write_file(dir, "huge", idx_bytes(0x803, {~0u, ~0u, ~0u}, 10));
  CHECK(error_of([&] { read_idx_images(huge); }).find("(more than 2^64 bytes) but only 10") !=
        std::string::npos);
  fs::path labels = write_file(dir, "labels", idx_bytes(0x801, {4000000000u}, 3));
  CHECK(error_of([&] { read_idx_labels(labels); }).find("4000000000 labels") != std::string::npos);
}

TEST_CASE("read_idx_images rejects trailing data, no images and a short idx header") {
  std::string dir = test::scratch_dir("idx-shape");
  fs::path trailing = write_file(dir, "t", idx_bytes(0x803, {2, 2, 2}, 11));
  CHECK(error_of([&] { read_idx_images(trailing); }) ==
        trailing.string() +
            ": 3 bytes of trailing data at byte 24, after the 2 images of 2x2 "
            "(8 bytes) that the header claims");
  fs::path none = write_file(dir, "n", idx_bytes(0x803, {0, 28, 28}, 0));
  CHECK(error_of([&] { read_idx_images(none); }).find("holds no images") != std::string::npos);
  fs::path flat = write_file(dir, "f", idx_bytes(0x803, {5, 0, 28}, 0));
  CHECK(error_of([&] { read_idx_images(flat); }).find("0x28 pixels") != std::string::npos);
  fs::path cut = write_file(dir, "c", idx_bytes(0x803, {5, 28}, 0));
  CHECK(error_of([&] { read_idx_images(cut); }) ==
        cut.string() +
            ": file ends at byte 12, inside the 16-byte IDX header (expected 12 "
            "bytes at byte 4)");
  fs::path no_labels = write_file(dir, "l", idx_bytes(0x801, {0}, 0));
  CHECK(error_of([&] { read_idx_labels(no_labels); }).find("holds no labels") != std::string::npos);
}

TEST_CASE("read_idx_images reports a missing file and a broken gzip stream") {
  std::string dir = test::scratch_dir("idx-broken");
  fs::path missing = fs::path(dir) / "train-images-idx3-ubyte.gz";
  CHECK(error_of([&] { read_idx_images(missing); }) ==
        missing.string() + ": cannot open: No such file or directory");

  std::string gz = gzip_stored(idx_bytes(0x803, {2, 3, 3}, 18));
  fs::path cut = write_file(dir, "cut.gz", gz.substr(0, gz.size() - 12));
  CHECK(error_of([&] { read_idx_images(cut); }).find("gzip data is corrupt") != std::string::npos);
  gz[gz.size() - 6] ^= 1;  // the CRC-32 in the trailer
  fs::path bad_crc = write_file(dir, "crc.gz", gz);
  CHECK(error_of([&] { read_idx_images(bad_crc); }).find("incorrect data check") !=
        std::string::npos);
}

}  // namespace vkgan
