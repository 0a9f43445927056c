// The push-constant block of element-wise kernels (ops/common.hpp
// ElementParams) and the per-invocation element index.
#ifndef VKGAN_ELEMENTWISE_GLSL
#define VKGAN_ELEMENTWISE_GLSL

layout(push_constant) uniform Params {
  uint n;
  float a;
  float b;
  uint flags;
} p;

#endif
