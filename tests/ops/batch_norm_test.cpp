// Batch normalisation: the composite batch_norm (statistics and apply nodes,
// as build_op makes them) against the CPU reference and finite differences,
// each primitive kernel against its reference, precision at large means, and
// the refusals.
#include <doctest/doctest.h>

#include <cmath>
#include <random>

#include "engine/op_runner.hpp"
#include "tests/ops/op_check.hpp"
#include "tests/support.hpp"

namespace vkgan {
namespace {

using test::check_op;
using test::OpCheckInput;

// [N, C] or [N, C, H, W] with at least two values per channel.
Shape random_norm_shape(std::mt19937& rng, int trial) {
  std::uniform_int_distribution<int64_t> d(1, 9), c(1, 6);
  int64_t n = d(rng), ch = c(rng);
  if (trial % 2 == 0) return Shape{std::max<int64_t>(n, 2), ch};
  int64_t h = d(rng), w = d(rng);
  if (n * h * w < 2) w = 2;
  return Shape{n, ch, h, w};
}

std::vector<OpCheckInput> norm_inputs(const Shape& x, double lo = -1, double hi = 1) {
  return {{"x", x, true, lo, hi}, {"gamma", Shape{x[1]}, true, 0.5, 1.5},
          {"beta", Shape{x[1]}, true}};
}

// The error message of a call that must be refused ("" when it is not).
std::string refusal(const OpCall& call) {
  return test::error_of([&] { run_op_cpu(call); });
}

TEST_CASE_FIXTURE(test::GpuTest, "batch_norm matches the reference and finite differences") {
  std::mt19937 rng(31);
  for (int trial = 0; trial < 24; ++trial) {
    Shape x = random_norm_shape(rng, trial);
    Attrs a{{"eps", trial % 3 == 0 ? 1e-3 : 1e-5}};
    double shift = trial % 4 == 3 ? 3.0 : 0.0;
    CHECK(check_op("batch_norm", a, norm_inputs(x, shift - 1, shift + 1), 3100 + trial));
  }
}

TEST_CASE_FIXTURE(test::GpuTest, "batch_norm handles two values per channel and N = 1") {
  // With two values per channel xhat is +-1 and grad_x vanishes but for eps:
  // a large eps keeps it far from float32 round-off.
  Attrs big_eps{{"eps", 0.1}};
  for (Shape x : {Shape{2, 5}, Shape{2, 3, 1, 1}, Shape{2, 1}, Shape{1, 3, 2, 1}})
    CHECK(check_op("batch_norm", big_eps, norm_inputs(x), 3200));
  for (Shape x : {Shape{1, 4, 3, 3}, Shape{1, 2, 1, 7}, Shape{1, 3, 2, 3}})
    CHECK(check_op("batch_norm", {}, norm_inputs(x), 3201));
}

TEST_CASE_FIXTURE(test::GpuTest, "batch_norm matches the reference at the models' sizes") {
  // dcgan28's generator norms [64,128,7,7] and [64,64,14,14], and a dense one:
  // thousands of values per channel, many per reduction lane. A longer
  // finite-difference step keeps the round-off of sum(y * dy) over 10^5-10^6
  // terms out of the difference; the op is smooth, so truncation stays small.
  test::OpCheckOptions o{.fd_samples = 4, .fd_step = 1e-4};
  for (Shape x : {Shape{64, 128, 7, 7}, Shape{64, 64, 14, 14}, Shape{64, 256}})
    CHECK(check_op("batch_norm", {}, norm_inputs(x, -2, 3), 3250, o));
}

TEST_CASE_FIXTURE(test::GpuTest, "batch_norm primitives match their references") {
  std::mt19937 rng(32);
  for (int trial = 0; trial < 12; ++trial) {
    Shape x = random_norm_shape(rng, trial);
    Shape c{x[1]}, rows{2, x[1]};
    Attrs eps{{"eps", 1e-4}};
    CHECK(check_op("batch_norm_stats", eps, {{"x", x, false}}, 3300 + trial));
    // Random stats with invstd > 0, as batch_norm_stats makes them.
    std::vector<OpCheckInput> apply = {{"x", x, false}, {"stats", rows, false, 0.1, 2},
                                       {"gamma", c, false}, {"beta", c, false}};
    CHECK(check_op("batch_norm_apply", {}, apply, 3400 + trial));
    CHECK(check_op("batch_norm_backward_reduce", {},
                   {{"x", x, false}, {"stats", rows, false, 0.1, 2}, {"grad_y", x, false}},
                   3500 + trial));
    CHECK(check_op("batch_norm_backward_data", {},
                   {{"x", x, false}, {"stats", rows, false, 0.1, 2}, {"gamma", c, false},
                    {"grad_y", x, false}, {"sums", rows, false}},
                   3600 + trial));
    CHECK(check_op("select_row", {{"row", int64_t(trial % 2)}}, {{"x", rows, false}},
                   3700 + trial));
  }
}

TEST_CASE_FIXTURE(test::GpuTest, "batch_norm statistics stay exact at large means") {
  // Values 1000 +- 0.01: the variance (3e-5) is far below float32's
  // resolution of E[x^2] (1e6, ulp 0.06), so E[x^2] - E[x]^2 would be noise.
  std::mt19937 rng(33);
  Shape x{4, 3, 5, 5};
  HostTensor xs = test::random_tensor(x, rng, 999.99, 1000.01);
  OpCall call{"batch_norm_stats", {{"eps", 1e-9}}, {{"x", xs}}, std::nullopt, {}};
  std::vector<float> got = run_op_device(ctx, call).output.data;
  std::vector<double> ref = run_op_cpu(call).output.data;
  for (size_t c = 0; c < 3; ++c) {
    CHECK(std::abs(got[c] - ref[c]) / ref[c] < 1e-7);
    CHECK(std::abs(got[3 + c] - ref[3 + c]) / ref[3 + c] < 1e-6);
  }

  // The same data defeat a one-pass float32 variance of channel 0.
  float s = 0, sq = 0;
  int64_t m = 4 * 25;
  for (int64_t n = 0; n < 4; ++n)
    for (int64_t i = 0; i < 25; ++i) {
      float v = xs.data[size_t(n * 75 + i)];
      s += v;
      sq += v * v;
    }
  double one_pass = double(sq / float(m) - (s / float(m)) * (s / float(m)));
  double var = 1.0 / (ref[3] * ref[3]);
  CHECK(std::abs(one_pass - var) / var > 1.0);

  // The whole op. NOTE: stats holds the mean in float32, half an ulp of
  // 1000 (3e-5) from the true mean, i.e. 0.5% of a standard deviation of
  // 0.006: that sets the device tolerance. Finite differences stay tight.
  CHECK(check_op("batch_norm", {}, norm_inputs(x, 999.99, 1000.01), 3800,
                 {.device_tol = 1e-2}));
}

TEST_CASE_FIXTURE(test::GpuTest, "batch_norm is deterministic") {
  std::mt19937 rng(34);
  Shape x{16, 8, 7, 9};
  OpCall call{"batch_norm", {}, {}, std::nullopt, {"x", "gamma", "beta"}};
  call.inputs = {{"x", test::random_tensor(x, rng)},
                 {"gamma", test::random_tensor(Shape{8}, rng)},
                 {"beta", test::random_tensor(Shape{8}, rng)}};
  call.dy = test::random_tensor(x, rng);
  OpResult a = run_op_device(ctx, call), b = run_op_device(ctx, call);
  CHECK(a.output.data == b.output.data);
  for (const char* w : {"x", "gamma", "beta"})
    CHECK(a.grads.at(w).data == b.grads.at(w).data);
}

TEST_CASE("batch_norm refuses a single value per channel and bad shapes") {
  auto call = [](Shape x, Shape gamma) {
    HostTensor xs{x, std::vector<float>(size_t(x.elements()), 1.0f)};
    HostTensor gs{gamma, std::vector<float>(size_t(gamma.elements()), 1.0f)};
    return OpCall{"batch_norm", {}, {{"x", xs}, {"gamma", gs}, {"beta", gs}}, std::nullopt,
                  {}};
  };
  std::string single = refusal(call(Shape{1, 3}, Shape{3}));
  CHECK(single.find("batch_norm") != std::string::npos);
  CHECK(single.find("x [1,3] has a single value per channel") != std::string::npos);
  CHECK(refusal(call(Shape{1, 3, 1, 1}, Shape{3})).find("[1,3,1,1]") != std::string::npos);
  CHECK(refusal(call(Shape{2, 3, 4}, Shape{3})).find("got [2,3,4]") != std::string::npos);
  std::string gamma = refusal(call(Shape{2, 3}, Shape{4}));
  CHECK(gamma.find("gamma [4] must be [3] to match x [2,3]") != std::string::npos);
}

}  // namespace
}  // namespace vkgan
