// y[c] = sum over n and spatial positions of x[n, c, ...]: bias gradients.
// One work group per channel (kPerLane = 0), or, when each channel has few
// values, one invocation per channel; either way in a fixed order.
#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0) in;
layout(constant_id = 3) const uint kPerLane = 0;
const uint kReduceLanes = 256;
#include "index.glsl"
#include "reduce.glsl"

layout(set = 0, binding = 0) readonly buffer X { float x[]; };
layout(set = 0, binding = 1) writeonly buffer Y { float y[]; };

layout(push_constant) uniform Params {
  uint batch, channels, inner;  // x is [batch, channels, inner]
} p;

void lane_main() {
  uint c = linear_invocation();
  if (c >= p.channels) return;
  float s = 0.0;
  for (uint n = 0; n < p.batch; ++n)
    for (uint i = 0; i < p.inner; ++i) s += x[(n * p.channels + c) * p.inner + i];
  y[c] = s;
}

void main() {
  if (kPerLane != 0) {
    lane_main();
    return;
  }
  uint c = linear_group();
  if (c >= p.channels) return;
  uint count = p.batch * p.inner;
  float s = 0.0;
  for (uint e = gl_LocalInvocationID.x; e < count; e += kReduceLanes) {
    uint n = e / p.inner, i = e % p.inner;
    s += x[(n * p.channels + c) * p.inner + i];
  }
  float total = group_sum(s);
  if (gl_LocalInvocationID.x == 0) y[c] = total;
}
