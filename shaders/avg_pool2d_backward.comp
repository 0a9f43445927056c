// grad_x = the sum of grad_y / divisor over the windows holding this element.
// A gather, one invocation per grad_x element, windows in output order.
#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0) in;
#include "index.glsl"
#include "tensor.glsl"
#include "pool.glsl"

READONLY_TENSOR(0, grad_y)
layout(set = 0, binding = 1) writeonly buffer GradX { float grad_x[]; };

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
  uint out_base = plane * p.out_h * p.out_w;
  float s = 0.0;
  for (int oh = rows.x; oh <= rows.y; ++oh)
    for (int ow = cols.x; ow <= cols.y; ++ow) {
      float g = load_grad_y(out_base + uint(oh) * p.out_w + uint(ow));
      s += g / pool_divisor(pool_window(uint(oh), uint(ow)));
    }
  grad_x[i] = s;
}
