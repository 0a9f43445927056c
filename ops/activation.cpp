// Activations: relu, leaky_relu (attribute slope, 0.01 unless given), sigmoid
// and tanh, each with its backward kernel. Derivative rules:
//   relu:       grad_x = grad_y * (x > 0)
//   leaky_relu: grad_x = grad_y * (x > 0 ? 1 : slope)
//   sigmoid:    grad_x = grad_y * y * (1 - y)
//   tanh:       grad_x = grad_y * (1 - y^2)
#include "ops/common.hpp"

namespace vkgan::ops {
namespace {

struct Kind {
  const char* name;
  uint32_t code;
  bool uses_output;  // the derivative is a function of y, not x
  double flops;
};

constexpr Kind kKinds[] = {
    {"relu", 0, false, 1}, {"leaky_relu", 1, false, 2}, {"sigmoid", 2, true, 4},
    {"tanh", 3, true, 5}};

double slope(const Node& n) { return n.attrs.real("slope", 0.01); }

double forward(uint32_t kind, double x, double s) {
  switch (kind) {
    case 0: return x > 0 ? x : 0.0;
    case 1: return x > 0 ? x : s * x;
    case 2: return x >= 0 ? 1.0 / (1.0 + std::exp(-x)) : std::exp(x) / (1.0 + std::exp(x));
    default: return std::tanh(x);
  }
}

double derivative(uint32_t kind, double saved, double s) {
  switch (kind) {
    case 0: return saved > 0 ? 1.0 : 0.0;
    case 1: return saved > 0 ? 1.0 : s;
    case 2: return saved * (1.0 - saved);
    default: return 1.0 - saved * saved;
  }
}

OpDef forward_op(const Kind& k) {
  OpDef d;
  d.name = k.name;
  d.inputs = {"x"};
  d.infer = [](const InferContext& ic) { return ic.inputs[0]; };
  d.cpu = [k](const Node& n, std::span<const CpuTensor* const> in, CpuTensor& out) {
    for (size_t i = 0; i < out.data.size(); ++i)
      out.data[i] = forward(k.code, in[0]->data[i], slope(n));
  };
  d.grad = [k](GradBuilder& g) {
    NodeId saved = k.uses_output ? g.self() : g.input(0);
    Attrs a{{"slope", slope(g.node())}};
    return std::vector<NodeId>{
        g.add(std::string(k.name) + "_backward", "grad_x", {saved, g.output()}, a)};
  };
  d.kernel = [k](const KernelContext& kc, Dispatch& dp) {
    use_kernel(kc, dp, "activation_forward", 2, {k.code});
    uint32_t n = uint32_t(kc.output.elements());
    dp.set_push(ElementParams{n, float(slope(kc.node)), 0.0f, 0});
    dp.groups = groups_for(n, kLocal);
  };
  d.cost = [k](const Node& n, const std::vector<Shape>& in) {
    return elementwise_cost(n, in, k.flops);
  };
  d.elementwise = true;
  return d;
}

OpDef backward_op(const Kind& k) {
  OpDef d;
  d.name = std::string(k.name) + "_backward";
  d.inputs = {"saved", "grad_y"};
  d.infer = [](const InferContext& ic) {
    if (ic.inputs[0] != ic.inputs[1])
      ic.fail("saved {} and grad_y {} differ in shape", ic.inputs[0], ic.inputs[1]);
    return ic.inputs[0];
  };
  d.cpu = [k](const Node& n, std::span<const CpuTensor* const> in, CpuTensor& out) {
    for (size_t i = 0; i < out.data.size(); ++i)
      out.data[i] = in[1]->data[i] * derivative(k.code, in[0]->data[i], slope(n));
  };
  d.kernel = [k](const KernelContext& kc, Dispatch& dp) {
    use_kernel(kc, dp, "activation_backward", 3, {k.code});
    uint32_t n = uint32_t(kc.output.elements());
    dp.set_push(ElementParams{n, float(slope(kc.node)), 0.0f, 0});
    dp.groups = groups_for(n, kLocal);
  };
  d.cost = [](const Node& n, const std::vector<Shape>& in) { return elementwise_cost(n, in, 3); };
  d.elementwise = true;
  return d;
}

}  // namespace

void register_activation(std::vector<OpDef>& out) {
  for (const Kind& k : kKinds) {
    out.push_back(forward_op(k));
    out.push_back(backward_op(k));
  }
}

}  // namespace vkgan::ops
