// The per-op checks every op test runs: the Vulkan kernels against the CPU
// reference (forward and backward), and the reference's gradients against
// central finite differences in float64. A failure names the op, every
// attribute, the tensor, the largest error and the tolerance.
#pragma once

#include <random>
#include <string>
#include <vector>

#include "engine/op_runner.hpp"

namespace vkgan::test {

struct OpCheckInput {
  std::string name;
  Shape shape;
  bool differentiable = true;
  double lo = -1.0, hi = 1.0;  // uniform range of random values
};

struct OpCheckOptions {
  double device_tol = 1e-4;  // relative L2 error, device vs reference
  double fd_tol = 1e-5;      // relative error of finite differences
  int fd_samples = 12;       // elements probed per input
  double fd_step = 1e-6;
  bool check_device = true;
};

// Runs every check with random inputs from `seed`; returns false (after
// FAIL_CHECK messages) on any mismatch.
bool check_op(const std::string& op, const Attrs& attrs, const std::vector<OpCheckInput>& inputs,
              uint32_t seed, const OpCheckOptions& options = {});

// A shape of `rank` dimensions, each uniform in [1, max_dim].
Shape random_shape(std::mt19937& rng, size_t rank, int64_t max_dim);

// Fills a tensor with uniform values in [lo, hi).
HostTensor random_tensor(const Shape& s, std::mt19937& rng, double lo = -1, double hi = 1);

}  // namespace vkgan::test
