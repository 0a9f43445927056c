// One SGD step with momentum over a whole network's flat parameter buffer,
// as PyTorch's SGD without dampening or Nesterov; L2 weight decay is folded
// into the gradient first. The velocity lives in the network's m buffer:
//   g = grad + wd w;  v = momentum v + g;  w -= lr v
#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0) in;
#include "index.glsl"

layout(set = 0, binding = 0) buffer W { float w[]; };
layout(set = 0, binding = 1) readonly buffer G { float g[]; };
layout(set = 0, binding = 2) buffer M { float velocity[]; };

layout(push_constant) uniform Params {
  uint n;
  float lr, momentum, weight_decay;
} p;

void main() {
  uint i = linear_invocation();
  if (i >= p.n) return;
  float grad = g[i] + p.weight_decay * w[i];
  float v = p.momentum * velocity[i] + grad;
  velocity[i] = v;
  w[i] -= p.lr * v;
}
