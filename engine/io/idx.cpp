// IDX parsing over zlib's gzFile, which decompresses a gzip stream and reads
// any other file unchanged, so one reader serves .gz and raw files alike.
// Byte offsets in errors count decompressed bytes for a gzip file.
#include "engine/io/idx.hpp"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <string>

#include "engine/error.hpp"

namespace vkgan {
namespace {

constexpr size_t kChunk = size_t(1) << 20;

// What one kind of IDX file must start with, and its words for errors.
struct IdxKind {
  uint32_t magic;
  uint8_t dims;
  const char* what;
};

constexpr IdxKind kImages{0x00000803, 3, "unsigned-byte images, 3 dimensions"};
constexpr IdxKind kLabels{0x00000801, 1, "unsigned-byte labels, 1 dimension"};

// A sequential reader that knows its offset, for the error messages.
class IdxStream {
 public:
  explicit IdxStream(const std::filesystem::path& file);
  ~IdxStream() { gzclose(gz_); }
  IdxStream(const IdxStream&) = delete;
  IdxStream& operator=(const IdxStream&) = delete;

  size_t read(uint8_t* dst, size_t n);
  uint64_t offset() const { return offset_; }
  const std::string& label() const { return label_; }

 private:
  [[noreturn]] void read_failed() const;

  std::string label_;
  gzFile gz_ = nullptr;
  uint64_t offset_ = 0;
};

IdxStream::IdxStream(const std::filesystem::path& file) : label_(file.string()) {
  errno = 0;
  gz_ = gzopen(label_.c_str(), "rb");
  if (!gz_) fail("{}: cannot open: {}", label_, errno ? std::strerror(errno) : "out of memory");
  gzbuffer(gz_, 128 * 1024);
}

// Reads up to n bytes; fewer only where the data ends.
size_t IdxStream::read(uint8_t* dst, size_t n) {
  size_t got = 0;
  while (got < n) {
    unsigned want = unsigned(std::min(n - got, kChunk));
    int r = gzread(gz_, dst + got, want);
    if (r < 0) read_failed();
    if (r == 0) break;
    got += size_t(r);
    offset_ += uint64_t(r);
  }
  // NOTE: gzread reports a truncated gzip stream as a plain end of data;
  // only gzerror tells the two apart.
  int err = Z_OK;
  if (got < n) gzerror(gz_, &err);
  if (err != Z_OK) read_failed();
  return got;
}

void IdxStream::read_failed() const {
  int err = Z_OK;
  const char* msg = gzerror(gz_, &err);
  if (err == Z_ERRNO) fail("{}: read failed at byte {}: {}", label_, offset_, std::strerror(errno));
  fail("{}: gzip data is corrupt after decompressed byte {}: {}", label_, offset_, msg);
}

uint32_t big_endian(const uint8_t* p) {
  return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3];
}

const char* type_name(uint8_t type) {
  switch (type) {
    case 0x08: return "unsigned byte";
    case 0x09: return "signed byte";
    case 0x0b: return "int16";
    case 0x0c: return "int32";
    case 0x0d: return "float32";
    case 0x0e: return "float64";
    default: return "not an IDX type";
  }
}

// Why `magic` is not the one `kind` needs, or "" when it is.
std::string magic_problem(uint32_t magic, const IdxKind& kind) {
  unsigned type = (magic >> 8) & 0xff, dims = magic & 0xff;
  if (magic >> 16 != 0) return "the first two bytes must be zero; is this an IDX file?";
  if (type != 0x08)
    return fmt::format("element type 0x{:02x} is {}, only unsigned byte (0x08) is read", type,
                       type_name(uint8_t(type)));
  if (dims == kind.dims) return "";
  std::string hint = dims == 1 ? "; this looks like a label file"
                     : dims == 3 ? "; this looks like an image file" : "";
  return fmt::format("{} dimension{}, expected {}{}", dims, dims == 1 ? "" : "s", kind.dims, hint);
}

void read_header_bytes(IdxStream& in, uint8_t* dst, size_t n, const IdxKind& kind) {
  uint64_t at = in.offset();
  if (in.read(dst, n) == n) return;
  fail("{}: file ends at byte {}, inside the {}-byte IDX header (expected {} bytes at byte {})",
       in.label(), in.offset(), 4 + 4 * kind.dims, n, at);
}

// The dimension sizes, once the magic says the file is of `kind`.
std::vector<uint32_t> read_header(IdxStream& in, const IdxKind& kind) {
  uint8_t magic_bytes[4];
  read_header_bytes(in, magic_bytes, 4, kind);
  uint32_t magic = big_endian(magic_bytes);
  std::string problem = magic_problem(magic, kind);
  if (!problem.empty())
    fail("{}: bad IDX magic 0x{:08x} at byte 0, expected 0x{:08x} ({}): {}", in.label(), magic,
         kind.magic, kind.what, problem);

  std::vector<uint8_t> raw(4 * size_t(kind.dims));
  read_header_bytes(in, raw.data(), raw.size(), kind);
  std::vector<uint32_t> dims;
  for (size_t i = 0; i < kind.dims; ++i) dims.push_back(big_endian(&raw[4 * i]));
  return dims;
}

// The product of the sizes, saturated: three 32-bit sizes can pass 2^64.
uint64_t claimed_bytes(const std::vector<uint32_t>& dims) {
  constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
  uint64_t n = 1;
  for (uint32_t d : dims) n = (d != 0 && n > kMax / d) ? kMax : n * d;
  return n;
}

void check_no_trailing_data(IdxStream& in, const std::string& claim) {
  uint64_t end = in.offset();
  std::vector<uint8_t> scratch(64 * 1024);
  uint64_t extra = 0;
  // Counting stops at 1 MiB: past that the exact number says nothing more.
  while (extra < kChunk) {
    size_t got = in.read(scratch.data(), scratch.size());
    if (got == 0) break;
    extra += got;
  }
  if (extra != 0)
    fail("{}: {}{} bytes of trailing data at byte {}, after the {} that the header claims",
         in.label(), extra, extra >= kChunk ? "+" : "", end, claim);
}

// Reads exactly `bytes` bytes and no more. The buffer grows only as data
// arrives, so a header that lies about its sizes cannot make us allocate
// more than the file really holds.
std::vector<uint8_t> read_payload(IdxStream& in, uint64_t bytes, const std::string& claim,
                                  bool whole = true) {
  uint64_t start = in.offset();
  std::vector<uint8_t> out;
  while (out.size() < bytes) {
    size_t old = out.size();
    size_t want = size_t(std::min<uint64_t>(bytes - old, kChunk));
    out.resize(old + want);
    size_t got = in.read(out.data() + old, want);
    out.resize(old + got);
    if (got < want)
      fail("{}: header claims {} but only {} bytes follow the header at byte {}", in.label(),
           claim, out.size(), start);
  }
  if (whole) check_no_trailing_data(in, claim);
  return out;
}

std::string bytes_text(uint64_t bytes) {
  if (bytes == std::numeric_limits<uint64_t>::max()) return "more than 2^64 bytes";
  return fmt::format("{} bytes", bytes);
}

}  // namespace

IdxImages read_idx_images(const std::filesystem::path& file, uint64_t limit) {
  IdxStream in(file);
  std::vector<uint32_t> d = read_header(in, kImages);
  if (d[0] == 0) fail("{}: holds no images (the count at byte 4 is 0)", in.label());
  if (d[1] == 0 || d[2] == 0)
    fail("{}: images of {}x{} pixels hold nothing (sizes at byte 8)", in.label(), d[1], d[2]);

  uint64_t bytes = claimed_bytes(d);
  std::string claim =
      fmt::format("{} images of {}x{} ({})", d[0], d[1], d[2], bytes_text(bytes));
  if (limit > 0 && limit < d[0]) {
    uint32_t n = uint32_t(limit);
    std::string part = fmt::format("{} of {}", n, claim);
    return {n, d[1], d[2], read_payload(in, uint64_t(n) * d[1] * d[2], part, false)};
  }
  return {d[0], d[1], d[2], read_payload(in, bytes, claim)};
}

std::vector<uint8_t> read_idx_labels(const std::filesystem::path& file) {
  IdxStream in(file);
  std::vector<uint32_t> d = read_header(in, kLabels);
  if (d[0] == 0) fail("{}: holds no labels (the count at byte 4 is 0)", in.label());
  return read_payload(in, d[0], fmt::format("{} labels ({} bytes)", d[0], d[0]));
}

}  // namespace vkgan
