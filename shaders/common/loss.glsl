// Per-element loss terms and their derivatives. kKind: 0 bce_with_logits,
// 1 bce (each log clamped at -100), 2 mse.
#ifndef VKGAN_LOSS_GLSL
#define VKGAN_LOSS_GLSL
#include "activation.glsl"

float loss_term(float x, float t) {
  if (kKind == 0) return max(x, 0.0) - x * t + log(1.0 + exp(-abs(x)));
  if (kKind == 1) return -(t * max(log(x), -100.0) + (1.0 - t) * max(log(1.0 - x), -100.0));
  float d = x - t;
  return d * d;
}

float loss_derivative(float x, float t) {
  if (kKind == 0) return stable_sigmoid(x) - t;
  if (kKind == 1) return (x - t) / max((1.0 - x) * x, 1e-12);
  return 2.0 * (x - t);
}

#endif
