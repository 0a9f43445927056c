// grad_x of upsampling, one invocation per grad_x element (a gather, no
// atomics). kBilinear 0: the sum of the element's scale_h x scale_w block of
// grad_y. 1: over the outputs that can read the element, weight * grad_y
// where that output's taps include it, in output order.
#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0) in;
layout(constant_id = 3) const uint kBilinear = 0;
#include "index.glsl"
#include "tensor.glsl"
#include "upsample.glsl"

READONLY_TENSOR(0, grad_y)
layout(set = 0, binding = 1) writeonly buffer GradX { float grad_x[]; };

float nearest_block(uint out_base, uint ih, uint iw) {
  float s = 0.0;
  for (uint a = 0; a < p.scale_h; ++a) {
    uint row = out_base + (ih * p.scale_h + a) * p.out_w + iw * p.scale_w;
    for (uint b = 0; b < p.scale_w; ++b) s += load_grad_y(row + b);
  }
  return s;
}

float bilinear_gather(uint out_base, int ih, int iw) {
  ivec2 rows = outputs_reading(ih, p.in_h, p.out_h, p.scale_h);
  ivec2 cols = outputs_reading(iw, p.in_w, p.out_w, p.scale_w);
  float s = 0.0;
  for (int oh = rows.x; oh <= rows.y; ++oh) {
    float wh = tap_weight(source_taps(uint(oh), p.in_h, p.out_h, p.scale_h), ih);
    if (wh == 0.0) continue;
    uint row = out_base + uint(oh) * p.out_w;
    for (int ow = cols.x; ow <= cols.y; ++ow) {
      float ww = tap_weight(source_taps(uint(ow), p.in_w, p.out_w, p.scale_w), iw);
      if (ww != 0.0) s += wh * ww * load_grad_y(row + uint(ow));
    }
  }
  return s;
}

void main() {
  uint i = linear_invocation();
  uint area = p.in_h * p.in_w;
  if (i >= p.planes * area) return;
  uvec3 at = split_grid(i, p.in_w, area, p.by_w, p.by_area);
  uint plane = at.x, ih = at.y, iw = at.z;
  uint out_base = plane * p.out_h * p.out_w;
  grad_x[i] = kBilinear == 0 ? nearest_block(out_base, ih, iw)
                             : bilinear_gather(out_base, int(ih), int(iw));
}
