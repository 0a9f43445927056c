// Upsampling by integer scales, one invocation per output element. kBilinear
// picks the path: 0 nearest (source floor(dst / scale)), 1 bilinear (taps
// from common/upsample.glsl, align_corners in the push constants).
#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0) in;
layout(constant_id = 3) const uint kBilinear = 0;
#include "index.glsl"
#include "tensor.glsl"
#include "upsample.glsl"

READONLY_TENSOR(0, x)
layout(set = 0, binding = 1) writeonly buffer Y { float y[]; };

void main() {
  uint o = linear_invocation();
  uint area = p.out_h * p.out_w;
  if (o >= p.planes * area) return;
  uvec3 at = split_grid(o, p.out_w, area, p.by_w, p.by_area);
  uint plane = at.x, oh = at.y, ow = at.z;
  uint base = plane * p.in_h * p.in_w;
  if (kBilinear == 0) {
    y[o] = load_x(base + divide(oh, p.by_scale_h) * p.in_w + divide(ow, p.by_scale_w));
    return;
  }
  Taps th = source_taps(oh, p.in_h, p.out_h, p.scale_h);
  Taps tw = source_taps(ow, p.in_w, p.out_w, p.scale_w);
  uint r0 = base + uint(th.i0) * p.in_w, r1 = base + uint(th.i1) * p.in_w;
  float top = (1.0 - tw.t) * load_x(r0 + uint(tw.i0)) + tw.t * load_x(r0 + uint(tw.i1));
  float bottom = (1.0 - tw.t) * load_x(r1 + uint(tw.i0)) + tw.t * load_x(r1 + uint(tw.i1));
  y[o] = (1.0 - th.t) * top + th.t * bottom;
}
