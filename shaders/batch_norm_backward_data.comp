// grad_x = gamma * invstd / M * (M * grad_y - sum1 - xhat * sum2), the full
// batch-norm data gradient through the batch statistics, with M the values
// per channel and sum1, sum2 the rows of sums. One invocation per element.
#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0) in;
#include "index.glsl"

layout(set = 0, binding = 0) readonly buffer X { float x[]; };
layout(set = 0, binding = 1) readonly buffer Stats { float stats[]; };
layout(set = 0, binding = 2) readonly buffer Gamma { float gamma[]; };
layout(set = 0, binding = 3) readonly buffer GradY { float grad_y[]; };
layout(set = 0, binding = 4) readonly buffer Sums { float sums[]; };
layout(set = 0, binding = 5) writeonly buffer GradX { float grad_x[]; };

layout(push_constant) uniform Params {
  uint batch, channels, inner;  // x is [batch, channels, inner]
  float eps;                    // unused here: already in stats
} p;

void main() {
  uint i = linear_invocation();
  if (i >= p.batch * p.channels * p.inner) return;
  uint c = (i / p.inner) % p.channels;
  float m = float(p.batch * p.inner), invstd = stats[p.channels + c];
  float xhat = (x[i] - stats[c]) * invstd;
  float centred = m * grad_y[i] - sums[c] - xhat * sums[p.channels + c];
  grad_x[i] = gamma[c] * invstd / m * centred;
}
