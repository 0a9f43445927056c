// y = gamma[c] * (x - mean[c]) * invstd[c] + beta[c], with mean and invstd
// the rows of stats [2, channels]. One invocation per element.
#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0) in;
#include "index.glsl"
#include "tensor.glsl"
#include "batch_norm.glsl"

READONLY_TENSOR(0, x)
READONLY_TENSOR(1, stats)
READONLY_TENSOR(2, gamma)
READONLY_TENSOR(3, beta)
layout(set = 0, binding = 4) writeonly buffer Y { float y[]; };

void main() {
  uint i = linear_invocation();
  if (i >= p.batch * p.channels * p.inner) return;
  uint c = channel_of(i);
  float xhat = (load_x(i) - load_stats(c)) * load_stats(p.channels + c);
  y[i] = load_gamma(c) * xhat + load_beta(c);
}
