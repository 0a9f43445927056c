// y = x[..., start : start + len_out, ...] along one axis, x seen as
// [outer, len_in, inner] around it. One invocation per output element.
#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0) in;
#include "index.glsl"

layout(set = 0, binding = 0) readonly buffer X { float x[]; };
layout(set = 0, binding = 1) writeonly buffer Y { float y[]; };

layout(push_constant) uniform Params {
  uint n;      // output elements
  uint inner;  // elements after the axis
  uint len_in, start, len_out;
} p;

void main() {
  uint i = linear_invocation();
  if (i >= p.n) return;
  uint in_row = i % p.inner, t = i / p.inner;
  uint k = t % p.len_out, o = t / p.len_out;
  y[i] = x[(o * p.len_in + p.start + k) * p.inner + in_row];
}
