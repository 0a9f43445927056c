// The strided matrix product kernel (shaders/matmul_forward.comp), shared by
// dense and anything else that is a matrix product.
#pragma once

#include <algorithm>

#include "ops/common.hpp"

namespace vkgan::ops {

struct MatmulParams {
  uint32_t m, n, k;
  uint32_t a_m, a_k;
  uint32_t b_k, b_n;
  uint32_t tiles_n;
};
static_assert(sizeof(MatmulParams) <= kMaxPushConstants);

// Register blocks of path 3: `lanes` invocations (the SIMD width), block_m
// rows shared by the work group, block_n columns per invocation.
struct MatmulBlocks {
  uint32_t lanes, block_m, block_n;
};

// Block sizes come from a short list, so few pipelines are built (each
// takes lavapipe a second or two to compile); `v` is rounded up to one.
inline uint32_t matmul_listed_size(int64_t v) {
  for (uint32_t size : {1, 2, 4, 8, 12, 16, 24})
    if (v <= size) return size;
  return 24;
}

// The fewest blocks of at most `most` items, as even as the list allows.
inline uint32_t matmul_even_block(int64_t count, int64_t most) {
  int64_t blocks = (count + most - 1) / most;
  return matmul_listed_size((count + blocks - 1) / blocks);
}

// On lavapipe a load that differs between lanes is a loop over them and a
// multiply-add nearly free, so a block is as large as the registers allow.
// TODO(a tuning run per CPU): on the dcgan28 dense layers (2-core AVX2,
// 8 lanes) 16 x 8 and 16 x 24 ran alike and 32 x 4 slower; 16 x 8 keeps
// more work groups and compiles faster. Wider machines may want others.
inline MatmulBlocks matmul_blocks(const KernelContext& kc, const MatmulParams& p) {
  constexpr int64_t kMaxM = 16, kMaxN = 8;
  MatmulBlocks b;
  b.lanes = std::clamp(kc.ctx.limits().subgroup_size, 4u, 64u);
  b.block_m = matmul_even_block(p.m, kMaxM);
  b.block_n = matmul_even_block((p.n + b.lanes - 1) / b.lanes, kMaxN);
  return b;
}

// Tiles of 64x64 outputs (path 0); one work group per output reducing a
// long k when there are too few outputs to keep the device busy (path 1);
// one invocation per output for thin products that tiles would pad (path
// 2); on a CPU, register blocks instead of tiles (path 3).
inline void matmul_kernel(const KernelContext& kc, Dispatch& d, MatmulParams p, bool bias) {
  constexpr uint32_t kTile = 64;
  uint64_t outputs = uint64_t(p.m) * p.n;
  uint64_t tiles = uint64_t((p.m + kTile - 1) / kTile) * ((p.n + kTile - 1) / kTile);
  uint32_t path = 0;
  if (tiles < 16 && p.k >= 1024 && outputs <= 4096) path = 1;
  else if ((p.m < 16 || p.n < 16 || p.k < 16) && p.k < 1024) path = 2;
  else if (kc.ctx.info().type == "cpu") path = 3;
  if (path == 3) {
    MatmulBlocks b = matmul_blocks(kc, p);
    uint32_t tile_n = b.lanes * b.block_n;
    p.tiles_n = (p.n + tile_n - 1) / tile_n;
    // A and B as texel buffers where they fit, as in the convolutions.
    use_kernel_texel(kc, d, "matmul_forward", 2, 4,
                     {bias ? 1u : 0u, path, b.block_m, b.block_n}, b.lanes);
    d.set_push(p);
    d.groups = uint64_t((p.m + b.block_m - 1) / b.block_m) * p.tiles_n;
    return;
  }
  use_kernel(kc, d, "matmul_forward", 4, {bias ? 1u : 0u, path}, 256);
  p.tiles_n = (p.n + kTile - 1) / kTile;
  d.set_push(p);
  d.groups = path == 1 ? outputs : path == 2 ? groups_for(int64_t(outputs), 256) : tiles;
}

}  // namespace vkgan::ops
