// The gather behind conv2d_forward and conv_transpose2d_forward: each output
// element is one invocation's sum over the inputs and weights that reach it;
// nothing is scattered. The including shader sets `const bool kTransposed`:
//   false: dst = y gathered from src = x, the direct convolution;
//   true:  dst = x gathered from src = y. A work group then takes the dst
//          pixels of one phase ((h + pad_h) % stride_h and (w + pad_w) %
//          stride_w fixed), which only every tap_step-th tap reaches, so no
//          time goes to taps that land between source pixels.
// In common/conv.glsl's terms M is dst channels per group, t the dst pixels
// of a phase (all images) and k runs over src channels and taps.
#ifndef VKGAN_CONV_GATHER_GLSL
#define VKGAN_CONV_GATHER_GLSL

#include "index.glsl"
#include "conv.glsl"
#include "tensor.glsl"

layout(constant_id = 5) const uint kHasBias = 0;

READONLY_TENSOR(0, src)
READONLY_TENSOR(1, w)
layout(set = 0, binding = 2) readonly buffer Bias { float b[]; };
layout(set = 0, binding = 3) writeonly buffer Dst { float dst[]; };

// The work group's geometry, the same in every invocation.
struct Geometry {
  uint group, tile_n, m0;  // group, tile along t, first dst channel of the tile
  uint m, src_cg;          // dst channels and src channels per group
  uint src_c, src_h, src_w, dst_c, dst_h, dst_w;
  uint first_h, first_w;   // first dst pixel of the phase
  uint count_h, count_w;   // dst pixels of the phase per axis
  uint tap0_h, tap0_w;     // first tap walked
  uint taps_h, taps_w;     // taps walked
  uint w_m, w_c;           // weight strides along dst and src channel
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
  geo.tile_n = idx % p.tiles_n;
  idx /= p.tiles_n;
  geo.m0 = idx % p.tiles_m * kBlockM;
  idx /= p.tiles_m;
  uint phases = kTransposed ? p.stride_h * p.stride_w : 1;
  geo.group = idx / phases;
  if (geo.group >= p.groups) return false;
  uint phase = idx % phases;

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
  geo.src_cg = geo.src_c / p.groups;
  uint taps = p.kernel_h * p.kernel_w;
  geo.w_m = kTransposed ? taps : geo.src_cg * taps;
  geo.w_c = kTransposed ? geo.m * taps : taps;
  return true;
}

// Source row or column of a dst pixel's first tap.
int first_source(uint dst, uint stride, uint pad, uint dil, uint tap0) {
  if (!kTransposed) return int(dst * stride) - int(pad);
  // (dst + pad - tap0 dil) / stride, exact; shifted to stay unsigned.
  return int((dst + pad + tap0 * dil * (stride - 1)) / stride) - int(tap0 * dil);
}

// A column's first tap in src (group's channel 0: offset, row, column) and
// its dst offset at channel 0, ~0u when the column is past the end.
void describe_column(uint t, out int at, out int h, out int w, out uint to) {
  at = 0, h = kNowhere, w = 0, to = ~0u;
  uint per_image = geo.count_h * geo.count_w;
  uint n = per_image == 0 ? p.batch : t / per_image;
  if (n >= p.batch) return;
  uint r = t % per_image;
  uint dh = geo.first_h + r / geo.count_w * (kTransposed ? p.stride_h : 1);
  uint dw = geo.first_w + r % geo.count_w * (kTransposed ? p.stride_w : 1);
  h = first_source(dh, p.stride_h, p.pad_h, p.dil_h, geo.tap0_h);
  w = first_source(dw, p.stride_w, p.pad_w, p.dil_w, geo.tap0_w);
  uint base = (n * geo.src_c + geo.group * geo.src_cg) * geo.src_h * geo.src_w;
  at = int(base) + h * int(geo.src_w) + w;
  to = (n * geo.dst_c + geo.group * geo.m) * geo.dst_h * geo.dst_w + dh * geo.dst_w + dw;
}

void main() {
  if (!set_geometry()) return;
  int col_at[kMaxBlock], col_h[kMaxBlock], col_w[kMaxBlock];
  uint col_to[kMaxBlock];
  for (uint j = 0; j < kBlockN; ++j)
    describe_column(column(geo.tile_n, j), col_at[j], col_h[j], col_w[j], col_to[j]);
  // Rows past the last channel repeat it; their sums are dropped.
  uint w_row[kMaxBlock];
  uint w_group = geo.group * geo.m * geo.src_cg * p.kernel_h * p.kernel_w;
  for (uint i = 0; i < kBlockM; ++i) w_row[i] = w_group + min(geo.m0 + i, geo.m - 1) * geo.w_m;

  float acc[kMaxBlock][kMaxBlock];
  for (uint i = 0; i < kBlockM; ++i)
    for (uint j = 0; j < kBlockN; ++j) acc[i][j] = 0.0;

  uint plane = geo.src_h * geo.src_w;
  for (uint c = 0; c < geo.src_cg; ++c)
    for (uint jh = 0; jh < geo.taps_h; ++jh) {
      uint kh = geo.tap0_h + jh * (kTransposed ? p.tap_step_h : 1);
      // A later tap reads a later source row directly, an earlier one transposed.
      int dh = kTransposed ? -int(jh * p.src_step_h) : int(kh * p.dil_h);
      bool row_in[kMaxBlock];
      for (uint j = 0; j < kBlockN; ++j) row_in[j] = uint(col_h[j] + dh) < geo.src_h;
      for (uint jw = 0; jw < geo.taps_w; ++jw) {
        uint kw = geo.tap0_w + jw * (kTransposed ? p.tap_step_w : 1);
        int dw = kTransposed ? -int(jw * p.src_step_w) : int(kw * p.dil_w);
        int off = int(c * plane) + dh * int(geo.src_w) + dw;
        // Out-of-range taps read element 0 and use zero: no load leaves the buffer.
        float v[kMaxBlock];
        for (uint j = 0; j < kBlockN; ++j) {
          bool inside = row_in[j] && uint(col_w[j] + dw) < geo.src_w;
          float s = load_src(inside ? uint(col_at[j] + off) : 0);
          v[j] = inside ? s : 0.0;
        }
        uint tap = c * geo.w_c + kh * p.kernel_w + kw;
        for (uint i = 0; i < kBlockM; ++i) {
          float wt = load_w(w_row[i] + tap);
          for (uint j = 0; j < kBlockN; ++j) acc[i][j] += wt * v[j];
        }
      }
    }

  uint dst_plane = geo.dst_h * geo.dst_w;
  for (uint i = 0; i < kBlockM; ++i) {
    uint m = geo.m0 + i;
    if (m >= geo.m) break;
    float bias = kHasBias != 0 ? b[geo.group * geo.m + m] : 0.0;
    for (uint j = 0; j < kBlockN; ++j)
      if (col_to[j] != ~0u) dst[col_to[j] + m * dst_plane] = acc[i][j] + bias;
  }
}

#endif
