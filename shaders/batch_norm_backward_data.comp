// grad_x = gamma * invstd / M * (M * grad_y - sum1 - xhat * sum2), the full
// batch-norm data gradient through the batch statistics, with M the values
// per channel and sum1, sum2 the rows of sums. One invocation per element.
#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0) in;
#include "index.glsl"
#include "tensor.glsl"
#include "batch_norm.glsl"

READONLY_TENSOR(0, x)
READONLY_TENSOR(1, stats)
READONLY_TENSOR(2, gamma)
READONLY_TENSOR(3, grad_y)
READONLY_TENSOR(4, sums)
layout(set = 0, binding = 5) writeonly buffer GradX { float grad_x[]; };

void main() {
  uint i = linear_invocation();
  if (i >= p.batch * p.channels * p.inner) return;
  uint c = channel_of(i);
  float m = float(p.batch * p.inner), invstd = load_stats(p.channels + c);
  float xhat = (load_x(i) - load_stats(c)) * invstd;
  float centred = m * load_grad_y(i) - load_sums(c) - xhat * load_sums(p.channels + c);
  grad_x[i] = load_gamma(c) * invstd / m * centred;
}
