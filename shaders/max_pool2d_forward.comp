// y = the first maximum of each pooling window of x (geometry in
// common/pool.glsl). One invocation per output element.
#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0) in;
#include "index.glsl"
#include "tensor.glsl"

READONLY_TENSOR(0, x)
layout(set = 0, binding = 1) writeonly buffer Y { float y[]; };

#define VKGAN_POOL_ARGMAX
#include "pool.glsl"

void main() {
  uint o = linear_invocation();
  uint area = p.out_h * p.out_w;
  if (o >= p.planes * area) return;
  uvec3 at = split_grid(o, p.out_w, area, p.by_w, p.by_area);
  uint plane = at.x, oh = at.y, ow = at.z;
  uint base = plane * p.in_h * p.in_w;
  y[o] = load_x(base + window_argmax(base, pool_window(oh, ow)));
}
