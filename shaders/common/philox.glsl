// Philox4x32-10 and Box-Muller, bit-compatible with engine/random.hpp.
#ifndef VKGAN_PHILOX_GLSL
#define VKGAN_PHILOX_GLSL

uvec4 philox4x32(uvec4 c, uvec2 k) {
  for (int round = 0; round < 10; ++round) {
    uint hi0, lo0, hi1, lo1;
    umulExtended(0xD2511F53u, c.x, hi0, lo0);
    umulExtended(0xCD9E8D57u, c.z, hi1, lo1);
    c = uvec4(hi1 ^ c.y ^ k.x, lo1, hi0 ^ c.w ^ k.y, lo0);
    k += uvec2(0x9E3779B9u, 0xBB67AE85u);
  }
  return c;
}

float uniform_open0(uint bits) { return (float(bits >> 8) + 1.0) * (1.0 / 16777216.0); }

float philox_normal(uvec2 seed, uint stream, uint counter, uint index) {
  uvec4 r = philox4x32(uvec4(index / 2u, counter, stream, 0u), seed);
  float radius = sqrt(-2.0 * log(uniform_open0(r.x)));
  float angle = 6.2831853071795864 * uniform_open0(r.y);
  return (index & 1u) != 0u ? radius * sin(angle) : radius * cos(angle);
}

#endif
