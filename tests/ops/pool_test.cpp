// max_pool2d and avg_pool2d: device against the CPU reference and the
// reference against finite differences over randomised shapes and attributes
// (fixed seeds), plus ties, padding, divisors and refusals worked by hand.
#include <doctest/doctest.h>

#include <random>

#include "engine/op_runner.hpp"
#include "tests/ops/op_check.hpp"
#include "tests/support.hpp"

namespace vkgan {
namespace {

using test::check_op;

using Ints = std::vector<int64_t>;

// Random valid pooling attributes and input shape; stride may exceed the
// kernel, padding goes up to half the kernel, sizes are often odd.
std::pair<Attrs, Shape> random_pool(std::mt19937& rng, int trial, bool avg) {
  auto pick = [&](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  };
  int64_t kh = pick(1, 4), kw = pick(1, 4), sh = pick(1, 5), sw = pick(1, 5);
  int64_t ph = pick(0, kh / 2), pw = pick(0, kw / 2);
  int64_t h = std::max<int64_t>(pick(1, 11), kh - 2 * ph);
  int64_t w = std::max<int64_t>(pick(1, 11), kw - 2 * pw);
  Attrs a{{"kernel", Ints{kh, kw}}, {"padding", Ints{ph, pw}}, {"ceil_mode", trial % 2 == 1}};
  if (trial % 5 != 0) a.set("stride", Ints{sh, sw});  // else stride = kernel
  if (avg) a.set("count_include_pad", trial % 3 != 0);
  int64_t n = trial % 4 == 0 ? 1 : pick(1, 3);
  return {a, Shape{n, pick(1, 4), h, w}};
}

TEST_CASE_FIXTURE(test::GpuTest, "max_pool2d matches the reference and finite differences") {
  std::mt19937 rng(21);
  for (int trial = 0; trial < 40; ++trial) {
    auto [a, s] = random_pool(rng, trial, false);
    CHECK(check_op("max_pool2d", a, {{"x", s}}, 2100 + uint32_t(trial)));
  }
}

TEST_CASE_FIXTURE(test::GpuTest, "avg_pool2d matches the reference and finite differences") {
  std::mt19937 rng(22);
  for (int trial = 0; trial < 40; ++trial) {
    auto [a, s] = random_pool(rng, trial, true);
    CHECK(check_op("avg_pool2d", a, {{"x", s}}, 2200 + uint32_t(trial)));
  }
}

TEST_CASE_FIXTURE(test::GpuTest, "pooling the upgan28 and dcgan28 shapes matches the reference") {
  Attrs a{{"kernel", Ints{2, 2}}};
  CHECK(check_op("max_pool2d", a, {{"x", Shape{64, 64, 28, 28}}}, 2301));
  CHECK(check_op("avg_pool2d", a, {{"x", Shape{64, 128, 14, 14}}}, 2302));
}

// A one-plane tensor with a gradient of `dy` through `op`, run on the device.
OpResult run_plane(Context& ctx, const std::string& op, const Attrs& a, Shape x,
                   std::vector<float> xv, std::vector<float> dy, Shape y) {
  OpCall call{op, a, {{"x", {x, std::move(xv)}}}, HostTensor{y, std::move(dy)}, {"x"}};
  return run_op_device(ctx, call);
}

std::vector<float> ramp(size_t n) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = float(i + 1);
  return v;
}

TEST_CASE_FIXTURE(test::GpuTest,
                  "max_pool2d sends each overlapping window's gradient to its first maximum") {
  // A constant 5x5 plane, 3x3 windows at stride 1: every position ties, and
  // each window's gradient goes to its top-left position.
  Attrs a{{"kernel", Ints{3, 3}}, {"stride", Ints{1, 1}}};
  OpResult r = run_plane(ctx, "max_pool2d", a, Shape{1, 1, 5, 5}, std::vector<float>(25, 2.0f),
                         ramp(9), Shape{1, 1, 3, 3});
  CHECK(r.output.data == std::vector<float>(9, 2.0f));
  std::vector<float> expect(25, 0.0f);
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) expect[size_t(i * 5 + j)] = float(i * 3 + j + 1);
  CHECK(r.grads.at("x").data == expect);

  // With padding 1 the first real position of an edge window is its first.
  a.set("padding", Ints{1, 1});
  r = run_plane(ctx, "max_pool2d", a, Shape{1, 1, 3, 3}, std::vector<float>(9, -1.0f),
                std::vector<float>(9, 1.0f), Shape{1, 1, 3, 3});
  CHECK(r.output.data == std::vector<float>(9, -1.0f));  // padding never wins
  CHECK(r.grads.at("x").data == std::vector<float>{4, 2, 0, 2, 1, 0, 0, 0, 0});
}

TEST_CASE_FIXTURE(test::GpuTest, "max_pool2d breaks a tie in row-major order") {
  // Window 0 has 3 at (0,1) and (1,0): (0,1) comes first. Window 1's maximum
  // 7 appears at (0,2) and (1,3).
  Attrs a{{"kernel", Ints{2, 2}}};
  std::vector<float> x = {1, 3, 7, 5, 3, 2, 6, 7};
  OpResult r = run_plane(ctx, "max_pool2d", a, Shape{1, 1, 2, 4}, x, {10, 20}, Shape{1, 1, 1, 2});
  CHECK(r.output.data == std::vector<float>{3, 7});
  CHECK(r.grads.at("x").data == std::vector<float>{0, 10, 20, 0, 0, 0, 0, 0});
}

TEST_CASE_FIXTURE(test::GpuTest, "avg_pool2d divides as PyTorch does at the edges") {
  // Ones in, so each output is (real positions) / divisor. k3 s2 p1 with
  // ceil_mode on 6: windows start at -1, 1, 3, 5; the last runs past the
  // padding (ends at 7) and is divided by 2 along that axis, not 3.
  Attrs a{{"kernel", Ints{3, 3}}, {"stride", Ints{2, 2}}, {"padding", Ints{1, 1}},
          {"ceil_mode", true}};
  const float real[4] = {2, 3, 3, 1}, padded[4] = {3, 3, 3, 2};
  for (bool include : {true, false}) {
    a.set("count_include_pad", include);
    OpResult r = run_plane(ctx, "avg_pool2d", a, Shape{1, 1, 6, 6}, std::vector<float>(36, 1),
                           std::vector<float>(16, 1), Shape{1, 1, 4, 4});
    for (int i = 0; i < 4; ++i)
      for (int j = 0; j < 4; ++j) {
        float expect = include ? real[i] * real[j] / (padded[i] * padded[j]) : 1.0f;
        CHECK(r.output.data[size_t(i * 4 + j)] == doctest::Approx(expect));
      }
    // Position 0 is only in window 0 along an axis; position 5 is in 2 and 3.
    const float* d = include ? padded : real;
    double g55 = 0;
    for (int i : {2, 3})
      for (int j : {2, 3}) g55 += 1.0 / (d[i] * d[j]);
    CHECK(r.grads.at("x").data[0] == doctest::Approx(1.0 / (d[0] * d[0])));
    CHECK(r.grads.at("x").data[35] == doctest::Approx(g55));
  }
}

std::string refusal(const std::string& op, const Attrs& a, const Shape& x) {
  OpCall call{op, a, {{"x", {x, std::vector<float>(size_t(x.elements()))}}}, std::nullopt, {}};
  try {
    run_op_cpu(call);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST_CASE("pooling refuses bad attributes and shapes with a message naming the op") {
  Shape x{1, 1, 3, 3};
  for (const char* op : {"max_pool2d", "avg_pool2d"}) {
    std::string head = std::string(op) + " '" + op + "': ";
    auto refused = [&](const Attrs& a, const Shape& s, const char* words) {
      std::string m = refusal(op, a, s);
      INFO(m);
      CHECK(m.starts_with(head));
      CHECK(m.find(words) != std::string::npos);
    };
    refused({{"kernel", Ints{6, 6}}, {"padding", Ints{1, 1}}}, x, "larger than x [1,1,3,3]");
    refused({{"kernel", Ints{3, 3}}, {"padding", Ints{2, 1}}}, x, "at most half of kernel");
    refused({{"kernel", Ints{0, 2}}}, x, "kernel must be at least 1");
    refused({{"kernel", Ints{2, 2}}, {"stride", Ints{2, 0}}}, x, "stride must be at least 1");
    refused({{"kernel", Ints{2, 2}}}, Shape{1, 3, 3}, "x must be [N, C, H, W]");
    refused({}, x, "kernel is required");
    refused({{"kernel", Ints{2, 2}}, {"ceil_mode", std::string("yes")}}, x, "ceil_mode");
  }
}

}  // namespace
}  // namespace vkgan
