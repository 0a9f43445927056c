// y = x + other, same shapes.
#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0) in;
#include "index.glsl"
#include "elementwise.glsl"

layout(set = 0, binding = 0) readonly buffer X { float x[]; };
layout(set = 0, binding = 1) readonly buffer Other { float other[]; };
layout(set = 0, binding = 2) writeonly buffer Y { float y[]; };

void main() {
  uint i = linear_invocation();
  if (i < p.n) y[i] = x[i] + other[i];
}
