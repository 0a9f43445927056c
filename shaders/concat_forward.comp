// z = x followed by y along one axis. Each tensor is seen as [outer, len,
// inner] around that axis; each output element copies its one source element.
#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0) in;
#include "index.glsl"

layout(set = 0, binding = 0) readonly buffer X { float x[]; };
layout(set = 0, binding = 1) readonly buffer Y { float y[]; };
layout(set = 0, binding = 2) writeonly buffer Z { float z[]; };

layout(push_constant) uniform Params {
  uint n;             // output elements
  uint inner;         // elements after the axis
  uint len_x, len_y;  // lengths along the axis
} p;

void main() {
  uint i = linear_invocation();
  if (i >= p.n) return;
  uint len = p.len_x + p.len_y;
  uint in_row = i % p.inner, t = i / p.inner;
  uint k = t % len, o = t / len;
  z[i] = k < p.len_x ? x[(o * p.len_x + k) * p.inner + in_row]
                     : y[(o * p.len_y + k - p.len_x) * p.inner + in_row];
}
