// safetensors encoding and a decoder that trusts nothing: every length,
// offset and shape is checked against the bytes really present before it is
// used, so hostile files fail with an error and never allocate beyond them.
#include "engine/io/safetensors.hpp"

#include <fmt/ranges.h>
#include <zlib.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <bit>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <set>
#include <tuple>

#include "engine/error.hpp"
#include "engine/io/atomic_file.hpp"

namespace vkgan {
namespace {

using json = nlohmann::json;

// NOTE: floats are copied byte for byte, which is only the format's
// little-endian layout on a little-endian host.
static_assert(std::endian::native == std::endian::little, "safetensors I/O assumes little-endian");

constexpr const char* kCrcKey = "vkgan.crc32";
constexpr const char* kMetaKey = "__metadata__";
// The reference implementation refuses headers over 100 MB; so do we, which
// bounds what the JSON parser may allocate.
constexpr uint64_t kMaxHeaderBytes = 100 << 20;
// The format nests three levels (object, entry, shape); deeper input is not
// safetensors, and refusing it early keeps the parser's stack small.
constexpr int kMaxJsonDepth = 8;

// A header entry once its JSON is read, before it is checked against data.
struct Entry {
  std::string name;
  std::vector<int64_t> dims;
  uint64_t begin = 0, end = 0;
};

// `s` made safe for a one-line message: control bytes escaped, long cut.
std::string shown(std::string_view s, size_t limit = 80) {
  std::string out;
  for (unsigned char c : s.substr(0, limit))
    out += (c < 0x20 || c == 0x7f) ? fmt::format("\\x{:02x}", c) : std::string(1, char(c));
  return s.size() > limit ? out + "..." : out;
}

std::string crc32_hex(std::string_view data) {
  uLong crc = crc32_z(0, nullptr, 0);
  crc = crc32_z(crc, reinterpret_cast<const Bytef*>(data.data()), data.size());
  return fmt::format("{:08x}", crc);
}

std::string le64(uint64_t v) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[size_t(i)] = char((v >> (8 * i)) & 0xff);
  return out;
}

void check_encodable(const NamedTensor& t, std::set<std::string>& seen, const std::string& label) {
  if (t.name.empty() || t.name == kMetaKey)
    fail("{}: tensor name '{}' is reserved or empty", label, shown(t.name));
  if (!seen.insert(t.name).second) fail("{}: tensor '{}' is given twice", label, shown(t.name));
  for (int64_t d : t.shape.dims())
    if (d < 0) fail("{}: tensor '{}' has negative size in shape {}", label, t.name, t.shape);
  if (uint64_t(t.shape.elements()) != t.data.size())
    fail("{}: tensor '{}' has shape {} ({} elements) but holds {} values", label, t.name, t.shape,
         t.shape.elements(), t.data.size());
}

// nlohmann's message without its "[json.exception...] " tag, on one line.
std::string json_message(const char* what) {
  std::string_view s = what;
  size_t tag_end = s.find("] ");
  if (s.starts_with("[json.exception") && tag_end != s.npos) s.remove_prefix(tag_end + 2);
  return shown(s, 200);
}

std::string dump_header(const json& header, const std::string& label) {
  try {
    return header.dump();
  } catch (const json::type_error& e) {
    fail("{}: tensor names and metadata must be UTF-8: {}", label, json_message(e.what()));
  }
}

std::string encode(const std::vector<NamedTensor>& tensors,
                   std::map<std::string, std::string> metadata, const std::string& label) {
  std::set<std::string> seen;
  json header = json::object();
  std::string data;
  for (const NamedTensor& t : tensors) {
    check_encodable(t, seen, label);
    uint64_t begin = data.size();
    data.append(reinterpret_cast<const char*>(t.data.data()), t.data.size() * sizeof(float));
    header[t.name] = {{"dtype", "F32"},
                      {"shape", t.shape.dims()},
                      {"data_offsets", json::array({begin, uint64_t(data.size())})}};
  }
  metadata[kCrcKey] = crc32_hex(data);
  header[kMetaKey] = metadata;

  // Spaces after the JSON are allowed, and keep the data 8-byte aligned.
  std::string text = dump_header(header, label);
  text.append((8 - text.size() % 8) % 8, ' ');
  return le64(text.size()) + text + data;
}

// The JSON text after the 8-byte length, once the length is known to fit.
std::string_view header_text(std::string_view bytes, const std::string& label) {
  if (bytes.size() < 8)
    fail("{}: file is {} bytes, shorter than the 8-byte header length a safetensors file "
         "starts with", label, bytes.size());
  uint64_t n = 0;
  for (int i = 0; i < 8; ++i) n |= uint64_t(uint8_t(bytes[size_t(i)])) << (8 * i);
  uint64_t rest = bytes.size() - 8;
  if (n > rest)
    fail("{}: header length {} at byte 0 runs past the end: only {} bytes follow the 8-byte "
         "length", label, n, rest);
  if (n > kMaxHeaderBytes)
    fail("{}: header length {} at byte 0 is over the {}-byte limit", label, n, kMaxHeaderBytes);
  return bytes.substr(8, n);
}

json parse_header(std::string_view text, const std::string& label) {
  auto limit_depth = [&](int depth, json::parse_event_t, json&) {
    if (depth > kMaxJsonDepth)
      fail("{}: header JSON nests deeper than {} levels, which safetensors never does", label,
           kMaxJsonDepth);
    return true;
  };
  json header;
  try {
    header = json::parse(text.begin(), text.end(), limit_depth);
  } catch (const json::parse_error& e) {
    // e.byte counts from 1; the header starts at file byte 8.
    uint64_t at = 8 + std::max<size_t>(e.byte, 1) - 1;
    fail("{}: header is not JSON (error at byte {}): {}", label, at, json_message(e.what()));
  }
  if (!header.is_object())
    fail("{}: header at byte 8 is a JSON {}, expected an object of tensor entries", label,
         header.type_name());
  return header;
}

std::map<std::string, std::string> read_metadata(const json& header, const std::string& label) {
  std::map<std::string, std::string> out;
  auto it = header.find(kMetaKey);
  if (it == header.end()) return out;
  if (!it->is_object())
    fail("{}: \"__metadata__\" is a JSON {}, expected an object of strings", label,
         it->type_name());
  for (const auto& [key, value] : it->items()) {
    if (!value.is_string())
      fail("{}: metadata '{}' is a JSON {}, expected a string", label, shown(key),
           value.type_name());
    out[key] = value.get<std::string>();
  }
  return out;
}

const json& field(const json& entry, const char* key, const std::string& name,
                  const std::string& label) {
  auto it = entry.find(key);
  if (it == entry.end())
    fail("{}: tensor '{}' has no \"{}\" (an entry needs dtype, shape and data_offsets)", label,
         shown(name), key);
  return *it;
}

// A JSON array of integers that each fit in int64, as `what` of tensor `name`.
std::vector<int64_t> read_ints(const json& j, const char* what, const std::string& name,
                               const std::string& label) {
  constexpr uint64_t kMax = std::numeric_limits<int64_t>::max();
  std::vector<int64_t> out;
  bool ok = j.is_array();
  for (size_t i = 0; ok && i < j.size(); ++i) {
    ok = j[i].is_number_unsigned() && j[i].get<uint64_t>() <= kMax;
    if (ok) out.push_back(int64_t(j[i].get<uint64_t>()));
  }
  if (!ok)
    fail("{}: tensor '{}' has {} {}, expected an array of non-negative integers", label,
         shown(name), what, shown(j.dump()));
  return out;
}

// Rejects shapes whose element count overflows, multiplying in the same
// order as Shape::elements so that it can never overflow later.
void check_shape_size(const Entry& e, const std::string& label) {
  int64_t n = 1;
  for (int64_t d : e.dims)
    if (__builtin_mul_overflow(n, d, &n))
      fail("{}: tensor '{}' has shape [{}] whose element count overflows", label, shown(e.name),
           fmt::join(e.dims, ","));
}

Entry read_entry(const std::string& name, const json& j, const std::string& label) {
  if (!j.is_object())
    fail("{}: tensor '{}' is a JSON {}, expected an object with dtype, shape and data_offsets",
         label, shown(name), j.type_name());
  const json& dtype = field(j, "dtype", name, label);
  if (dtype != "F32")
    fail("{}: tensor '{}' has dtype {}, only \"F32\" is read", label, shown(name),
         shown(dtype.dump()));

  Entry e{name, read_ints(field(j, "shape", name, label), "shape", name, label)};
  check_shape_size(e, label);
  std::vector<int64_t> offsets =
      read_ints(field(j, "data_offsets", name, label), "data_offsets", name, label);
  if (offsets.size() != 2)
    fail("{}: tensor '{}' has {} data_offsets, expected [begin, end]", label, shown(name),
         offsets.size());
  e.begin = uint64_t(offsets[0]);
  e.end = uint64_t(offsets[1]);
  return e;
}

// One entry's offsets against the data size and its own shape.
void check_span(const Entry& e, uint64_t data_size, const std::string& label) {
  if (e.end < e.begin)
    fail("{}: tensor '{}' has reversed data_offsets [{}, {}]", label, shown(e.name), e.begin,
         e.end);
  if (e.end > data_size)
    fail("{}: tensor '{}' data_offsets [{}, {}] run past the end of the {}-byte data section",
         label, shown(e.name), e.begin, e.end, data_size);
  uint64_t span = e.end - e.begin;
  uint64_t elements = uint64_t(Shape(e.dims).elements());
  if (span % sizeof(float) != 0 || span / sizeof(float) != elements)
    fail("{}: tensor '{}' has shape [{}] ({} F32 values) but data_offsets [{}, {}] span {} bytes",
         label, shown(e.name), fmt::join(e.dims, ","), elements, e.begin, e.end, span);
}

// Entries sorted by offset must tile [0, data_size) with no gap or overlap.
void check_tiling(std::vector<Entry>& entries, uint64_t data_size, uint64_t data_start,
                  const std::string& label) {
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return std::tie(a.begin, a.end) < std::tie(b.begin, b.end);
  });
  uint64_t at = 0;
  for (size_t i = 0; i < entries.size(); ++i) {
    const Entry& e = entries[i];
    if (e.begin < at)
      fail("{}: tensor '{}' data_offsets [{}, {}] overlap tensor '{}', which ends at {}", label,
           shown(e.name), e.begin, e.end, shown(entries[i - 1].name), at);
    if (e.begin > at)
      fail("{}: tensor '{}' data_offsets [{}, {}] leave data bytes {}..{} (file byte {}) unused",
           label, shown(e.name), e.begin, e.end, at, e.begin, data_start + at);
    at = e.end;
  }
  if (at != data_size)
    fail("{}: tensors cover {} bytes but the data section at byte {} holds {}", label, at,
         data_start, data_size);
}

void check_crc(const std::map<std::string, std::string>& meta, std::string_view data,
               const std::string& label) {
  auto it = meta.find(kCrcKey);
  if (it == meta.end()) return;
  std::string stored = it->second, computed = crc32_hex(data);
  std::transform(stored.begin(), stored.end(), stored.begin(),
                 [](unsigned char c) { return char(std::tolower(c)); });
  if (stored != computed)
    fail("{}: checksum mismatch: stored {}, computed {}; the file is corrupt", label,
         shown(it->second), computed);
}

NamedTensor to_tensor(const Entry& e, std::string_view data) {
  NamedTensor t{e.name, Shape(e.dims), {}};
  t.data.resize((e.end - e.begin) / sizeof(float));
  if (!t.data.empty()) std::memcpy(t.data.data(), data.data() + e.begin, e.end - e.begin);
  return t;
}

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

}  // namespace

std::string read_file_bytes(const std::filesystem::path& file) {
  std::unique_ptr<std::FILE, FileCloser> f(std::fopen(file.c_str(), "rb"));
  if (!f) fail("{}: cannot open: {}", file.string(), std::strerror(errno));
  std::string bytes;
  char buf[1 << 16];
  size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, f.get())) > 0) bytes.append(buf, n);
  if (std::ferror(f.get()))
    fail("{}: read failed after byte {}: {}", file.string(), bytes.size(), std::strerror(errno));
  return bytes;
}

std::string encode_safetensors(const std::vector<NamedTensor>& tensors,
                               std::map<std::string, std::string> metadata) {
  return encode(tensors, std::move(metadata), "safetensors");
}

std::vector<NamedTensor> decode_safetensors(std::string_view bytes, const std::string& file_label,
                                            std::map<std::string, std::string>* metadata) {
  std::string_view text = header_text(bytes, file_label);
  json header = parse_header(text, file_label);
  uint64_t data_start = 8 + text.size();
  std::string_view data = bytes.substr(data_start);

  std::map<std::string, std::string> meta = read_metadata(header, file_label);
  std::vector<Entry> entries;
  for (const auto& [name, value] : header.items())
    if (name != kMetaKey) entries.push_back(read_entry(name, value, file_label));
  for (const Entry& e : entries) check_span(e, data.size(), file_label);
  check_tiling(entries, data.size(), data_start, file_label);
  check_crc(meta, data, file_label);

  std::vector<NamedTensor> out;
  for (const Entry& e : entries) out.push_back(to_tensor(e, data));
  if (metadata) *metadata = std::move(meta);
  return out;
}

void save_safetensors(const std::filesystem::path& file, const std::vector<NamedTensor>& tensors,
                      std::map<std::string, std::string> metadata) {
  write_file_atomic(file, encode(tensors, std::move(metadata), file.string()));
}

std::vector<NamedTensor> load_safetensors(const std::filesystem::path& file,
                                          std::map<std::string, std::string>* metadata) {
  return decode_safetensors(read_file_bytes(file), file.string(), metadata);
}

}  // namespace vkgan
