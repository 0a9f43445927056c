// Batch normalisation in training mode: batch statistics, biased variance.
// engine/dsl.cpp builds it as two nodes, stats = batch_norm_stats(x) and
// y = batch_norm_apply(x, stats, gamma, beta); stats is [2, C] (mean, then
// 1 / sqrt(var + eps)) and x is [N, C] or [N, C, H, W]. With M = N*H*W,
// xhat = (x - mean) * invstd, sum1 = sum(grad_y), sum2 = sum(grad_y * xhat)
// per channel, the derivative rules of batch_norm_apply are
//   grad_beta  = sum1                                   (select_row 0)
//   grad_gamma = sum2                                   (select_row 1)
//   grad_x     = gamma invstd / M (M grad_y - sum1 - xhat sum2)
//   grad_stats = none
// grad_x is the full gradient through the batch statistics, so the rule
// assumes stats is batch_norm_stats(x); batch_norm_stats is constant. The
// sums come from one batch_norm_backward_reduce node.
#include "ops/divide.hpp"
#include "ops/slice.hpp"

namespace vkgan::ops {
namespace {

// x seen as [batch, channels, inner].
struct Layout {
  int64_t batch, channels, inner;
  int64_t per_channel() const { return batch * inner; }
  size_t channel(size_t e) const { return size_t((int64_t(e) / inner) % channels); }
};

Layout layout_of(const Shape& x) {
  return {x[0], x[1], x.rank() == 4 ? x[2] * x[3] : 1};
}

struct NormParams {
  uint32_t batch, channels, inner;
  float eps;
  Divisor by_inner, by_channels;
};
static_assert(sizeof(NormParams) <= kMaxPushConstants);

double eps_of(const Node& n) { return n.attrs.real("eps", 1e-5); }

// Validates x and returns its layout.
Layout check_x(const InferContext& ic) {
  const Shape& x = ic.inputs[0];
  if (x.rank() != 2 && x.rank() != 4) ic.fail("x must be [N, C] or [N, C, H, W], got {}", x);
  if (x.elements() == 0) ic.fail("x {} is empty", x);
  return layout_of(x);
}

void check_input(const InferContext& ic, size_t i, const char* what, const Shape& want) {
  if (ic.inputs[i] != want)
    ic.fail("{} {} must be {} to match x {}", what, ic.inputs[i], want, ic.inputs[0]);
}

NormParams params_of(const KernelContext& kc) {
  Layout l = layout_of(kc.inputs[0]);
  return {uint32_t(l.batch), uint32_t(l.channels), uint32_t(l.inner), float(eps_of(kc.node)),
          make_divisor(uint64_t(l.inner)), make_divisor(uint64_t(l.channels))};
}

// A kernel with one work group per channel, or one invocation per element.
void record(const KernelContext& kc, Dispatch& dp, const char* shader, bool per_channel) {
  use_kernel_texel_inputs(kc, dp, shader);
  NormParams p = params_of(kc);
  dp.set_push(p);
  dp.groups = per_channel ? p.channels : groups_for(kc.inputs[0].elements(), kLocal);
}

Cost norm_cost(const Node& n, const std::vector<Shape>& in, double flops, double x_reads) {
  Cost c = elementwise_cost(n, in, 0);
  c.flops = flops * double(in[0].elements());
  c.bytes += (x_reads - 1) * double(in[0].bytes());
  return c;
}

// Per-channel mean and inverse standard deviation, two-pass in float64.
void stats_cpu(const Node& n, std::span<const CpuTensor* const> in, CpuTensor& out) {
  const CpuTensor& x = *in[0];
  Layout l = layout_of(x.shape);
  std::vector<double> mean(size_t(l.channels)), sq(size_t(l.channels));
  for (size_t e = 0; e < x.data.size(); ++e) mean[l.channel(e)] += x.data[e];
  double m = double(l.per_channel());
  for (double& s : mean) s /= m;
  for (size_t e = 0; e < x.data.size(); ++e) {
    double d = x.data[e] - mean[l.channel(e)];
    sq[l.channel(e)] += d * d;
  }
  for (size_t c = 0; c < mean.size(); ++c) {
    out.data[c] = mean[c];
    out.data[mean.size() + c] = 1.0 / std::sqrt(sq[c] / m + eps_of(n));
  }
}

OpDef stats_op() {
  OpDef d;
  d.name = "batch_norm_stats";
  d.inputs = {"x"};
  d.infer = [](const InferContext& ic) {
    Layout l = check_x(ic);
    if (l.per_channel() == 1)
      ic.fail("x {} has a single value per channel; batch statistics need at least 2",
              ic.inputs[0]);
    if (double eps = ic.attrs.real("eps", 1e-5); !(eps >= 0))
      ic.fail("eps must be non-negative, got {}", eps);
    return Shape{2, l.channels};
  };
  d.cpu = stats_cpu;
  d.kernel = [](const KernelContext& kc, Dispatch& dp) {
    record(kc, dp, "batch_norm_forward_stats", true);
  };
  d.cost = [](const Node& n, const std::vector<Shape>& in) { return norm_cost(n, in, 6, 2); };
  d.constant = true;  // batch_norm_apply's rule differentiates through it
  return d;
}

// Checks stats [2, C], then inputs 2.. against `rest` ("gamma", "beta", ...:
// [C], or "grad_y": x's shape, or "sums": [2, C]).
Layout check_apply_inputs(const InferContext& ic, std::vector<const char*> rest) {
  Layout l = check_x(ic);
  check_input(ic, 1, "stats", Shape{2, l.channels});
  for (size_t i = 0; i < rest.size(); ++i) {
    std::string what = rest[i];
    Shape want = what == "grad_y" ? ic.inputs[0]
                 : what == "sums" ? Shape{2, l.channels}
                                  : Shape{l.channels};
    check_input(ic, i + 2, rest[i], want);
  }
  return l;
}

void apply_cpu(const Node&, std::span<const CpuTensor* const> in, CpuTensor& y) {
  const CpuTensor &x = *in[0], &stats = *in[1], &gamma = *in[2], &beta = *in[3];
  Layout l = layout_of(x.shape);
  size_t nc = size_t(l.channels);
  for (size_t e = 0; e < x.data.size(); ++e) {
    size_t c = l.channel(e);
    double xhat = (x.data[e] - stats.data[c]) * stats.data[nc + c];
    y.data[e] = gamma.data[c] * xhat + beta.data[c];
  }
}

std::vector<NodeId> apply_grad(GradBuilder& g) {
  std::vector<NodeId> out(4, kNoNode);
  if (!g.wants(0) && !g.wants(2) && !g.wants(3)) return out;
  NodeId x = g.input(0), stats = g.input(1), gamma = g.input(2), grad_y = g.output();
  NodeId sums = g.add("batch_norm_backward_reduce", "grad_sums", {x, stats, grad_y});
  if (g.wants(0))
    out[0] = g.add("batch_norm_backward_data", "grad_x", {x, stats, gamma, grad_y, sums});
  if (g.wants(2)) out[2] = g.add("select_row", "grad_gamma", {sums}, {{"row", int64_t(1)}});
  if (g.wants(3)) out[3] = g.add("select_row", "grad_beta", {sums}, {{"row", int64_t(0)}});
  return out;
}

OpDef apply_op() {
  OpDef d;
  d.name = "batch_norm_apply";
  d.inputs = {"x", "stats", "gamma", "beta"};
  d.infer = [](const InferContext& ic) {
    check_apply_inputs(ic, {"gamma", "beta"});
    return ic.inputs[0];
  };
  d.cpu = apply_cpu;
  d.grad = apply_grad;
  d.kernel = [](const KernelContext& kc, Dispatch& dp) {
    record(kc, dp, "batch_norm_forward", false);
  };
  d.cost = [](const Node& n, const std::vector<Shape>& in) { return norm_cost(n, in, 4, 1); };
  return d;
}

// sums [2, C]: sum(grad_y) and sum(grad_y * xhat) per channel.
void reduce_cpu(const Node&, std::span<const CpuTensor* const> in, CpuTensor& sums) {
  const CpuTensor &x = *in[0], &stats = *in[1], &grad_y = *in[2];
  Layout l = layout_of(x.shape);
  size_t nc = size_t(l.channels);
  for (size_t e = 0; e < x.data.size(); ++e) {
    size_t c = l.channel(e);
    double xhat = (x.data[e] - stats.data[c]) * stats.data[nc + c];
    sums.data[c] += grad_y.data[e];
    sums.data[nc + c] += grad_y.data[e] * xhat;
  }
}

OpDef backward_reduce_op() {
  OpDef d;
  d.name = "batch_norm_backward_reduce";
  d.inputs = {"x", "stats", "grad_y"};
  d.infer = [](const InferContext& ic) {
    Layout l = check_apply_inputs(ic, {"grad_y"});
    return Shape{2, l.channels};
  };
  d.cpu = reduce_cpu;
  d.kernel = [](const KernelContext& kc, Dispatch& dp) {
    record(kc, dp, "batch_norm_backward_reduce", true);
  };
  d.cost = [](const Node& n, const std::vector<Shape>& in) { return norm_cost(n, in, 5, 1); };
  return d;
}

void data_cpu(const Node&, std::span<const CpuTensor* const> in, CpuTensor& grad_x) {
  const CpuTensor &x = *in[0], &stats = *in[1], &gamma = *in[2], &grad_y = *in[3];
  const CpuTensor& sums = *in[4];
  Layout l = layout_of(x.shape);
  size_t nc = size_t(l.channels);
  double m = double(l.per_channel());
  for (size_t e = 0; e < x.data.size(); ++e) {
    size_t c = l.channel(e);
    double invstd = stats.data[nc + c], xhat = (x.data[e] - stats.data[c]) * invstd;
    double centred = m * grad_y.data[e] - sums.data[c] - xhat * sums.data[nc + c];
    grad_x.data[e] = gamma.data[c] * invstd / m * centred;
  }
}

OpDef backward_data_op() {
  OpDef d;
  d.name = "batch_norm_backward_data";
  d.inputs = {"x", "stats", "gamma", "grad_y", "sums"};
  d.infer = [](const InferContext& ic) {
    check_apply_inputs(ic, {"gamma", "grad_y", "sums"});
    return ic.inputs[0];
  };
  d.cpu = data_cpu;
  d.kernel = [](const KernelContext& kc, Dispatch& dp) {
    record(kc, dp, "batch_norm_backward_data", false);
  };
  d.cost = [](const Node& n, const std::vector<Shape>& in) { return norm_cost(n, in, 8, 1); };
  return d;
}

// y [C] = x [R, C] row `row`: grad_beta and grad_gamma out of the sums, a
// slice of length 1 along axis 0.
OpDef select_row_op() {
  OpDef d;
  d.name = "select_row";
  d.inputs = {"x"};
  d.infer = [](const InferContext& ic) {
    const Shape& x = ic.inputs[0];
    if (x.rank() != 2) ic.fail("x must be [rows, columns], got {}", x);
    int64_t row = ic.attrs.integer("row", 0);
    if (row < 0 || row >= x[0]) ic.fail("row {} is out of range for x {}", row, x);
    return Shape{x[1]};
  };
  d.cpu = [](const Node& n, std::span<const CpuTensor* const> in, CpuTensor& y) {
    auto from = in[0]->data.begin() + n.attrs.integer("row", 0) * in[0]->shape[1];
    std::copy(from, from + in[0]->shape[1], y.data.begin());
  };
  d.kernel = [](const KernelContext& kc, Dispatch& dp) {
    const Shape& x = kc.inputs[0];
    record_slice(kc, dp, x[1], x[0], kc.node.attrs.integer("row", 0), 1);
  };
  d.cost = [](const Node& n, const std::vector<Shape>&) {
    return Cost{0, 2.0 * double(n.shape.bytes())};
  };
  return d;
}

}  // namespace

void register_batch_norm(std::vector<OpDef>& out) {
  out.push_back(stats_op());
  out.push_back(apply_op());
  out.push_back(backward_reduce_op());
  out.push_back(backward_data_op());
  out.push_back(select_row_op());
}

}  // namespace vkgan::ops
