// Divisors for shaders/common/divide.glsl: a kernel that splits a linear
// index by sizes fixed for the dispatch gets each size as a Divisor in its
// push constants (8-byte aligned, a uvec2 in GLSL) and divides with
// divide(). The method is the round-up one of Granlund and Montgomery: a
// 32-bit magic number m and shift l with q = mulhi(a, m) >> l, or, where m
// would need 33 bits, q = (((a - t) >> 1) + t) >> l with t = mulhi(a, m).
#pragma once

#include <bit>
#include <cstdint>

#include "engine/error.hpp"

namespace vkgan::ops {

struct Divisor {
  uint32_t magic = 0;
  uint32_t flags = 0;  // shift | add << 8 | by_one << 9, as divide.glsl reads them
};
static_assert(sizeof(Divisor) == 8);

inline constexpr uint32_t kDivideAdd = 1u << 8, kDivideByOne = 1u << 9;

inline Divisor make_divisor(uint64_t d) {
  VKGAN_ASSERT(d >= 1 && d <= UINT32_MAX, "divisor {} outside [1, 2^32)", d);
  if (d == 1) return {0, kDivideByOne};
  uint32_t l = uint32_t(std::bit_width(d) - 1);
  if (std::has_single_bit(d)) return {uint32_t(uint64_t(1) << (32 - l)), 0};
  uint64_t m = (uint64_t(1) << (32 + l)) / d, rem = (uint64_t(1) << (32 + l)) % d;
  if (d - rem < (uint64_t(1) << l)) return {uint32_t(m + 1), l};
  // The 33-bit magic 2m + 1 (+1), its top bit applied by the add step.
  m = 2 * m + (2 * rem >= d ? 1 : 0);
  return {uint32_t(m + 1), l | kDivideAdd};
}

// The shader's divide(), for tests and CPU references.
inline uint32_t divide(uint32_t a, Divisor d) {
  if (d.flags & kDivideByOne) return a;
  uint32_t hi = uint32_t((uint64_t(a) * d.magic) >> 32), shift = d.flags & 31u;
  return d.flags & kDivideAdd ? (((a - hi) >> 1) + hi) >> shift : hi >> shift;
}

}  // namespace vkgan::ops
