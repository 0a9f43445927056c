// Division of a uint by a divisor fixed for the dispatch, as a multiply-high
// and shifts; the host makes the divisor's (magic, flags) pair with
// make_divisor (ops/divide.hpp). lavapipe has no vector integer division and
// divides lane by lane, a few nanoseconds an element, where umulExtended is
// one vector multiply. Exact for every 32-bit dividend and divisor >= 1.
#ifndef VKGAN_DIVIDE_GLSL
#define VKGAN_DIVIDE_GLSL

const uint kDivideShift = 31u;      // flags: the final shift,
const uint kDivideAdd = 1u << 8;    // the 33-bit-magic correction,
const uint kDivideByOne = 1u << 9;  // a divisor of 1 (no 32-bit magic)

uint divide(uint a, uvec2 d) {
  uint hi, lo;
  umulExtended(a, d.x, hi, lo);
  uint shift = d.y & kDivideShift;
  uint q = (d.y & kDivideAdd) != 0u ? (((a - hi) >> 1) + hi) >> shift : hi >> shift;
  return (d.y & kDivideByOne) != 0u ? a : q;
}

// (plane, row, column) of element i of a [planes, h, w] grid, given w and
// area = h w, and both as divisors.
uvec3 split_grid(uint i, uint w, uint area, uvec2 by_w, uvec2 by_area) {
  uint plane = divide(i, by_area), at = i - plane * area, row = divide(at, by_w);
  return uvec3(plane, row, at - row * w);
}

#endif
