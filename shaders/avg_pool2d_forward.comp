// y = the sum of each pooling window's real positions over PyTorch's divisor
// (common/pool.glsl). One invocation per output element.
#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0) in;
#include "index.glsl"
#include "tensor.glsl"
#include "pool.glsl"

READONLY_TENSOR(0, x)
layout(set = 0, binding = 1) writeonly buffer Y { float y[]; };

void main() {
  uint o = linear_invocation();
  uint area = p.out_h * p.out_w;
  if (o >= p.planes * area) return;
  uvec3 at = split_grid(o, p.out_w, area, p.by_w, p.by_area);
  uint plane = at.x, oh = at.y, ow = at.z;
  uint base = plane * p.in_h * p.in_w;
  Window win = pool_window(oh, ow);
  float s = 0.0;
  for (int i = win.h0; i < win.h1; ++i)
    for (int j = win.w0; j < win.w1; ++j) s += load_x(base + uint(i) * p.in_w + uint(j));
  y[o] = s / pool_divisor(win);
}
