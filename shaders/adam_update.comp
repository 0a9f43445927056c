// One Adam step over a whole network's flat parameter buffer, with L2
// weight decay folded into the gradient first (g = grad + wd w):
//   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
//   w -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
// with eps added after bias correction, and t = counters[slot] + 1 (the
// network's step count, starting at 1; advanced by step_tick).
#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0) in;
#include "index.glsl"

layout(set = 0, binding = 0) buffer W { float w[]; };
layout(set = 0, binding = 1) readonly buffer G { float g[]; };
layout(set = 0, binding = 2) buffer M { float m[]; };
layout(set = 0, binding = 3) buffer V { float v[]; };
layout(set = 0, binding = 4) readonly buffer Counters { uint counters[]; };

layout(push_constant) uniform Params {
  uint n;
  float lr, beta1, beta2, eps;
  uint slot;
  float weight_decay;
} p;

void main() {
  uint i = linear_invocation();
  if (i >= p.n) return;
  float t = float(counters[p.slot] + 1u);
  float grad = g[i] + p.weight_decay * w[i];
  float mi = p.beta1 * m[i] + (1.0 - p.beta1) * grad;
  float vi = p.beta2 * v[i] + (1.0 - p.beta2) * grad * grad;
  m[i] = mi;
  v[i] = vi;
  float m_hat = mi / (1.0 - pow(p.beta1, t));
  float v_hat = vi / (1.0 - pow(p.beta2, t));
  w[i] -= p.lr * m_hat / (sqrt(v_hat) + p.eps);
}
