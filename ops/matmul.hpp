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

// Tiles of 64x64 outputs (path 0); one work group per output reducing a
// long k when there are too few outputs to keep the device busy (path 1);
// one invocation per output for thin products that tiles would pad (path 2).
inline void matmul_kernel(const KernelContext& kc, Dispatch& d, MatmulParams p, bool bias) {
  constexpr uint32_t kTile = 64;
  uint64_t outputs = uint64_t(p.m) * p.n;
  uint64_t tiles = uint64_t((p.m + kTile - 1) / kTile) * ((p.n + kTile - 1) / kTile);
  uint32_t path = 0;
  if (tiles < 16 && p.k >= 1024 && outputs <= 4096) path = 1;
  else if ((p.m < 16 || p.n < 16 || p.k < 16) && p.k < 1024) path = 2;
  use_kernel(kc, d, "matmul_forward", 4, {bias ? 1u : 0u, path}, 256);
  p.tiles_n = (p.n + kTile - 1) / kTile;
  d.set_push(p);
  d.groups = path == 1 ? outputs : path == 2 ? groups_for(int64_t(outputs), 256) : tiles;
}

}  // namespace vkgan::ops
