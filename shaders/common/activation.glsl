// Activations that stay exact at large |x|: no exp() overflow, no inf/inf.
#ifndef VKGAN_ACTIVATION_GLSL
#define VKGAN_ACTIVATION_GLSL

float stable_sigmoid(float x) {
  if (x >= 0.0) return 1.0 / (1.0 + exp(-x));
  float e = exp(x);
  return e / (1.0 + e);
}

float stable_tanh(float x) {
  float t = exp(-2.0 * abs(x));
  return sign(x) * (1.0 - t) / (1.0 + t);
}

#endif
