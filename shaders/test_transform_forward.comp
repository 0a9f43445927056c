// y[i] = a * x[i] + b * i: a transform used by the runtime's own tests
// (round trips, folded grids, odd binding offsets, push constants).
#version 450
#extension GL_GOOGLE_include_directive : require

layout(local_size_x_id = 0) in;
#include "index.glsl"
layout(set = 0, binding = 0) readonly buffer X { float x[]; };
layout(set = 0, binding = 1) writeonly buffer Y { float y[]; };
layout(push_constant) uniform Params {
  uint n;
  float a;
  float b;
} p;

void main() {
  uint i = linear_invocation();
  if (i >= p.n) return;
  y[i] = p.a * x[i] + p.b * float(i);
}
