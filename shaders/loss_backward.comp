// grad_x[i] = grad_y * p.a * d(term)/dx.
#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0) in;
layout(constant_id = 3) const uint kKind = 0;
#include "index.glsl"
#include "elementwise.glsl"
#include "loss.glsl"

layout(set = 0, binding = 0) readonly buffer X { float x[]; };
layout(set = 0, binding = 1) readonly buffer Target { float target[]; };
layout(set = 0, binding = 2) readonly buffer GradY { float grad_y[]; };
layout(set = 0, binding = 3) writeonly buffer GradX { float grad_x[]; };

void main() {
  uint i = linear_invocation();
  if (i < p.n) grad_x[i] = grad_y[0] * p.a * loss_derivative(x[i], target[i]);
}
