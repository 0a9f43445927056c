// concat and slice: device against the CPU reference and the reference
// against finite differences over random ranks, axes (negative ones too) and
// lengths; known values; and the refusals.
#include <doctest/doctest.h>

#include <random>

#include "engine/op_runner.hpp"
#include "tests/ops/op_check.hpp"
#include "tests/support.hpp"

namespace vkgan {
namespace {

using test::check_op;

using test::random_shape;

// The error message of a call that must be refused ("" when it is not).
std::string refusal(const OpCall& call) {
  return test::error_of([&] { run_op_cpu(call); });
}

HostTensor ones(const Shape& s) {
  return {s, std::vector<float>(size_t(s.elements()), 1.0f)};
}

TEST_CASE_FIXTURE(test::GpuTest, "concat matches the reference and finite differences") {
  std::mt19937 rng(41);
  for (int trial = 0; trial < 30; ++trial) {
    size_t rank = 1 + size_t(trial % 4);
    Shape x = random_shape(rng, rank, 7), y = x;
    int64_t axis = std::uniform_int_distribution<int64_t>(0, int64_t(rank) - 1)(rng);
    y[size_t(axis)] = std::uniform_int_distribution<int64_t>(1, 9)(rng);
    if (trial % 3 == 1) axis -= int64_t(rank);  // the same axis counted from the end
    CHECK(check_op("concat", {{"axis", axis}}, {{"x", x}, {"y", y}}, 4100 + trial));
  }
}

TEST_CASE_FIXTURE(test::GpuTest, "slice matches the reference") {
  std::mt19937 rng(42);
  for (int trial = 0; trial < 24; ++trial) {
    size_t rank = 1 + size_t(trial % 4);
    Shape x = random_shape(rng, rank, 8);
    int64_t axis = std::uniform_int_distribution<int64_t>(0, int64_t(rank) - 1)(rng);
    int64_t len = x[size_t(axis)];
    int64_t start = std::uniform_int_distribution<int64_t>(0, len - 1)(rng);
    int64_t length = std::uniform_int_distribution<int64_t>(1, len - start)(rng);
    Attrs a{{"axis", trial % 2 ? axis - int64_t(rank) : axis}, {"start", start},
            {"length", length}};
    CHECK(check_op("slice", a, {{"x", x, false}}, 4200 + trial));
  }
}

TEST_CASE_FIXTURE(test::GpuTest, "concat of known values puts x first") {
  HostTensor x{Shape{2, 2}, {1, 2, 3, 4}}, y{Shape{2, 1}, {5, 6}};
  OpCall call{"concat", {{"axis", int64_t(-1)}}, {{"x", x}, {"y", y}},
              HostTensor{Shape{2, 3}, {10, 20, 30, 40, 50, 60}}, {"x", "y"}};
  OpResult r = run_op_device(ctx, call);
  CHECK(r.output.shape == Shape{2, 3});
  CHECK(r.output.data == std::vector<float>{1, 2, 5, 3, 4, 6});
  CHECK(r.grads.at("x").data == std::vector<float>{10, 20, 40, 50});
  CHECK(r.grads.at("y").data == std::vector<float>{30, 60});
}

TEST_CASE("concat refuses mismatched shapes and axes out of range") {
  auto call = [](Shape x, Shape y, int64_t axis) {
    return OpCall{"concat", {{"axis", axis}}, {{"x", ones(x)}, {"y", ones(y)}}, std::nullopt,
                  {}};
  };
  std::string dim = refusal(call(Shape{2, 3, 4}, Shape{2, 5, 5}, 1));
  CHECK(dim.find("concat") != std::string::npos);
  CHECK(dim.find("x [2,3,4] and y [2,5,5] differ in dimension 2") != std::string::npos);
  std::string rank = refusal(call(Shape{2, 3}, Shape{2, 3, 1}, 0));
  CHECK(rank.find("x [2,3] and y [2,3,1] differ in rank") != std::string::npos);
  std::string axis = refusal(call(Shape{2, 3}, Shape{2, 3}, 2));
  CHECK(axis.find("axis 2 is out of range for x [2,3] and y [2,3]") != std::string::npos);
  CHECK(refusal(call(Shape{2, 3}, Shape{2, 3}, -3)).find("axis -3") != std::string::npos);
  OpCall slice{"slice", {{"axis", int64_t(1)}, {"start", int64_t(2)}, {"length", int64_t(2)}},
               {{"x", ones(Shape{4, 3})}}, std::nullopt, {}};
  CHECK(refusal(slice).find("do not fit in x [4,3] along axis 1") != std::string::npos);
}

}  // namespace
}  // namespace vkgan
