// The push constants of the batch-norm kernels (NormParams in
// ops/batch_norm.cpp) and the index arithmetic they share. x is viewed as
// [batch, channels, inner].
#ifndef VKGAN_BATCH_NORM_GLSL
#define VKGAN_BATCH_NORM_GLSL

#include "divide.glsl"

layout(push_constant) uniform Params {
  uint batch, channels, inner;
  float eps;                    // read by batch_norm_forward_stats; the others use stats
  uvec2 by_inner, by_channels;  // p.inner and p.channels as divisors
} p;

// The channel of element i of x.
uint channel_of(uint i) {
  uint q = divide(i, p.by_inner);
  return q - divide(q, p.by_channels) * p.channels;
}

// The index in x of channel c's e-th value, in (image, position) order.
uint channel_element(uint c, uint e) {
  uint n = divide(e, p.by_inner);
  return (n * p.channels + c) * p.inner + (e - n * p.inner);
}

#endif
