// The register-blocked product inside the CPU convolution and dense kernels,
// C = A B with A [m, k] and B [k, n] row-major, stripped of everything else,
// so that `vkgan bench --ceiling` can time how fast a device runs it. As in
// those kernels a work group takes kBlockM rows of A, the same for all its
// invocations, and each invocation kBlockN columns of B. With kFromMemory 0
// the operands are made up in registers from their indices (an integer add
// and a conversion each) instead of read: the rate of the arithmetic and the
// loop alone, an upper bound for any kernel of this shape.
#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0) in;
layout(constant_id = 3) const uint kBlockM = 16;
layout(constant_id = 4) const uint kBlockN = 24;
layout(constant_id = 5) const uint kFromMemory = 1;
const uint kMaxBlock = 32;  // the host keeps both blocks within this

#include "index.glsl"
#include "tensor.glsl"

READONLY_TENSOR(0, a)
READONLY_TENSOR(1, b)
layout(set = 0, binding = 2) writeonly buffer C { float c[]; };

layout(push_constant) uniform Params {
  uint m, n, k;
  uint tiles_n;  // work groups along n
} p;

void main() {
  uint tile = linear_group();
  uint m0 = tile / p.tiles_n * kBlockM, tile_n = tile % p.tiles_n;
  if (m0 >= p.m) return;
  // Rows and columns past the end repeat the last one; their sums are dropped.
  uint a_row[kMaxBlock], col[kMaxBlock];
  for (uint i = 0; i < kBlockM; ++i) a_row[i] = min(m0 + i, p.m - 1) * p.k;
  for (uint j = 0; j < kBlockN; ++j)
    col[j] = (tile_n * kBlockN + j) * gl_WorkGroupSize.x + gl_LocalInvocationID.x;

  float acc[kMaxBlock][kMaxBlock];
  for (uint i = 0; i < kBlockM; ++i)
    for (uint j = 0; j < kBlockN; ++j) acc[i][j] = 0.0;
  for (uint k = 0; k < p.k; ++k) {
    float bv[kMaxBlock];
    for (uint j = 0; j < kBlockN; ++j) {
      uint at = k * p.n + min(col[j], p.n - 1);
      bv[j] = kFromMemory != 0 ? load_b(at) : float(at);
    }
    for (uint i = 0; i < kBlockM; ++i) {
      float av = kFromMemory != 0 ? load_a(a_row[i] + k) : float(a_row[i] + k);
      for (uint j = 0; j < kBlockN; ++j) acc[i][j] += av * bv[j];
    }
  }

  // A constant trip count, so that the loop unrolls and acc stays in registers.
  for (uint i = 0; i < kBlockM; ++i) {
    if (m0 + i >= p.m) break;
    for (uint j = 0; j < kBlockN; ++j)
      if (col[j] < p.n) c[(m0 + i) * p.n + col[j]] = acc[i][j];
  }
}
