// stats[0, c] = mean and stats[1, c] = 1 / sqrt(var + eps) of channel c of
// x [batch, channels, inner], variance biased. One work group per channel.
// Two fixed-order passes: the mean (of deviations from the channel's first
// value, exact in float32 when values sit close together far from zero), then
// the squared deviations, corrected by the deviations' own sum so that the
// mean's rounding does not leak into the variance.
#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0) in;
const uint kReduceLanes = 256;
#include "index.glsl"
#include "tensor.glsl"
#include "batch_norm.glsl"
#include "reduce.glsl"

READONLY_TENSOR(0, x)
layout(set = 0, binding = 1) writeonly buffer Stats { float stats[]; };

float at(uint c, uint e) { return load_x(channel_element(c, e)); }

void main() {
  uint c = linear_group();
  if (c >= p.channels) return;
  uint count = p.batch * p.inner, lane = gl_LocalInvocationID.x;

  // 1. the mean, as the first value plus the mean deviation from it
  float pivot = load_x(c * p.inner);
  float s = 0.0;
  for (uint e = lane; e < count; e += kReduceLanes) s += at(c, e) - pivot;
  float mean = pivot + group_sum(s) / float(count);

  // 2. squared deviations; (sum of deviations)^2 / count is what the mean's
  // rounding added to them
  float sq = 0.0, dev = 0.0;
  for (uint e = lane; e < count; e += kReduceLanes) {
    float d = at(c, e) - mean;
    dev += d;
    sq += d * d;
  }
  float sum_sq = group_sum(sq), sum_dev = group_sum(dev);
  float var = max((sum_sq - sum_dev * sum_dev / float(count)) / float(count), 0.0);
  if (lane == 0) {
    stats[c] = mean;
    stats[p.channels + c] = 1.0 / sqrt(var + p.eps);
  }
}
