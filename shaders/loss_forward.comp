// y[0] = p.a * sum of loss terms (p.a = 1/n for the mean), one work group,
// fixed order.
#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0) in;
layout(constant_id = 3) const uint kKind = 0;
const uint kReduceLanes = 256;
#include "elementwise.glsl"
#include "reduce.glsl"
#include "loss.glsl"

layout(set = 0, binding = 0) readonly buffer X { float x[]; };
layout(set = 0, binding = 1) readonly buffer Target { float target[]; };
layout(set = 0, binding = 2) writeonly buffer Y { float y[]; };

void main() {
  float s = 0.0;
  for (uint i = gl_LocalInvocationID.x; i < p.n; i += kReduceLanes) s += loss_term(x[i], target[i]);
  float total = group_sum(s);
  if (gl_LocalInvocationID.x == 0) y[0] = p.a * total;
}
