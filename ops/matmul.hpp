// The strided matrix product kernel (shaders/matmul_forward.comp), shared by
// dense and anything else that is a matrix product.
#pragma once

#include "ops/common.hpp"

namespace vkgan::ops {

struct MatmulParams {
  uint32_t m, n, k;
  uint32_t a_m, a_k;
  uint32_t b_k, b_n;
  uint32_t tiles_n;
};

inline void matmul_kernel(const KernelContext& kc, Dispatch& d, MatmulParams p, bool bias) {
  constexpr uint32_t kTile = 64;
  use_kernel(kc, d, "matmul_forward", 4, {bias ? 1u : 0u}, 256);
  p.tiles_n = (p.n + kTile - 1) / kTile;
  d.set_push(p);
  d.groups = uint64_t((p.m + kTile - 1) / kTile) * p.tiles_n;
}

}  // namespace vkgan::ops
