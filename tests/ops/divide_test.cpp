// make_divisor's magic numbers divide exactly: every divisor up to 5000,
// powers of two and their neighbours, and random divisors, against dividends
// at the edges of their ranges and at random. (The kernels' divide() is the
// same arithmetic in GLSL; the pooling, upsampling and batch-norm tests
// check it on the device.)
#include "ops/divide.hpp"

#include <doctest/doctest.h>

#include <random>
#include <vector>

namespace vkgan::ops {
namespace {

TEST_CASE("division by magic numbers is exact for every 32-bit dividend tried") {
  std::mt19937 rng(3);
  std::vector<uint64_t> divisors;
  for (uint64_t d = 1; d <= 5000; ++d) divisors.push_back(d);
  for (int k = 1; k < 32; ++k)
    for (int64_t delta : {-1, 0, 1}) divisors.push_back(uint64_t((int64_t(1) << k) + delta));
  divisors.push_back(UINT32_MAX);
  for (int i = 0; i < 2000; ++i) divisors.push_back(1 + rng() % UINT32_MAX);

  size_t wrong = 0;
  for (uint64_t d : divisors) {
    Divisor m = make_divisor(d);
    std::vector<uint32_t> dividends = {0, 1, uint32_t(d - 1), uint32_t(d), UINT32_MAX,
                                       UINT32_MAX - 1, 1u << 31, (1u << 31) - 1};
    if (d < UINT32_MAX) dividends.push_back(uint32_t(d + 1));
    for (int i = 0; i < 64; ++i) dividends.push_back(uint32_t(rng()));
    for (uint32_t a : dividends)
      if (divide(a, m) != a / d) {
        if (wrong++ < 5) FAIL_CHECK(a, " / ", d, ": got ", divide(a, m), ", expected ", a / d);
      }
  }
  CHECK(wrong == 0);
}

}  // namespace
}  // namespace vkgan::ops
