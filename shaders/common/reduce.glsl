// A fixed-order sum over one work group: each lane adds its strided share
// in order, then a tree halves the lanes. The order never depends on timing
// or subgroup size, so a sum is the same on every run and every device.
// Needs kReduceLanes = gl_WorkGroupSize.x, a power of two.
#ifndef VKGAN_REDUCE_GLSL
#define VKGAN_REDUCE_GLSL

shared float reduce_scratch[kReduceLanes];

float group_sum(float mine) {
  uint lane = gl_LocalInvocationID.x;
  reduce_scratch[lane] = mine;
  barrier();
  for (uint width = kReduceLanes / 2; width > 0; width /= 2) {
    if (lane < width) reduce_scratch[lane] += reduce_scratch[lane + width];
    barrier();
  }
  float total = reduce_scratch[0];
  barrier();
  return total;
}

#endif
