// y[0] = p.a * sum(x): a whole-tensor sum (mean with p.a = 1/n), in one
// work group so the order is fixed.
#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0) in;
const uint kReduceLanes = 256;
#include "elementwise.glsl"
#include "reduce.glsl"

layout(set = 0, binding = 0) readonly buffer X { float x[]; };
layout(set = 0, binding = 1) writeonly buffer Y { float y[]; };

void main() {
  float s = 0.0;
  for (uint i = gl_LocalInvocationID.x; i < p.n; i += kReduceLanes) s += x[i];
  float total = group_sum(s);
  if (gl_LocalInvocationID.x == 0) y[0] = p.a * total;
}
