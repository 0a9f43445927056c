// Tensor shapes and host tensors. Every tensor is dense, row-major (last
// axis fastest), float32 on the device; images are NCHW. A scalar has the
// empty shape [] and one element.
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace vkgan {

class Shape {
 public:
  Shape() = default;
  Shape(std::initializer_list<int64_t> dims) : dims_(dims) {}
  explicit Shape(std::vector<int64_t> dims) : dims_(std::move(dims)) {}

  size_t rank() const { return dims_.size(); }
  int64_t operator[](size_t i) const { return dims_[i]; }
  int64_t& operator[](size_t i) { return dims_[i]; }
  const std::vector<int64_t>& dims() const { return dims_; }
  int64_t elements() const {
    int64_t n = 1;
    for (int64_t d : dims_) n *= d;
    return n;
  }
  uint64_t bytes() const { return uint64_t(elements()) * sizeof(float); }
  bool operator==(const Shape& o) const { return dims_ == o.dims_; }
  bool operator!=(const Shape& o) const { return dims_ != o.dims_; }
  std::string str() const;

 private:
  std::vector<int64_t> dims_;
};

struct HostTensor {
  Shape shape;
  std::vector<float> data;
};

}  // namespace vkgan

template <>
struct fmt::formatter<vkgan::Shape> : fmt::formatter<std::string> {
  auto format(const vkgan::Shape& s, fmt::format_context& ctx) const {
    return fmt::formatter<std::string>::format(s.str(), ctx);
  }
};
