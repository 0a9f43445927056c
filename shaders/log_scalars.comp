// Copies up to eight scalars into the host-visible log ring, at the row of
// the current draw counter, so the host reads a whole logging interval at
// once without a round trip per step.
#version 450
layout(local_size_x_id = 0) in;

layout(set = 0, binding = 0) readonly buffer S0 { float s0[]; };
layout(set = 0, binding = 1) readonly buffer S1 { float s1[]; };
layout(set = 0, binding = 2) readonly buffer S2 { float s2[]; };
layout(set = 0, binding = 3) readonly buffer S3 { float s3[]; };
layout(set = 0, binding = 4) readonly buffer S4 { float s4[]; };
layout(set = 0, binding = 5) readonly buffer S5 { float s5[]; };
layout(set = 0, binding = 6) readonly buffer S6 { float s6[]; };
layout(set = 0, binding = 7) readonly buffer S7 { float s7[]; };
layout(set = 0, binding = 8) readonly buffer Counters { uint counters[]; };
layout(set = 0, binding = 9) writeonly buffer Ring { float ring[]; };

layout(push_constant) uniform Params {
  uint count, first_slot, slots, capacity;
} p;

void main() {
  if (gl_LocalInvocationID.x != 0) return;
  float v[8] = float[8](s0[0], s1[0], s2[0], s3[0], s4[0], s5[0], s6[0], s7[0]);
  uint row = (counters[0] % p.capacity) * p.slots;
  for (uint j = 0; j < p.count; ++j) ring[row + p.first_slot + j] = v[j];
}
