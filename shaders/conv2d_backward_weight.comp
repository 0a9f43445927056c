// grad_w[m, (c, i, j)] = sum over (n, h', w') of y[n, m, h', w'] *
// x[n, c, h' s - p + i d, w' s - p + j d], per group, with the geometry of
// common/conv.glsl: M is y channels, N weight columns (x channels, taps), K
// pixels of y in all images. For conv2d the y-shaped operand is grad_y and
// the x-shaped one x; conv_transpose2d_backward_weight runs it with
// kTransposed, its x being y-shaped and its grad_y x-shaped.
#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0) in;
#include "index.glsl"
#include "conv.glsl"

layout(constant_id = 6) const uint kTransposed = 0;

layout(set = 0, binding = 0) readonly buffer GradY { float grad_y[]; };
layout(set = 0, binding = 1) readonly buffer X { float x[]; };
layout(set = 0, binding = 2) writeonly buffer GradW { float grad_w[]; };

float y_shaped(uint i) { return kTransposed != 0 ? x[i] : grad_y[i]; }
float x_shaped(uint i) { return kTransposed != 0 ? grad_y[i] : x[i]; }

// A tile's columns (x channel, tap): x offset, row and column of the tap
// from a pixel's top-left corner.
shared int col_x[kMaxTileN], col_h[kMaxTileN], col_w[kMaxTileN];
// A stage's rows (image, pixel of y): the y offset at channel 0, and the x
// offset, row and column of the pixel's top-left corner at channel 0.
shared uint row_y[kDepth];
shared int row_x[kDepth], row_h[kDepth], row_w[kDepth];

// The work group's group, its tile's first y channel, M, N and K.
uint g_group, g_m0, g_m, g_cols, g_depth;

void describe_columns(uint tile_n) {
  uint taps = p.kernel_h * p.kernel_w, plane = p.x_h * p.x_w;
  for (uint t = gl_LocalInvocationID.x; t < kTileN; t += kLanes) {
    uint c = tile_n * kTileN + t;
    col_x[t] = 0, col_h[t] = kNowhere, col_w[t] = 0;
    if (c >= g_cols) continue;
    uint i = c % taps / p.kernel_w * p.dil_h, j = c % p.kernel_w * p.dil_w;
    uint channel = g_group * (p.x_c / p.groups) + c / taps;
    col_x[t] = int(channel * plane + i * p.x_w + j);
    col_h[t] = int(i), col_w[t] = int(j);
  }
}

void describe_row(uint kk, uint k) {
  row_y[kk] = 0, row_x[kk] = 0, row_h[kk] = kNowhere, row_w[kk] = 0;
  if (k >= g_depth) return;
  uint pixels = p.y_h * p.y_w, n = k / pixels, pixel = k % pixels;
  int h = int(pixel / p.y_w * p.stride_h) - int(p.pad_h);
  int w = int(pixel % p.y_w * p.stride_w) - int(p.pad_w);
  row_y[kk] = n * p.y_c * pixels + pixel;
  row_x[kk] = int(n * p.x_c * p.x_h * p.x_w) + h * int(p.x_w) + w;
  row_h[kk] = h, row_w[kk] = w;
}

// Out-of-range taps read element 0 and use zero: no load leaves the buffer.
void stage(uint k0) {
  uint pixels = p.y_h * p.y_w;
  for (uint e = gl_LocalInvocationID.x; e < kDepth * kTileM; e += kLanes) {
    uint kk = e / kTileM, m = g_m0 + e % kTileM;
    bool inside = m < g_m && k0 + kk < g_depth;
    float v = y_shaped(inside ? row_y[kk] + (g_group * g_m + m) * pixels : 0);
    sa[kk][e % kTileM] = inside ? v : 0.0;
  }
  for (uint e = gl_LocalInvocationID.x; e < kDepth * kTileN; e += kLanes) {
    uint kk = e / kTileN, t = e % kTileN;
    int h = row_h[kk] + col_h[t], w = row_w[kk] + col_w[t];
    bool inside = uint(h) < p.x_h && uint(w) < p.x_w;
    float v = x_shaped(inside ? uint(row_x[kk] + col_x[t]) : 0);
    sb[kk][t] = inside ? v : 0.0;
  }
}

void main() {
  uint idx = linear_group();
  uint tile_n = idx % p.tiles_n, tile_m = idx / p.tiles_n % p.tiles_m;
  g_group = idx / p.tiles_n / p.tiles_m;
  if (g_group >= p.groups) return;
  g_m0 = tile_m * kTileM;
  g_m = p.y_c / p.groups;
  g_cols = p.x_c / p.groups * p.kernel_h * p.kernel_w;
  g_depth = p.batch * p.y_h * p.y_w;
  describe_columns(tile_n);

  float acc[4][kBlockN];
  for (uint i = 0; i < 4; ++i)
    for (uint j = 0; j < kBlockN; ++j) acc[i][j] = 0.0;
  gemm(g_depth, acc);

  uint lm = gl_LocalInvocationID.x / kLanesN, ln = gl_LocalInvocationID.x % kLanesN;
  for (uint i = 0; i < kBlockM; ++i) {
    uint m = g_m0 + i * kLanesM + lm;
    if (m >= g_m) continue;
    for (uint j = 0; j < kBlockN; ++j) {
      uint c = tile_n * kTileN + j * kLanesN + ln;
      if (c < g_cols) grad_w[(g_group * g_m + m) * g_cols + c] = acc[i][j];
    }
  }
}
