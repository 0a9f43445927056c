// Counter-based random numbers: Philox4x32-10, keyed by (seed, stream) and
// indexed by (counter, element), so any draw can be recomputed anywhere. The
// device's noise kernel (shaders/common/philox.glsl) computes the same
// numbers; parameter initialisation uses them on the host.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>

namespace vkgan {

inline std::array<uint32_t, 4> philox4x32(std::array<uint32_t, 4> c, std::array<uint32_t, 2> k) {
  constexpr uint32_t kM0 = 0xD2511F53u, kM1 = 0xCD9E8D57u;
  constexpr uint32_t kW0 = 0x9E3779B9u, kW1 = 0xBB67AE85u;
  for (int round = 0; round < 10; ++round) {
    uint64_t p0 = uint64_t(kM0) * c[0], p1 = uint64_t(kM1) * c[2];
    c = {uint32_t(p1 >> 32) ^ c[1] ^ k[0], uint32_t(p1), uint32_t(p0 >> 32) ^ c[3] ^ k[1],
         uint32_t(p0)};
    k = {k[0] + kW0, k[1] + kW1};
  }
  return c;
}

// Uniform in (0, 1]: never 0, so log() is finite.
inline float uniform_open0(uint32_t bits) {
  return (float(bits >> 8) + 1.0f) * (1.0f / 16777216.0f);
}

// The standard normal number `index` of draw `counter` in `stream` (Box-Muller
// on one Philox block; element pairs share a block).
inline float philox_normal(uint32_t seed_lo, uint32_t seed_hi, uint32_t stream, uint32_t counter,
                           uint32_t index) {
  auto r = philox4x32({index / 2, counter, stream, 0u}, {seed_lo, seed_hi});
  float u1 = uniform_open0(r[0]), u2 = uniform_open0(r[1]);
  float radius = std::sqrt(-2.0f * std::log(u1));
  float angle = 6.2831853071795864f * u2;
  return (index & 1u) ? radius * std::sin(angle) : radius * std::cos(angle);
}

// A 32-bit stream id from a name (FNV-1a), for per-parameter streams.
inline uint32_t stream_of(const char* s) {
  uint32_t h = 2166136261u;
  for (; *s; ++s) h = (h ^ uint8_t(*s)) * 16777619u;
  return h;
}

}  // namespace vkgan
