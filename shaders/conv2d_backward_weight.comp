// grad_w[m, (c, i, j)] = sum over (n, h', w') of y[n, m, h', w'] *
// x[n, c, h' s - p + i d, w' s - p + j d], per group, with the geometry of
// common/conv.glsl: M is y channels, t weight columns (x channel, tap) and k
// the pixels of y in all images. For conv2d the y-shaped operand is grad_y
// and the x-shaped one x; conv_transpose2d_backward_weight runs it with
// kTransposed, its x being y-shaped and its grad_y x-shaped.
//
// With kSplitRows the invocations share out the rows of y (of all images)
// instead of the columns, each summing kBlockM x kBlockN outputs over its
// rows, and the partial sums are added in invocation order at the end: a
// weight with few columns (one input channel) still fills the work group.
#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0) in;
#include "index.glsl"
#include "conv.glsl"
#include "tensor.glsl"

layout(constant_id = 5) const uint kTransposed = 0;
layout(constant_id = 6) const uint kSplitRows = 0;

READONLY_TENSOR(0, grad_y)
READONLY_TENSOR(1, x)
layout(set = 0, binding = 2) writeonly buffer GradW { float grad_w[]; };

shared float sums[kMaxBlock * kMaxBlock];  // kSplitRows only

// The tile's columns: a block of kBlockN, or kBlockN per invocation.
uint tile_column(uint tile_n, uint j) {
  return kSplitRows != 0 ? tile_n * kBlockN + j : column(tile_n, j);
}

float y_shaped(uint i) { return kTransposed != 0 ? load_x(i) : load_grad_y(i); }
float x_shaped(uint i) { return kTransposed != 0 ? load_grad_y(i) : load_x(i); }

void main() {
  uint idx = linear_group();
  uint tile_n = idx % p.tiles_n, m0 = idx / p.tiles_n % p.tiles_m * kBlockM;
  uint group = idx / p.tiles_n / p.tiles_m;
  if (group >= p.groups) return;
  uint m = p.y_c / p.groups, cg = p.x_c / p.groups, taps = p.kernel_h * p.kernel_w;
  uint cols = cg * taps, x_plane = p.x_h * p.x_w, y_plane = p.y_h * p.y_w;

  // A column's tap from a pixel's top-left corner: x offset, row, column.
  int col_at[kMaxBlock], col_h[kMaxBlock], col_w[kMaxBlock];
  for (uint j = 0; j < kBlockN; ++j) {
    uint t = tile_column(tile_n, j);
    uint i = t % taps / p.kernel_w * p.dil_h, k = t % p.kernel_w * p.dil_w;
    col_at[j] = int(t / taps * x_plane + i * p.x_w + k);
    col_h[j] = t < cols ? int(i) : kNowhere, col_w[j] = int(k);
  }
  // Rows past the last channel repeat it; their sums are dropped.
  uint y_row[kMaxBlock];
  for (uint i = 0; i < kBlockM; ++i) y_row[i] = (group * m + min(m0 + i, m - 1)) * y_plane;

  float acc[kMaxBlock][kMaxBlock];
  for (uint i = 0; i < kBlockM; ++i)
    for (uint j = 0; j < kBlockN; ++j) acc[i][j] = 0.0;

  uint lane = gl_LocalInvocationID.x, lanes = gl_WorkGroupSize.x;
  uint first = kSplitRows != 0 ? lane : 0, step = kSplitRows != 0 ? lanes : 1;
  for (uint r = first; r < p.batch * p.y_h; r += step) {
    uint n = r / p.y_h, oh = r % p.y_h;
    int h = int(oh * p.stride_h) - int(p.pad_h);
    int row = int((n * p.x_c + group * cg) * x_plane) + h * int(p.x_w);
    uint pixel = n * p.y_c * y_plane + oh * p.y_w;
    bool row_in[kMaxBlock];
    for (uint j = 0; j < kBlockN; ++j) row_in[j] = uint(h + col_h[j]) < p.x_h;
    for (uint ow = 0; ow < p.y_w; ++ow, ++pixel) {
      int w = int(ow * p.stride_w) - int(p.pad_w);
      // Out-of-range taps read element 0 and use zero: no load leaves the buffer.
      float v[kMaxBlock];
      for (uint j = 0; j < kBlockN; ++j) {
        bool inside = row_in[j] && uint(w + col_w[j]) < p.x_w;
        float s = x_shaped(inside ? uint(row + w + col_at[j]) : 0);
        v[j] = inside ? s : 0.0;
      }
      for (uint i = 0; i < kBlockM; ++i) {
        float a = y_shaped(y_row[i] + pixel);
        for (uint j = 0; j < kBlockN; ++j) acc[i][j] += a * v[j];
      }
    }
  }

  if (kSplitRows != 0) {
    // Invocation 0's sums, plus invocation 1's, plus ..., in that order.
    for (uint l = 0; l < lanes; ++l) {
      if (lane == l)
        for (uint i = 0; i < kBlockM; ++i)
          for (uint j = 0; j < kBlockN; ++j)
            sums[i * kBlockN + j] = (l == 0 ? 0.0 : sums[i * kBlockN + j]) + acc[i][j];
      barrier();
    }
    for (uint e = lane; e < kBlockM * kBlockN; e += lanes) {
      uint i = e / kBlockN, t = tile_column(tile_n, e % kBlockN);
      if (m0 + i < m && t < cols) grad_w[(group * m + m0 + i) * cols + t] = sums[e];
    }
    return;
  }

  for (uint i = 0; i < kBlockM; ++i) {
    if (m0 + i >= m) break;
    for (uint j = 0; j < kBlockN; ++j) {
      uint t = column(tile_n, j);
      if (t < cols) grad_w[(group * m + m0 + i) * cols + t] = acc[i][j];
    }
  }
}
