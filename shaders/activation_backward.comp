// grad_x of the activations. `saved` is x for relu and leaky_relu, and the
// forward output y for sigmoid and tanh (their derivatives are functions of y).
#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0) in;
layout(constant_id = 3) const uint kKind = 0;
#include "index.glsl"
#include "elementwise.glsl"

layout(set = 0, binding = 0) readonly buffer Saved { float saved[]; };
layout(set = 0, binding = 1) readonly buffer GradY { float grad_y[]; };
layout(set = 0, binding = 2) writeonly buffer GradX { float grad_x[]; };

void main() {
  uint i = linear_invocation();
  if (i >= p.n) return;
  float s = saved[i], g = grad_y[i];
  if (kKind == 0) grad_x[i] = s > 0.0 ? g : 0.0;
  else if (kKind == 1) grad_x[i] = s > 0.0 ? g : p.a * g;
  else if (kKind == 2) grad_x[i] = g * s * (1.0 - s);
  else grad_x[i] = g * (1.0 - s * s);
}
