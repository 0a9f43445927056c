// z ~ N(0, 1), keyed by (seed, stream) and the draw counter the device keeps
// (counters[0]), or a fixed counter when p.fixed is set (sample grids).
#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0) in;
#include "index.glsl"
#include "philox.glsl"

layout(set = 0, binding = 0) readonly buffer Counters { uint counters[]; };
layout(set = 0, binding = 1) writeonly buffer Y { float y[]; };

layout(push_constant) uniform Params {
  uint n;
  uint seed_lo, seed_hi;
  uint stream;
  uint fixed_counter;
  uint use_fixed;
} p;

void main() {
  uint i = linear_invocation();
  if (i >= p.n) return;
  uint counter = p.use_fixed != 0u ? p.fixed_counter : counters[0];
  y[i] = philox_normal(uvec2(p.seed_lo, p.seed_hi), p.stream, counter, i);
}
