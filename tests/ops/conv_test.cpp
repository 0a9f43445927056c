// conv2d and conv_transpose2d: device against the CPU reference and the
// reference against finite differences over randomised shapes and attributes
// (fixed seeds), the model shapes, adjointness, exact values worked by hand,
// run-to-run determinism, costs and refusals.
#include <doctest/doctest.h>

#include <random>

#include "engine/autodiff.hpp"
#include "engine/cost.hpp"
#include "engine/dsl.hpp"
#include "engine/op_runner.hpp"
#include "tests/ops/op_check.hpp"
#include "tests/support.hpp"

namespace vkgan {
namespace {

using test::check_op;
using test::OpCheckInput;
using test::OpCheckOptions;

using Ints = std::vector<int64_t>;

struct Case {
  Attrs attrs;
  std::vector<OpCheckInput> inputs;
};

int64_t pick(std::mt19937& rng, int64_t lo, int64_t hi) {
  return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
}

// Random valid conv2d: odd and non-square sizes, N = 1 every fourth trial,
// strides above the kernel, dilation every third, groups every fifth.
Case random_conv2d(std::mt19937& rng, int trial) {
  int64_t groups = trial % 5 == 3 ? pick(rng, 2, 3) : 1;
  int64_t c = groups * pick(rng, 1, 3), co = groups * pick(rng, 1, 3);
  int64_t kh = pick(rng, 1, 5), kw = pick(rng, 1, 5), sh = pick(rng, 1, 3), sw = pick(rng, 1, 3);
  int64_t dh = trial % 3 == 1 ? pick(rng, 1, 3) : 1, dw = trial % 3 == 1 ? pick(rng, 1, 3) : 1;
  int64_t ph = pick(rng, 0, 2), pw = pick(rng, 0, 2);
  int64_t h = std::max(pick(rng, 1, 11), dh * (kh - 1) + 1 - 2 * ph);
  int64_t w = std::max(pick(rng, 1, 11), dw * (kw - 1) + 1 - 2 * pw);
  int64_t n = trial % 4 == 0 ? 1 : pick(rng, 1, 3);
  Case k{{{"stride", Ints{sh, sw}}, {"padding", Ints{ph, pw}}, {"dilation", Ints{dh, dw}},
          {"groups", groups}},
         {{"x", Shape{n, c, h, w}}, {"w", Shape{co, c / groups, kh, kw}}}};
  if (trial % 3 != 2) k.inputs.push_back({"b", Shape{co}});
  return k;
}

// Random valid conv_transpose2d, output_padding below the stride or the
// dilation, with the same spread as random_conv2d.
Case random_transposed(std::mt19937& rng, int trial) {
  int64_t groups = trial % 5 == 3 ? pick(rng, 2, 3) : 1;
  int64_t c = groups * pick(rng, 1, 3), co = groups * pick(rng, 1, 3);
  int64_t kh = pick(rng, 1, 5), kw = pick(rng, 1, 5), sh = pick(rng, 1, 3), sw = pick(rng, 1, 3);
  int64_t dh = trial % 3 == 1 ? pick(rng, 1, 3) : 1, dw = trial % 3 == 1 ? pick(rng, 1, 3) : 1;
  int64_t oh = pick(rng, 0, std::max(sh, dh) - 1), ow = pick(rng, 0, std::max(sw, dw) - 1);
  int64_t h = pick(rng, 1, 7), w = pick(rng, 1, 7);
  // Padding may not eat the whole output.
  int64_t ph = std::min(pick(rng, 0, 2), ((h - 1) * sh + dh * (kh - 1) + oh) / 2);
  int64_t pw = std::min(pick(rng, 0, 2), ((w - 1) * sw + dw * (kw - 1) + ow) / 2);
  int64_t n = trial % 4 == 0 ? 1 : pick(rng, 1, 3);
  Case k{{{"stride", Ints{sh, sw}}, {"padding", Ints{ph, pw}}, {"dilation", Ints{dh, dw}},
          {"output_padding", Ints{oh, ow}}, {"groups", groups}},
         {{"x", Shape{n, c, h, w}}, {"w", Shape{c, co / groups, kh, kw}}}};
  if (trial % 3 != 2) k.inputs.push_back({"b", Shape{co}});
  return k;
}

Attrs conv_attrs(int64_t s, int64_t p, int64_t d = 1, int64_t groups = 1) {
  return {{"stride", Ints{s, s}}, {"padding", Ints{p, p}}, {"dilation", Ints{d, d}},
          {"groups", groups}};
}

TEST_CASE_FIXTURE(test::GpuTest, "conv2d matches the reference and finite differences") {
  std::mt19937 rng(31);
  for (int trial = 0; trial < 40; ++trial) {
    Case k = random_conv2d(rng, trial);
    CHECK(check_op("conv2d", k.attrs, k.inputs, 3100 + uint32_t(trial)));
  }
}

TEST_CASE_FIXTURE(test::GpuTest,
                  "conv_transpose2d matches the reference and finite differences") {
  std::mt19937 rng(32);
  for (int trial = 0; trial < 40; ++trial) {
    Case k = random_transposed(rng, trial);
    CHECK(check_op("conv_transpose2d", k.attrs, k.inputs, 3200 + uint32_t(trial)));
  }
}

TEST_CASE_FIXTURE(test::GpuTest, "conv2d matches the reference on shapes that span many tiles") {
  // Tails in every direction: 70 output channels, 646 pixels, 180 weight
  // columns; a grouped stride-2 layer; a 1x1 kernel down to one channel.
  OpCheckOptions o;
  o.fd_samples = 4;
  CHECK(check_op("conv2d", conv_attrs(1, 1), {{"x", Shape{2, 20, 17, 19}},
                 {"w", Shape{70, 20, 3, 3}}, {"b", Shape{70}}}, 3301, o));
  CHECK(check_op("conv2d", conv_attrs(2, 0, 1, 2), {{"x", Shape{3, 34, 9, 13}},
                 {"w", Shape{18, 17, 3, 3}}}, 3302, o));
  CHECK(check_op("conv2d", conv_attrs(1, 0), {{"x", Shape{1, 3, 40, 30}},
                 {"w", Shape{1, 3, 1, 1}}, {"b", Shape{1}}}, 3303, o));
}

TEST_CASE_FIXTURE(test::GpuTest,
                  "conv_transpose2d with groups, unequal channels, output_padding and "
                  "dilation matches the reference") {
  OpCheckOptions o;
  o.fd_samples = 6;
  // 6 -> 10 channels in 2 groups, stride 2 with output_padding 1.
  Attrs a{{"stride", Ints{2, 2}}, {"padding", Ints{1, 1}}, {"output_padding", Ints{1, 1}},
          {"groups", int64_t(2)}};
  CHECK(check_op("conv_transpose2d", a, {{"x", Shape{2, 6, 5, 4}}, {"w", Shape{6, 5, 3, 3}},
                 {"b", Shape{10}}}, 3401, o));
  // Dilation 2 with stride 2: odd output rows and columns get no tap at all.
  a = {{"stride", Ints{2, 2}}, {"padding", Ints{1, 2}}, {"dilation", Ints{2, 2}},
       {"output_padding", Ints{1, 1}}};
  CHECK(check_op("conv_transpose2d", a, {{"x", Shape{2, 3, 4, 5}}, {"w", Shape{3, 4, 3, 2}},
                 {"b", Shape{4}}}, 3402, o));
  // Stride 3 with dilation 2; output_padding 2 is allowed by the stride.
  a = {{"stride", Ints{3, 3}}, {"padding", Ints{2, 1}}, {"dilation", Ints{2, 2}},
       {"output_padding", Ints{2, 1}}, {"groups", int64_t(3)}};
  CHECK(check_op("conv_transpose2d", a, {{"x", Shape{1, 6, 3, 4}}, {"w", Shape{6, 2, 4, 3}}},
                 3403, o));
  // Stride 1 with dilation 3: output_padding 2 is allowed by the dilation.
  a = {{"dilation", Ints{3, 3}}, {"output_padding", Ints{2, 2}}};
  CHECK(check_op("conv_transpose2d", a, {{"x", Shape{2, 2, 4, 4}}, {"w", Shape{2, 3, 2, 2}},
                 {"b", Shape{3}}}, 3404, o));
  // 130 output channels, and weight gradients of 2080 columns.
  CHECK(check_op("conv_transpose2d", conv_attrs(2, 1), {{"x", Shape{1, 5, 3, 3}},
                 {"w", Shape{5, 130, 4, 4}}}, 3405, o));
}

TEST_CASE_FIXTURE(test::GpuTest, "convolutions of the dcgan28 and upgan28 shapes match") {
  OpCheckOptions o;
  o.fd_samples = 2;
  // The discriminator's and generator's layers at batch 2.
  CHECK(check_op("conv2d", conv_attrs(2, 1), {{"x", Shape{2, 1, 28, 28}},
                 {"w", Shape{64, 1, 4, 4}}, {"b", Shape{64}}}, 3501, o));
  CHECK(check_op("conv2d", conv_attrs(2, 1), {{"x", Shape{2, 64, 14, 14}},
                 {"w", Shape{128, 64, 4, 4}}, {"b", Shape{128}}}, 3502, o));
  CHECK(check_op("conv_transpose2d", conv_attrs(2, 1), {{"x", Shape{2, 128, 7, 7}},
                 {"w", Shape{128, 64, 4, 4}}, {"b", Shape{64}}}, 3503, o));
  CHECK(check_op("conv_transpose2d", conv_attrs(2, 1), {{"x", Shape{2, 64, 14, 14}},
                 {"w", Shape{64, 1, 4, 4}}, {"b", Shape{1}}}, 3504, o));
  CHECK(check_op("conv2d", conv_attrs(1, 1), {{"x", Shape{2, 128, 14, 14}},
                 {"w", Shape{64, 128, 3, 3}}, {"b", Shape{64}}}, 3505, o));
  CHECK(check_op("conv2d", conv_attrs(1, 1), {{"x", Shape{2, 64, 28, 28}},
                 {"w", Shape{1, 64, 3, 3}}, {"b", Shape{1}}}, 3506, o));
}

double dot(const std::vector<float>& a, const std::vector<float>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += double(a[i]) * double(b[i]);
  return s;
}

TEST_CASE_FIXTURE(test::GpuTest, "conv_transpose2d is the adjoint of conv2d on the device") {
  // <conv2d(x, w), u> = <x, conv_transpose2d(u, w)> for one weight tensor,
  // output_padding making the transposed output as large as x.
  std::mt19937 rng(36);
  for (int trial = 0; trial < 8; ++trial) {
    Case k = random_conv2d(rng, trial);
    Shape xs = k.inputs[0].shape, ws = k.inputs[1].shape;
    HostTensor x = test::random_tensor(xs, rng), w = test::random_tensor(ws, rng);
    OpCall fwd{"conv2d", k.attrs, {{"x", x}, {"w", w}}, std::nullopt, {}};
    HostTensor y = run_op_device(ctx, fwd).output;
    HostTensor u = test::random_tensor(y.shape, rng);

    Ints s = k.attrs.ints("stride", {}), p = k.attrs.ints("padding", {});
    Ints d = k.attrs.ints("dilation", {}), extra(2);
    for (size_t i = 0; i < 2; ++i)
      extra[i] = (xs[2 + i] + 2 * p[i] - d[i] * (ws[2 + i] - 1) - 1) % s[i];
    Attrs ta = k.attrs;
    ta.set("output_padding", extra);
    OpCall back{"conv_transpose2d", ta, {{"x", u}, {"w", w}}, std::nullopt, {}};
    HostTensor v = run_op_device(ctx, back).output;
    REQUIRE(v.shape == xs);
    double lhs = dot(y.data, u.data), rhs = dot(x.data, v.data);
    INFO("conv2d {" << k.attrs.str() << "} x" << xs.str() << " w" << ws.str());
    CHECK(std::abs(lhs - rhs) <= 1e-5 * (std::abs(lhs) + 1.0));
  }
}

TEST_CASE_FIXTURE(test::GpuTest, "convolutions of known values are exact") {
  // 3x4 ramp by a 2x2 kernel of powers of ten, plus a bias of 0.5.
  HostTensor x{Shape{1, 1, 3, 4}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}};
  HostTensor w{Shape{1, 1, 2, 2}, {1, 10, 100, 1000}}, b{Shape{1}, {0.5f}};
  OpCall call{"conv2d", {}, {{"x", x}, {"w", w}, {"b", b}}, std::nullopt, {}};
  std::vector<float> expect(6);
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j) {
      float tl = float(i * 4 + j + 1);
      expect[size_t(i * 3 + j)] = tl + 10 * (tl + 1) + 100 * (tl + 4) + 1000 * (tl + 5) + 0.5f;
    }
  CHECK(run_op_device(ctx, call).output.data == expect);

  // Stride 2 with a 2x2 kernel tiles the output with scaled copies of w.
  HostTensor small{Shape{1, 1, 2, 2}, {1, 2, 3, 4}};
  call = {"conv_transpose2d", {{"stride", Ints{2, 2}}}, {{"x", small}, {"w", w}},
          std::nullopt, {}};
  std::vector<float> tiled(16);
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j)
      tiled[size_t(i * 4 + j)] = small.data[size_t(i / 2 * 2 + j / 2)] *
                                 w.data[size_t(i % 2 * 2 + j % 2)];
  CHECK(run_op_device(ctx, call).output.data == tiled);
}

TEST_CASE_FIXTURE(test::GpuTest, "convolutions give the same bits on every run") {
  std::mt19937 rng(37);
  Attrs a = conv_attrs(2, 1);
  // conv2d 16 -> 32 on 14x14 and conv_transpose2d 32 -> 16 on 7x7.
  for (bool transposed : {false, true}) {
    std::string op = transposed ? "conv_transpose2d" : "conv2d";
    Shape xs = transposed ? Shape{3, 32, 7, 7} : Shape{3, 16, 14, 14};
    Shape ws{32, 16, 4, 4};  // 32 of the 16-channel filters, or 32 in to 16 out
    Shape bs{transposed ? 16 : 32};
    OpCall call{op, a, {{"x", test::random_tensor(xs, rng)}, {"w", test::random_tensor(ws, rng)},
                        {"b", test::random_tensor(bs, rng)}}, std::nullopt, {"x", "w", "b"}};
    Shape ys = run_op_cpu({op, a, call.inputs, std::nullopt, {}}).output.shape;
    call.dy = test::random_tensor(ys, rng);
    OpResult first = run_op_device(ctx, call), second = run_op_device(ctx, call);
    CHECK(first.output.data == second.output.data);
    for (const char* in : {"x", "w", "b"})
      CHECK(first.grads.at(in).data == second.grads.at(in).data);
  }
}

TEST_CASE("convolution costs count two FLOPs per multiply-add, in every pass") {
  // dcgan28's conv 64 -> 128 k4 s2 p1 on 14x14 and its transposed twin; each
  // of the three passes does N * Co * 7 * 7 * C * 4 * 4 multiply-adds.
  for (bool transposed : {false, true}) {
    Graph g;
    Shape xs = transposed ? Shape{64, 128, 7, 7} : Shape{64, 64, 14, 14};
    Shape bs{transposed ? 64 : 128};
    NodeId x = input(g, "x", xs).id, w = input(g, "w", Shape{128, 64, 4, 4}).id;
    NodeId b = input(g, "b", bs).id;
    NodeId y = g.add(transposed ? "conv_transpose2d" : "conv2d", "conv", {x, w, b},
                     conv_attrs(2, 1));
    Gradients grads = differentiate(g, y, {x, w}, input(g, "dy", g.shape(y)).id);
    double macs = 64.0 * 128 * 7 * 7 * 64 * 16;
    Cost c = node_cost(g, y);
    CHECK(c.flops == 2 * macs);
    double bytes = 4.0 * double(xs.elements() + 128 * 64 * 16 + bs[0] + g.shape(y).elements());
    CHECK(c.bytes == bytes);
    CHECK(node_cost(g, grads.of.at(x)).flops == 2 * macs);
    CHECK(node_cost(g, grads.of.at(w)).flops == 2 * macs);
  }
}

std::string refusal(const std::string& op, const Attrs& a, const Shape& x, const Shape& w,
                    const Shape* b = nullptr) {
  auto zeros = [](const Shape& s) {
    return HostTensor{s, std::vector<float>(size_t(s.elements()))};
  };
  OpCall call{op, a, {{"x", zeros(x)}, {"w", zeros(w)}}, std::nullopt, {}};
  if (b) call.inputs.push_back({"b", zeros(*b)});
  try {
    run_op_cpu(call);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

void check_refused(const std::string& op, const Attrs& a, const Shape& x, const Shape& w,
                   const char* words, const Shape* b = nullptr) {
  std::string m = refusal(op, a, x, w, b);
  INFO(m);
  CHECK(m.starts_with(op + " '" + op + "': "));
  CHECK(m.find(words) != std::string::npos);
}

TEST_CASE("conv2d refuses bad shapes and attributes naming the shapes") {
  const char* op = "conv2d";
  Shape x{1, 3, 6, 6}, w{4, 3, 3, 3}, bad_b{5};
  check_refused(op, {}, x, Shape{4, 2, 3, 3},
                "weight [4,2,3,3] expects 2 input channels, got x [1,3,6,6]");
  check_refused(op, {{"groups", int64_t(4)}}, Shape{1, 6, 5, 5}, Shape{4, 1, 3, 3},
                "groups 4 must divide the 6 input channels of x [1,6,5,5]");
  check_refused(op, {{"groups", int64_t(3)}}, Shape{1, 6, 5, 5}, Shape{4, 2, 3, 3},
                "groups 3 must divide the 4 output channels of weight [4,2,3,3]");
  check_refused(op, {{"groups", int64_t(2)}}, Shape{1, 6, 5, 5}, Shape{4, 2, 3, 3},
                "weight [4,2,3,3] expects 4 input channels (2 per group, 2 groups)");
  check_refused(op, {{"groups", int64_t(0)}}, x, w, "groups must be at least 1");
  check_refused(op, {}, x, Shape{4, 3, 0, 3}, "weight [4,3,0,3] has a zero-size kernel");
  check_refused(op, {{"padding", Ints{-1, -1}}}, x, w, "padding must be at least 0");
  check_refused(op, {{"stride", Ints{1, 0}}}, x, w, "stride must be at least 1");
  check_refused(op, {{"dilation", Ints{0, 1}}}, x, w, "dilation must be at least 1");
  check_refused(op, {}, x, w, "b [5] must be [4] to match weight [4,3,3,3]", &bad_b);
  check_refused(op, {{"dilation", Ints{3, 3}}}, x, w,
                "x [1,3,6,6] padded by [0,0] is smaller than weight [4,3,3,3]'s kernel");
  check_refused(op, {}, Shape{3, 6, 6}, w, "x must be [N,C,H,W], got [3,6,6]");
  check_refused(op, {}, Shape{0, 3, 6, 6}, w, "x [0,3,6,6] is empty");
}

TEST_CASE("conv_transpose2d refuses bad shapes and attributes naming the shapes") {
  const char* op = "conv_transpose2d";
  Shape x{1, 2, 4, 4}, w{2, 3, 3, 3}, bad_b{2};
  check_refused(op, {{"stride", Ints{2, 2}}, {"output_padding", Ints{2, 2}}}, x, w,
                "output_padding [2,2] must be smaller than the stride [2,2] or the dilation");
  check_refused(op, {}, x, Shape{3, 3, 3, 3},
                "weight [3,3,3,3] expects 3 input channels, got x [1,2,4,4]");
  check_refused(op, {{"groups", int64_t(2)}}, Shape{1, 3, 4, 4}, Shape{3, 1, 3, 3},
                "groups 2 must divide the 3 input channels of x [1,3,4,4]");
  check_refused(op, {}, x, w, "b [2] must be [3] to match weight [2,3,3,3]", &bad_b);
  check_refused(op, {{"padding", Ints{3, 3}}}, Shape{1, 2, 1, 1}, w, "gives an output of -3x-3");
  check_refused(op, {}, x, Shape{2, 3, 3, 0}, "weight [2,3,3,0] has a zero-size kernel");
}

}  // namespace
}  // namespace vkgan
