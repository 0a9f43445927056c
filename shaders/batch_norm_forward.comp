// y = gamma[c] * (x - mean[c]) * invstd[c] + beta[c], with mean and invstd
// the rows of stats [2, channels]. One invocation per element.
#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0) in;
#include "index.glsl"

layout(set = 0, binding = 0) readonly buffer X { float x[]; };
layout(set = 0, binding = 1) readonly buffer Stats { float stats[]; };
layout(set = 0, binding = 2) readonly buffer Gamma { float gamma[]; };
layout(set = 0, binding = 3) readonly buffer Beta { float beta[]; };
layout(set = 0, binding = 4) writeonly buffer Y { float y[]; };

layout(push_constant) uniform Params {
  uint batch, channels, inner;  // x is [batch, channels, inner]
  float eps;                    // unused here: already in stats
} p;

void main() {
  uint i = linear_invocation();
  if (i >= p.batch * p.channels * p.inner) return;
  uint c = (i / p.inner) % p.channels;
  float xhat = (x[i] - stats[c]) * stats[p.channels + c];
  y[i] = gamma[c] * xhat + beta[c];
}
