// The fuzz targets of targets.hpp.
#include "tests/fuzz/targets.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <string>
#include <string_view>

#include "engine/checkpoint.hpp"
#include "engine/conformance.hpp"
#include "engine/error.hpp"
#include "engine/io/idx.hpp"
#include "engine/layout.hpp"

namespace vkgan::fuzz {
namespace {

std::string_view view(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// The readers take paths; an anonymous in-memory file gives them one
// without touching the disk.
class MemoryFile {
 public:
  MemoryFile(const uint8_t* data, size_t size) : fd_(memfd_create("vkgan-fuzz", 0)) {
    VKGAN_ASSERT(fd_ >= 0, "memfd_create failed");
    for (size_t at = 0; at < size;) {
      ssize_t n = ::write(fd_, data + at, size - at);
      VKGAN_ASSERT(n > 0, "write to memfd failed");
      at += size_t(n);
    }
  }
  ~MemoryFile() { ::close(fd_); }
  MemoryFile(const MemoryFile&) = delete;
  std::string path() const { return "/proc/self/fd/" + std::to_string(fd_); }

 private:
  int fd_;
};

template <typename F>
int refusing_is_fine(F&& f) {
  try {
    f();
  } catch (const Error&) {
  }
  return 0;
}

}  // namespace

int idx(const uint8_t* data, size_t size) {
  MemoryFile file(data, size);
  refusing_is_fine([&] { read_idx_images(file.path()); });
  refusing_is_fine([&] { read_idx_images(file.path(), 3); });
  return refusing_is_fine([&] { read_idx_labels(file.path()); });
}

int checkpoint(const uint8_t* data, size_t size) {
  return refusing_is_fine([&] {
    std::vector<NamedTensor> tensors;
    decode_checkpoint(view(data, size), "fuzz", "mlpgan28", &tensors);
  });
}

int conformance(const uint8_t* data, size_t size) {
  std::string_view text = view(data, size);
  size_t line = 0;
  for (size_t at = 0; at <= text.size(); ++line) {
    size_t end = std::min(text.find('\n', at), text.size());
    refusing_is_fine([&] { parse_conformance_case(text.substr(at, end - at), line + 1); });
    at = end + 1;
  }
  return 0;
}

int layout(const uint8_t* data, size_t size) {
  return refusing_is_fine([&] {
    LayoutOptions o = parse_options_text(std::string(view(data, size)), "fuzz");
    TrainingStrategy s = parse_training_strategy(o.training_strategy, {});
    LayoutSpec spec = parse_layout(o.input_layout, o.layout);
    check_latent_dim(s, o.training_strategy, spec.latent);
    (void)layout_dsl(spec, "fuzz");
  });
}

}  // namespace vkgan::fuzz
