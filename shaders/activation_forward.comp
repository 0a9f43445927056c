// Activations, one kernel per kind by specialization constant:
// 0 relu, 1 leaky_relu (slope p.a), 2 sigmoid, 3 tanh.
#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0) in;
layout(constant_id = 3) const uint kKind = 0;
#include "index.glsl"
#include "elementwise.glsl"
#include "activation.glsl"

layout(set = 0, binding = 0) readonly buffer X { float x[]; };
layout(set = 0, binding = 1) writeonly buffer Y { float y[]; };

void main() {
  uint i = linear_invocation();
  if (i >= p.n) return;
  float v = x[i];
  if (kKind == 0) y[i] = max(v, 0.0);
  else if (kKind == 1) y[i] = v > 0.0 ? v : p.a * v;
  else if (kKind == 2) y[i] = stable_sigmoid(v);
  else y[i] = stable_tanh(v);
}
