// sums[0, c] = sum of grad_y and sums[1, c] = sum of grad_y * xhat over
// channel c, xhat = (x - mean) * invstd. One work group per channel, fixed
// order; they are grad_beta and grad_gamma, and feed batch_norm_backward_data.
#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0) in;
const uint kReduceLanes = 256;
#include "index.glsl"
#include "tensor.glsl"
#include "batch_norm.glsl"
#include "reduce.glsl"

READONLY_TENSOR(0, x)
READONLY_TENSOR(1, stats)
READONLY_TENSOR(2, grad_y)
layout(set = 0, binding = 3) writeonly buffer Sums { float sums[]; };

void main() {
  uint c = linear_group();
  if (c >= p.channels) return;
  uint count = p.batch * p.inner, lane = gl_LocalInvocationID.x;
  float mean = load_stats(c), invstd = load_stats(p.channels + c);

  float s1 = 0.0, s2 = 0.0;
  for (uint e = lane; e < count; e += kReduceLanes) {
    uint at = channel_element(c, e);
    s1 += load_grad_y(at);
    s2 += load_grad_y(at) * (load_x(at) - mean) * invstd;
  }
  float sum1 = group_sum(s1), sum2 = group_sum(s2);
  if (lane == 0) {
    sums[c] = sum1;
    sums[p.channels + c] = sum2;
  }
}
