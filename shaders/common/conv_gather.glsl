// The gather behind conv2d_forward and conv_transpose2d_forward: each output
// element is one invocation's sum over the inputs and weights that reach it;
// nothing is scattered. The including shader sets `const bool kTransposed`:
//   false: dst = y gathered from src = x, the direct convolution;
//   true:  dst = x gathered from src = y. A work group then takes the dst
//          pixels of one phase ((h + pad_h) % stride_h and (w + pad_w) %
//          stride_w fixed), which only every tap_step-th tap reaches, so no
//          time goes to taps that land between source pixels.
// Per group, M is dst channels, N dst pixels of the phase (all images), K
// src channels times the taps walked.
#ifndef VKGAN_CONV_GATHER_GLSL
#define VKGAN_CONV_GATHER_GLSL

#include "index.glsl"
#include "conv.glsl"

layout(constant_id = 6) const uint kHasBias = 0;

layout(set = 0, binding = 0) readonly buffer Src { float src[]; };
layout(set = 0, binding = 1) readonly buffer W { float w[]; };
layout(set = 0, binding = 2) readonly buffer Bias { float b[]; };
layout(set = 0, binding = 3) writeonly buffer Dst { float dst[]; };

// A tile's columns: the src offset, row and column of each dst pixel's first
// tap (group's channel 0), and its dst offset at channel 0 (~0u: none).
shared int col_src[kMaxTileN], col_h[kMaxTileN], col_w[kMaxTileN];
shared uint col_dst[kMaxTileN];
// A stage's rows (src channel, tap): offsets from a column's first tap, and
// the row's weight offset.
shared int row_src[kDepth], row_h[kDepth], row_w[kDepth];
shared uint row_wt[kDepth];

// The work group's geometry, the same in every invocation.
struct Geometry {
  uint group, m0;          // group, and the tile's first dst channel in it
  uint m, depth;           // M and K
  uint src_c, src_h, src_w, dst_c, dst_h, dst_w;
  uint first_h, first_w;   // first dst pixel of the phase
  uint count_h, count_w;   // dst pixels of the phase per axis
  uint tap0_h, tap0_w;     // first tap walked
  uint taps_h, taps_w;     // taps walked
  uint w_base, w_m, w_i;   // weight offset of the group; strides along m and src channel
};
Geometry geo;

// The first tap in [0, kernel) with tap * dil = phase (mod stride), or
// `kernel` when none reaches the phase.
uint first_tap(uint phase, uint kernel, uint stride, uint dil, uint step) {
  for (uint t = 0; t < min(kernel, step); ++t)
    if (t * dil % stride == phase) return t;
  return kernel;
}

void phase_axis(uint phase, uint size, uint kernel, uint stride, uint pad, uint dil, uint step,
                out uint first, out uint count, out uint tap0, out uint taps) {
  first = (phase + stride - pad % stride) % stride;
  count = first < size ? (size - first + stride - 1) / stride : 0;
  tap0 = first_tap(phase, kernel, stride, dil, step);
  taps = tap0 < kernel ? (kernel - 1 - tap0) / step + 1 : 0;
}

// False past the last tile.
bool set_geometry() {
  uint idx = linear_group();
  uint tile_n = idx % p.tiles_n;
  idx /= p.tiles_n;
  uint tile_m = idx % p.tiles_m;
  idx /= p.tiles_m;
  uint phases = kTransposed ? p.stride_h * p.stride_w : 1;
  geo.group = idx / phases;
  if (geo.group >= p.groups) return false;
  uint phase = idx % phases;
  geo.m0 = tile_m * kTileM;

  uint src_cg;
  if (kTransposed) {
    geo.src_c = p.y_c, geo.src_h = p.y_h, geo.src_w = p.y_w;
    geo.dst_c = p.x_c, geo.dst_h = p.x_h, geo.dst_w = p.x_w;
    phase_axis(phase / p.stride_w, p.x_h, p.kernel_h, p.stride_h, p.pad_h, p.dil_h,
               p.tap_step_h, geo.first_h, geo.count_h, geo.tap0_h, geo.taps_h);
    phase_axis(phase % p.stride_w, p.x_w, p.kernel_w, p.stride_w, p.pad_w, p.dil_w,
               p.tap_step_w, geo.first_w, geo.count_w, geo.tap0_w, geo.taps_w);
  } else {
    geo.src_c = p.x_c, geo.src_h = p.x_h, geo.src_w = p.x_w;
    geo.dst_c = p.y_c, geo.dst_h = p.y_h, geo.dst_w = p.y_w;
    geo.first_h = 0, geo.first_w = 0, geo.count_h = p.y_h, geo.count_w = p.y_w;
    geo.tap0_h = 0, geo.tap0_w = 0, geo.taps_h = p.kernel_h, geo.taps_w = p.kernel_w;
  }
  geo.m = geo.dst_c / p.groups;
  src_cg = geo.src_c / p.groups;
  geo.depth = src_cg * geo.taps_h * geo.taps_w;
  uint taps = p.kernel_h * p.kernel_w;
  geo.w_base = geo.group * geo.m * src_cg * taps;
  geo.w_m = kTransposed ? taps : src_cg * taps;
  geo.w_i = kTransposed ? geo.m * taps : taps;
  return true;
}

// Source row or column of a dst pixel's first tap.
int first_source(uint dst, uint stride, uint pad, uint dil, uint tap0) {
  if (!kTransposed) return int(dst * stride) - int(pad);
  // (dst + pad - tap0 dil) / stride, exact; shifted to stay unsigned.
  return int((dst + pad + tap0 * dil * (stride - 1)) / stride) - int(tap0 * dil);
}

void describe_columns(uint tile_n) {
  uint per_image = geo.count_h * geo.count_w;
  for (uint t = gl_LocalInvocationID.x; t < kTileN; t += kLanes) {
    uint c = tile_n * kTileN + t;
    uint n = per_image == 0 ? p.batch : c / per_image;
    col_src[t] = 0, col_h[t] = kNowhere, col_w[t] = 0, col_dst[t] = ~0u;
    if (n >= p.batch) continue;
    uint r = c % per_image;
    uint dh = geo.first_h + r / geo.count_w * (kTransposed ? p.stride_h : 1);
    uint dw = geo.first_w + r % geo.count_w * (kTransposed ? p.stride_w : 1);
    int sh = first_source(dh, p.stride_h, p.pad_h, p.dil_h, geo.tap0_h);
    int sw = first_source(dw, p.stride_w, p.pad_w, p.dil_w, geo.tap0_w);
    uint src_base = (n * geo.src_c + geo.group * (geo.src_c / p.groups)) * geo.src_h * geo.src_w;
    col_src[t] = int(src_base) + sh * int(geo.src_w) + sw;
    col_h[t] = sh, col_w[t] = sw;
    col_dst[t] = (n * geo.dst_c + geo.group * geo.m) * geo.dst_h * geo.dst_w + dh * geo.dst_w + dw;
  }
}

void describe_row(uint kk, uint k) {
  row_src[kk] = 0, row_h[kk] = kNowhere, row_w[kk] = 0, row_wt[kk] = 0;
  if (k >= geo.depth) return;
  uint taps = geo.taps_h * geo.taps_w;
  uint c = k / taps, jh = k % taps / geo.taps_w, jw = k % geo.taps_w;
  uint kh = geo.tap0_h + jh * (kTransposed ? p.tap_step_h : 1);
  uint kw = geo.tap0_w + jw * (kTransposed ? p.tap_step_w : 1);
  // A later tap reads a later source pixel directly, an earlier one transposed.
  int dh = kTransposed ? -int(jh * p.src_step_h) : int(kh * p.dil_h);
  int dw = kTransposed ? -int(jw * p.src_step_w) : int(kw * p.dil_w);
  row_src[kk] = int(c * geo.src_h * geo.src_w) + dh * int(geo.src_w) + dw;
  row_h[kk] = dh, row_w[kk] = dw;
  row_wt[kk] = c * geo.w_i + kh * p.kernel_w + kw;
}

// Out-of-range taps read element 0 and use zero: no load leaves the buffer.
void stage(uint k0) {
  for (uint e = gl_LocalInvocationID.x; e < kDepth * kTileM; e += kLanes) {
    uint kk = e / kTileM, m = geo.m0 + e % kTileM;
    bool inside = m < geo.m && k0 + kk < geo.depth;
    float v = w[inside ? geo.w_base + m * geo.w_m + row_wt[kk] : 0];
    sa[kk][e % kTileM] = inside ? v : 0.0;
  }
  for (uint e = gl_LocalInvocationID.x; e < kDepth * kTileN; e += kLanes) {
    uint kk = e / kTileN, t = e % kTileN;
    int h = col_h[t] + row_h[kk], ww = col_w[t] + row_w[kk];
    bool inside = uint(h) < geo.src_h && uint(ww) < geo.src_w;
    float v = src[inside ? uint(col_src[t] + row_src[kk]) : 0];
    sb[kk][t] = inside ? v : 0.0;
  }
}

void main() {
  if (!set_geometry()) return;
  describe_columns(linear_group() % p.tiles_n);

  float acc[4][kBlockN];
  for (uint i = 0; i < 4; ++i)
    for (uint j = 0; j < kBlockN; ++j) acc[i][j] = 0.0;
  gemm(geo.depth, acc);

  uint lm = gl_LocalInvocationID.x / kLanesN, ln = gl_LocalInvocationID.x % kLanesN;
  uint plane = geo.dst_h * geo.dst_w;
  for (uint i = 0; i < kBlockM; ++i) {
    uint m = geo.m0 + i * kLanesM + lm;
    if (m >= geo.m) continue;
    float bias = kHasBias != 0 ? b[geo.group * geo.m + m] : 0.0;
    for (uint j = 0; j < kBlockN; ++j) {
      uint at = col_dst[j * kLanesN + ln];
      if (at != ~0u) dst[at + m * plane] = acc[i][j] + bias;
    }
  }
}

#endif
