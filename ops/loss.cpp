// Losses with a scalar output (reduction "mean", the default, or "sum"):
//   bce_with_logits  max(x,0) - x t + log(1 + exp(-|x|))   d/dx = sigmoid(x) - t
//   bce              -(t log x + (1-t) log(1-x)), logs clamped at -100
//                    d/dx = (x - t) / max(x (1-x), 1e-12)
//   mse              (x - t)^2                             d/dx = 2 (x - t)
// The target gets no gradient.
#include "ops/common.hpp"

namespace vkgan::ops {
namespace {

struct Kind {
  const char* name;
  uint32_t code;
};

constexpr Kind kKinds[] = {{"bce_with_logits", 0}, {"bce", 1}, {"mse", 2}};

double term(uint32_t kind, double x, double t) {
  if (kind == 0) return std::max(x, 0.0) - x * t + std::log1p(std::exp(-std::abs(x)));
  if (kind == 1)
    return -(t * std::max(std::log(x), -100.0) + (1 - t) * std::max(std::log(1 - x), -100.0));
  return (x - t) * (x - t);
}

double derivative(uint32_t kind, double x, double t) {
  if (kind == 0) return (x >= 0 ? 1 / (1 + std::exp(-x)) : std::exp(x) / (1 + std::exp(x))) - t;
  if (kind == 1) return (x - t) / std::max((1 - x) * x, 1e-12);
  return 2 * (x - t);
}

// 1/n for the mean, 1 for the sum.
double reduction_scale(const InferContext* ic, const Attrs& a, int64_t n) {
  std::string r = a.string("reduction", "mean");
  if (r != "mean" && r != "sum") {
    if (ic) ic->fail("reduction must be \"mean\" or \"sum\", got \"{}\"", r);
    fail("reduction must be \"mean\" or \"sum\", got \"{}\"", r);
  }
  return r == "mean" ? 1.0 / double(n) : 1.0;
}

OpDef forward_op(const Kind& k) {
  OpDef d;
  d.name = k.name;
  d.inputs = {"x", "target"};
  d.infer = [](const InferContext& ic) {
    if (ic.inputs[0] != ic.inputs[1])
      ic.fail("x {} and target {} must have the same shape", ic.inputs[0], ic.inputs[1]);
    reduction_scale(&ic, ic.attrs, ic.inputs[0].elements());
    return Shape{};
  };
  d.cpu = [k](const Node& n, std::span<const CpuTensor* const> in, CpuTensor& y) {
    double s = 0;
    for (size_t i = 0; i < in[0]->data.size(); ++i)
      s += term(k.code, in[0]->data[i], in[1]->data[i]);
    y.data[0] = s * reduction_scale(nullptr, n.attrs, int64_t(in[0]->data.size()));
  };
  d.grad = [k](GradBuilder& g) {
    std::vector<NodeId> out(2, kNoNode);
    if (g.wants(0))
      out[0] = g.add(std::string(k.name) + "_backward", "grad_x",
                     {g.input(0), g.input(1), g.output()}, g.node().attrs);
    return out;
  };
  d.kernel = [k](const KernelContext& kc, Dispatch& dp) {
    use_kernel(kc, dp, "loss_forward", 3, {k.code});
    uint32_t n = uint32_t(kc.inputs[0].elements());
    dp.set_push(ElementParams{n, float(reduction_scale(nullptr, kc.node.attrs, n)), 0.0f, 0});
    dp.groups = 1;
  };
  d.cost = [](const Node& n, const std::vector<Shape>& in) {
    Cost c = elementwise_cost(n, in, 0);
    c.flops = 6.0 * double(in[0].elements());
    return c;
  };
  return d;
}

OpDef backward_op(const Kind& k) {
  OpDef d;
  d.name = std::string(k.name) + "_backward";
  d.inputs = {"x", "target", "grad_y"};
  d.infer = [](const InferContext& ic) { return ic.inputs[0]; };
  d.cpu = [k](const Node& n, std::span<const CpuTensor* const> in, CpuTensor& gx) {
    double scale = reduction_scale(nullptr, n.attrs, int64_t(in[0]->data.size()));
    for (size_t i = 0; i < gx.data.size(); ++i)
      gx.data[i] = in[2]->data[0] * scale * derivative(k.code, in[0]->data[i], in[1]->data[i]);
  };
  d.kernel = [k](const KernelContext& kc, Dispatch& dp) {
    use_kernel(kc, dp, "loss_backward", 4, {k.code});
    uint32_t n = uint32_t(kc.inputs[0].elements());
    dp.set_push(ElementParams{n, float(reduction_scale(nullptr, kc.node.attrs, n)), 0.0f, 0});
    dp.groups = groups_for(n, kLocal);
  };
  d.cost = [](const Node& n, const std::vector<Shape>& in) { return elementwise_cost(n, in, 6); };
  return d;
}

}  // namespace

void register_loss(std::vector<OpDef>& out) {
  for (const Kind& k : kKinds) {
    out.push_back(forward_op(k));
    out.push_back(backward_op(k));
  }
}

}  // namespace vkgan::ops
