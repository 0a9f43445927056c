// Activations, arithmetic, dense, reductions and losses: device against the
// CPU reference and the reference against finite differences, over
// randomised shapes with fixed seeds.
#include <doctest/doctest.h>

#include <random>

#include "engine/op_runner.hpp"
#include "tests/ops/op_check.hpp"
#include "tests/support.hpp"

namespace vkgan {
namespace {

using test::check_op;
using test::OpCheckInput;

using test::random_shape;

TEST_CASE_FIXTURE(test::GpuTest, "activations match the reference and finite differences") {
  std::mt19937 rng(7);
  for (const char* op : {"relu", "leaky_relu", "sigmoid", "tanh"})
    for (int trial = 0; trial < 6; ++trial) {
      Shape s = random_shape(rng, 1 + trial % 4, 9);
      Attrs a;
      if (std::string(op) == "leaky_relu") a.set("slope", 0.1 + 0.1 * trial);
      CHECK(check_op(op, a, {{"x", s, true, -3, 3}}, 100 + trial));
    }
}

TEST_CASE_FIXTURE(test::GpuTest, "add and scale match the reference and finite differences") {
  std::mt19937 rng(8);
  for (int trial = 0; trial < 6; ++trial) {
    Shape s = random_shape(rng, 1 + trial % 4, 8);
    CHECK(check_op("add", {}, {{"x", s}, {"y", s}}, 200 + trial));
    CHECK(check_op("scale", {{"a", -1.5}, {"b", 0.25}}, {{"x", s}}, 300 + trial));
  }
}

TEST_CASE_FIXTURE(test::GpuTest, "dense matches the reference and finite differences") {
  std::mt19937 rng(9);
  std::uniform_int_distribution<int64_t> d(1, 70);
  for (int trial = 0; trial < 12; ++trial) {
    int64_t n = trial == 0 ? 1 : d(rng), in = d(rng), out = d(rng);
    std::vector<OpCheckInput> ins = {{"x", Shape{n, in}}, {"w", Shape{out, in}}};
    if (trial % 3) ins.push_back({"b", Shape{out}});
    CHECK(check_op("dense", {}, ins, 400 + trial));
  }
}

TEST_CASE_FIXTURE(test::GpuTest, "sum and mean match the reference and finite differences") {
  std::mt19937 rng(10);
  for (int trial = 0; trial < 6; ++trial) {
    Shape s = random_shape(rng, 1 + trial % 4, 12);
    CHECK(check_op("sum", {}, {{"x", s}}, 500 + trial));
    CHECK(check_op("mean", {}, {{"x", s}}, 600 + trial));
  }
}

TEST_CASE_FIXTURE(test::GpuTest, "losses match the reference and finite differences") {
  std::mt19937 rng(11);
  for (int trial = 0; trial < 4; ++trial) {
    Shape s = random_shape(rng, 2, 9);
    std::string red = trial % 2 ? "sum" : "mean";
    Attrs a{{"reduction", red}};
    CHECK(check_op("bce_with_logits", a, {{"x", s, true, -4, 4}, {"target", s, false, 0, 1}},
                   700 + trial));
    CHECK(check_op("bce", a, {{"x", s, true, 0.05, 0.95}, {"target", s, false, 0, 1}},
                   800 + trial));
    CHECK(check_op("mse", a, {{"x", s}, {"target", s, false}}, 900 + trial));
  }
}

TEST_CASE_FIXTURE(test::GpuTest, "sums of known values are exact") {
  auto sum_of = [&](std::vector<float> v) {
    OpCall call{"sum", {}, {{"x", {Shape{int64_t(v.size())}, v}}}, std::nullopt, {}};
    return run_op_device(ctx, call).output.data[0];
  };
  std::vector<float> ramp(64);
  for (int i = 0; i < 64; ++i) ramp[size_t(i)] = float(i + 1);
  CHECK(sum_of(ramp) == 2080.0f);
  CHECK(sum_of(std::vector<float>(4097, 1.0f)) == 4097.0f);
}

TEST_CASE_FIXTURE(test::GpuTest, "bce_with_logits stays finite and exact for huge logits") {
  for (float x : {100.0f, -100.0f, 1e7f, -1e7f}) {
    for (float t : {0.0f, 1.0f}) {
      OpCall call{"bce_with_logits", {}, {{"x", {Shape{1}, {x}}}, {"target", {Shape{1}, {t}}}},
                  HostTensor{Shape{}, {1.0f}}, {"x"}};
      OpResult r = run_op_device(ctx, call);
      double expect = std::max(double(x), 0.0) - double(x) * t;
      CHECK(std::isfinite(r.output.data[0]));
      CHECK(r.output.data[0] == doctest::Approx(expect).epsilon(1e-6));
      float g = r.grads.at("x").data[0];
      CHECK(g == doctest::Approx((x > 0 ? 1.0 : 0.0) - t));
    }
  }
}

TEST_CASE_FIXTURE(test::GpuTest, "tanh and sigmoid are exact at large magnitudes") {
  OpCall call{"tanh", {}, {{"x", {Shape{4}, {-1e4f, -90.0f, 90.0f, 1e4f}}}}, std::nullopt, {}};
  auto t = run_op_device(ctx, call).output.data;
  CHECK(t == std::vector<float>{-1.0f, -1.0f, 1.0f, 1.0f});
  call.op = "sigmoid";
  auto s = run_op_device(ctx, call).output.data;
  CHECK(s == std::vector<float>{0.0f, 0.0f, 1.0f, 1.0f});
}

}  // namespace
}  // namespace vkgan
