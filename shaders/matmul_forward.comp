// C[m, n] = sum_k A[m, k] * B[k, n] (+ bias[n]) for any strides of A and B,
// so one kernel serves dense forward (x w^T), its data gradient (grad_y w) and
// its weight gradient (grad_y^T x). Tiles of kTile x kTile outputs per work
// group, each invocation kBlock x kBlock of them, K staged through shared
// memory; or, on a CPU, register blocks (kPath 3). Sums run over k in order:
// results are deterministic.
#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0) in;
layout(constant_id = 3) const uint kHasBias = 0;
// kPath 0: tiles. 1: one work group per output element, lanes splitting k,
// for few outputs and a long k (a dense layer to one logit), where tiles
// would leave all but one core idle. 2: one invocation per output element,
// for thin products (a side under 16, or a short k) that tiles would pad.
// 3: register blocks for a CPU (lavapipe), where a load that differs between
// invocations costs a loop over the SIMD lanes, one the same for all of them
// a single load, and shared memory and barriers cost more than they save.
// A work group of SIMD width takes kBlockM rows, the same for all of its
// invocations, and kBlockN columns each (column j: (tile_n kBlockN + j)
// lanes + lane): per k, kBlockM uniform loads of A and kBlockN loads of B
// feed kBlockM x kBlockN multiply-adds.
layout(constant_id = 4) const uint kPath = 0;
layout(constant_id = 5) const uint kBlockM = 16;
layout(constant_id = 6) const uint kBlockN = 4;
const uint kMaxBlock = 32;  // the host keeps both blocks within this
const uint kReduceLanes = 256;
#include "index.glsl"
#include "reduce.glsl"
#include "tensor.glsl"

const uint kLanes = 16;   // invocations per tile side
const uint kBlock = 4;    // outputs per invocation per side
const uint kTile = kLanes * kBlock;
const uint kDepth = 16;   // k per shared-memory stage

READONLY_TENSOR(0, a)
READONLY_TENSOR(1, b)
layout(set = 0, binding = 2) readonly buffer Bias { float bias[]; };
layout(set = 0, binding = 3) writeonly buffer C { float c[]; };

layout(push_constant) uniform Params {
  uint m, n, k;
  uint a_m, a_k;  // strides of A along m and k
  uint b_k, b_n;  // strides of B along k and n
  uint tiles_n;   // work groups along n
} p;

shared float sa[kDepth][kTile];
shared float sb[kDepth][kTile];

void dot_main() {
  uint e = linear_group();
  if (e >= p.m * p.n) return;
  uint gm = e / p.n, gn = e % p.n;
  float s = 0.0;
  for (uint k = gl_LocalInvocationID.x; k < p.k; k += kReduceLanes)
    s += load_a(gm * p.a_m + k * p.a_k) * load_b(k * p.b_k + gn * p.b_n);
  float total = group_sum(s);
  if (gl_LocalInvocationID.x == 0) c[e] = total + (kHasBias != 0 ? bias[gn] : 0.0);
}

void lane_main() {
  uint e = linear_invocation();
  if (e >= p.m * p.n) return;
  uint gm = e / p.n, gn = e % p.n;
  float s = 0.0;
  for (uint k = 0; k < p.k; ++k)
    s += load_a(gm * p.a_m + k * p.a_k) * load_b(k * p.b_k + gn * p.b_n);
  c[e] = s + (kHasBias != 0 ? bias[gn] : 0.0);
}

void block_main() {
  uint tile = linear_group();
  uint m0 = tile / p.tiles_n * kBlockM, tile_n = tile % p.tiles_n;
  if (m0 >= p.m) return;
  // Rows and columns past the end repeat the last one; their sums are dropped.
  uint a_row[kMaxBlock], b_col[kMaxBlock], col[kMaxBlock];
  for (uint i = 0; i < kBlockM; ++i) a_row[i] = min(m0 + i, p.m - 1) * p.a_m;
  for (uint j = 0; j < kBlockN; ++j) {
    col[j] = (tile_n * kBlockN + j) * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    b_col[j] = min(col[j], p.n - 1) * p.b_n;
  }

  float acc[kMaxBlock][kMaxBlock];
  for (uint i = 0; i < kBlockM; ++i)
    for (uint j = 0; j < kBlockN; ++j) acc[i][j] = 0.0;
  for (uint k = 0; k < p.k; ++k) {
    float bv[kMaxBlock];
    for (uint j = 0; j < kBlockN; ++j) bv[j] = load_b(k * p.b_k + b_col[j]);
    for (uint i = 0; i < kBlockM; ++i) {
      float av = load_a(a_row[i] + k * p.a_k);
      for (uint j = 0; j < kBlockN; ++j) acc[i][j] += av * bv[j];
    }
  }

  // A constant trip count, so that the loop unrolls and acc stays in registers.
  for (uint i = 0; i < kBlockM; ++i) {
    if (m0 + i >= p.m) break;
    for (uint j = 0; j < kBlockN; ++j)
      if (col[j] < p.n)
        c[(m0 + i) * p.n + col[j]] = acc[i][j] + (kHasBias != 0 ? bias[col[j]] : 0.0);
  }
}

void main() {
  if (kPath == 3) {
    block_main();
    return;
  }
  if (kPath == 1) {
    dot_main();
    return;
  }
  if (kPath == 2) {
    lane_main();
    return;
  }
  uint tile = linear_group();
  uint tile_m = tile / p.tiles_n, tile_n = tile % p.tiles_n;
  uint lane = gl_LocalInvocationID.x;
  uint lm = lane / kLanes, ln = lane % kLanes;
  uint m0 = tile_m * kTile, n0 = tile_n * kTile;
  if (m0 >= p.m) return;

  float acc[kBlock][kBlock];
  for (uint i = 0; i < kBlock; ++i)
    for (uint j = 0; j < kBlock; ++j) acc[i][j] = 0.0;

  for (uint k0 = 0; k0 < p.k; k0 += kDepth) {
    // 1. stage a kDepth x kTile slice of A and of B (zero outside)
    for (uint e = lane; e < kDepth * kTile; e += kLanes * kLanes) {
      uint kk = e / kTile, t = e % kTile;
      uint gk = k0 + kk, gm = m0 + t, gn = n0 + t;
      sa[kk][t] = (gk < p.k && gm < p.m) ? load_a(gm * p.a_m + gk * p.a_k) : 0.0;
      sb[kk][t] = (gk < p.k && gn < p.n) ? load_b(gk * p.b_k + gn * p.b_n) : 0.0;
    }
    barrier();
    // 2. accumulate this invocation's block
    for (uint kk = 0; kk < kDepth; ++kk) {
      float av[kBlock], bv[kBlock];
      for (uint i = 0; i < kBlock; ++i) av[i] = sa[kk][lm * kBlock + i];
      for (uint j = 0; j < kBlock; ++j) bv[j] = sb[kk][ln * kBlock + j];
      for (uint i = 0; i < kBlock; ++i)
        for (uint j = 0; j < kBlock; ++j) acc[i][j] += av[i] * bv[j];
    }
    barrier();
  }

  for (uint i = 0; i < kBlock; ++i) {
    uint gm = m0 + lm * kBlock + i;
    if (gm >= p.m) continue;
    for (uint j = 0; j < kBlock; ++j) {
      uint gn = n0 + ln * kBlock + j;
      if (gn < p.n) c[gm * p.n + gn] = acc[i][j] + (kHasBias != 0 ? bias[gn] : 0.0);
    }
  }
}
