// upsample_nearest2d and upsample_bilinear2d: device against the CPU
// reference and the reference against finite differences over randomised
// shapes and scales (fixed seeds), plus source coordinates worked by hand.
#include <doctest/doctest.h>

#include <random>

#include "engine/op_runner.hpp"
#include "tests/ops/op_check.hpp"
#include "tests/support.hpp"

namespace vkgan {
namespace {

using test::check_op;

using Ints = std::vector<int64_t>;

// Random shape and scale; some trials force a scale of 1 or a size of 1
// along one axis.
std::pair<Ints, Shape> random_upsample(std::mt19937& rng, int trial) {
  auto pick = [&](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  };
  Ints scale{pick(1, 4), pick(1, 4)};
  Shape s{trial % 4 == 0 ? 1 : pick(1, 3), pick(1, 4), pick(1, 9), pick(1, 9)};
  if (trial % 6 == 1) scale[size_t(trial / 6 % 2)] = 1;
  if (trial % 6 == 3) s[2 + size_t(trial / 6 % 2)] = 1;
  return {scale, s};
}

TEST_CASE_FIXTURE(test::GpuTest,
                  "upsample_nearest2d matches the reference and finite differences") {
  std::mt19937 rng(31);
  for (int trial = 0; trial < 30; ++trial) {
    auto [scale, s] = random_upsample(rng, trial);
    CHECK(check_op("upsample_nearest2d", {{"scale", scale}}, {{"x", s}}, 3100 + uint32_t(trial)));
  }
}

TEST_CASE_FIXTURE(test::GpuTest,
                  "upsample_bilinear2d matches the reference and finite differences") {
  std::mt19937 rng(32);
  for (int trial = 0; trial < 40; ++trial) {
    auto [scale, s] = random_upsample(rng, trial);
    Attrs a{{"scale", scale}, {"align_corners", trial % 2 == 0}};
    CHECK(check_op("upsample_bilinear2d", a, {{"x", s}}, 3200 + uint32_t(trial)));
  }
}

TEST_CASE_FIXTURE(test::GpuTest, "upsampling the upgan28 shapes matches the reference") {
  Attrs a{{"scale", Ints{2, 2}}};
  CHECK(check_op("upsample_nearest2d", a, {{"x", Shape{64, 128, 7, 7}}}, 3301));
  CHECK(check_op("upsample_nearest2d", a, {{"x", Shape{64, 64, 14, 14}}}, 3302));
  CHECK(check_op("upsample_bilinear2d", a, {{"x", Shape{64, 64, 14, 14}}}, 3303));
}

OpResult run_row(Context& ctx, const std::string& op, const Attrs& a, std::vector<float> x,
                 std::vector<float> dy) {
  int64_t w = int64_t(x.size()), out_w = int64_t(dy.size());
  OpCall call{op, a, {{"x", {Shape{1, 1, 1, w}, std::move(x)}}},
              HostTensor{Shape{1, 1, 1, out_w}, std::move(dy)}, {"x"}};
  return run_op_device(ctx, call);
}

TEST_CASE_FIXTURE(test::GpuTest, "upsample_nearest2d copies each input to its block") {
  OpCall call{"upsample_nearest2d", {{"scale", Ints{2, 3}}},
              {{"x", {Shape{1, 1, 2, 2}, {1, 2, 3, 4}}}},
              HostTensor{Shape{1, 1, 4, 6}, std::vector<float>(24, 0.5f)}, {"x"}};
  OpResult r = run_op_device(ctx, call);
  std::vector<float> expect = {1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2,
                               3, 3, 3, 4, 4, 4, 3, 3, 3, 4, 4, 4};
  CHECK(r.output.data == expect);
  CHECK(r.grads.at("x").data == std::vector<float>(4, 3.0f));  // six halves each
}

TEST_CASE_FIXTURE(test::GpuTest, "upsample_bilinear2d follows PyTorch's source coordinates") {
  // x = [0, 1] along w, scale 4: the output is the source coordinate itself.
  std::vector<float> dy = {1, 2, 3, 4, 5, 6, 7, 8};
  Attrs a{{"scale", Ints{1, 4}}, {"align_corners", false}};
  OpResult r = run_row(ctx, "upsample_bilinear2d", a, {0, 1}, dy);
  // max((d + 0.5) / 4 - 0.5, 0), clamped to the last input.
  std::vector<double> src = {0, 0, 0.125, 0.375, 0.625, 0.875, 1, 1};
  double g1 = 0;
  for (size_t d = 0; d < 8; ++d) {
    CHECK(r.output.data[d] == doctest::Approx(src[d]));
    g1 += src[d] * dy[d];
  }
  CHECK(r.grads.at("x").data[1] == doctest::Approx(g1));
  CHECK(r.grads.at("x").data[0] == doctest::Approx(36.0 - g1));

  // align_corners: d * (in - 1) / (out - 1) = d / 7.
  a.set("align_corners", true);
  r = run_row(ctx, "upsample_bilinear2d", a, {0, 1}, dy);
  g1 = 0;
  for (size_t d = 0; d < 8; ++d) {
    CHECK(r.output.data[d] == doctest::Approx(double(d) / 7));
    g1 += double(d) / 7 * dy[d];
  }
  CHECK(r.grads.at("x").data[1] == doctest::Approx(g1));
  CHECK(r.grads.at("x").data[0] == doctest::Approx(36.0 - g1));

  // One input along an axis: every output copies it, either way.
  r = run_row(ctx, "upsample_bilinear2d", a, {5}, {1, 2, 3, 4});
  CHECK(r.output.data == std::vector<float>(4, 5.0f));
  CHECK(r.grads.at("x").data[0] == doctest::Approx(10.0));
}

TEST_CASE("upsampling refuses bad scales with a message naming the op") {
  for (const char* op : {"upsample_nearest2d", "upsample_bilinear2d"}) {
    std::string head = std::string(op) + " '" + op + "': ";
    auto refused = [&](const Attrs& a, const Shape& s, const char* words) {
      OpCall call{op, a, {{"x", {s, std::vector<float>(size_t(s.elements()))}}}, std::nullopt,
                  {}};
      std::string m;
      try {
        run_op_cpu(call);
      } catch (const Error& e) {
        m = e.what();
      }
      INFO(m);
      CHECK(m.starts_with(head));
      CHECK(m.find(words) != std::string::npos);
    };
    Shape x{1, 2, 3, 3};
    refused({{"scale", Ints{0, 2}}}, x, "scale must be at least 1");
    refused({}, x, "scale is required");
    refused({{"scale", 1.5}}, x, "scale");
    refused({{"scale", Ints{2, 2}}}, Shape{2, 3, 3}, "x must be [N, C, H, W]");
  }
}

}  // namespace
}  // namespace vkgan
