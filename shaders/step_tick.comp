// Advances step counters at the end of a program: counters[slot] += 1 for
// each slot set in p.mask.
#version 450
layout(local_size_x_id = 0) in;

layout(set = 0, binding = 0) buffer Counters { uint counters[]; };
layout(push_constant) uniform Params { uint mask; } p;

void main() {
  uint i = gl_LocalInvocationID.x;
  if (i < 32u && (p.mask & (1u << i)) != 0u) counters[i] += 1u;
}
