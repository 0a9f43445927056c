// grad_x = the sum of grad_y over the windows whose first maximum is this
// element. A gather: each invocation owns one grad_x element and recomputes
// the argmax of every window holding it, so overlapping windows need no
// atomics, and it adds them in output order, as the reference does.
#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0) in;
#include "index.glsl"
#include "tensor.glsl"

READONLY_TENSOR(0, x)
READONLY_TENSOR(1, grad_y)
layout(set = 0, binding = 2) writeonly buffer GradX { float grad_x[]; };

#define VKGAN_POOL_ARGMAX
#include "pool.glsl"

void main() {
  uint i = linear_invocation();
  uint area = p.in_h * p.in_w;
  if (i >= p.planes * area) return;
  uvec3 g = split_grid(i, p.in_w, area, p.by_w, p.by_area);
  uint plane = g.x, at = i - plane * area;
  ivec2 rows = windows_holding(int(g.y), p.kernel_h, p.stride_h, p.by_stride_h, p.pad_h,
                               p.out_h);
  ivec2 cols = windows_holding(int(g.z), p.kernel_w, p.stride_w, p.by_stride_w, p.pad_w,
                               p.out_w);
  uint base = plane * area, out_base = plane * p.out_h * p.out_w;
  float s = 0.0;
  for (int oh = rows.x; oh <= rows.y; ++oh)
    for (int ow = cols.x; ow <= cols.y; ++ow)
      if (window_argmax(base, pool_window(uint(oh), uint(ow))) == at)
        s += load_grad_y(out_base + uint(oh) * p.out_w + uint(ow));
  grad_x[i] = s;
}
