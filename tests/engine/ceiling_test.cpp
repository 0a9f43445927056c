// The product probe behind `vkgan bench --ceiling` computes the product it
// times, with either kind of operand binding and any block shape, including
// shapes that leave partial blocks.
#include "engine/ceiling.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <random>

#include "tests/support.hpp"

namespace vkgan {
namespace {

void check_probe(Context& ctx, ProbeOperands operands, ProbeShape s) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<float> a(size_t(s.m * s.k)), b(size_t(s.k * s.n));
  for (float& v : a) v = u(rng);
  for (float& v : b) v = u(rng);
  std::vector<float> c = probe_product(ctx, s, operands, a, b);
  REQUIRE(int64_t(c.size()) == s.m * s.n);
  double worst = 0;
  for (int64_t i = 0; i < s.m; ++i)
    for (int64_t j = 0; j < s.n; ++j) {
      double want = 0;
      for (int64_t k = 0; k < s.k; ++k)
        want += double(a[size_t(i * s.k + k)]) * b[size_t(k * s.n + j)];
      worst = std::max(worst, std::abs(want - c[size_t(i * s.n + j)]));
    }
  INFO(probe_operands_name(operands), " ", s.m, "x", s.n, "x", s.k, " blocks ", s.block_m, "x",
       s.block_n, ": largest error ", worst);
  CHECK(worst < 1e-4 * double(s.k));
}

TEST_CASE_FIXTURE(test::GpuTest, "the product probe computes A B with either operand binding") {
  for (auto [bm, bn] : {std::pair{16u, 24u}, {4u, 3u}, {1u, 1u}}) {
    ProbeShape s;
    s.m = 19, s.n = 203, s.k = 37, s.block_m = bm, s.block_n = bn;
    check_probe(ctx, ProbeOperands::kStorage, s);
    if (ctx.features().texel_buffers) check_probe(ctx, ProbeOperands::kTexel, s);
  }
}

TEST_CASE_FIXTURE(test::GpuTest, "the ceiling table has a row per operand kind and block") {
  std::vector<CeilingRow> rows = measure_ceiling(ctx, 1);
  CHECK(rows.size() == (ctx.features().texel_buffers ? 9u : 6u));
  for (const CeilingRow& r : rows) CHECK(r.gflops > 0);
}

}  // namespace
}  // namespace vkgan
