// Constants and simple arithmetic: fill (a constant tensor), copy, add and
// scale (y = a*x + b).
#include "ops/common.hpp"

namespace vkgan::ops {
namespace {

void element_kernel(const KernelContext& kc, Dispatch& d, const char* shader, float a, float b) {
  use_kernel(kc, d, shader, default_bindings(kc));
  uint32_t n = uint32_t(kc.output.elements());
  d.set_push(ElementParams{n, a, b, 0});
  d.groups = groups_for(n, kLocal);
}

OpDef fill_op() {
  OpDef d;
  d.name = "fill";
  d.infer = [](const InferContext& ic) {
    std::vector<int64_t> dims = ic.attrs.ints("shape", {});
    for (int64_t v : dims)
      if (v <= 0) ic.fail("shape {} has a dimension that is not positive", Shape(dims));
    return Shape(dims);
  };
  d.cpu = [](const Node& n, std::span<const CpuTensor* const>, CpuTensor& out) {
    std::fill(out.data.begin(), out.data.end(), n.attrs.real("value", 0.0));
  };
  d.kernel = [](const KernelContext& kc, Dispatch& dp) {
    element_kernel(kc, dp, "fill_forward", float(kc.node.attrs.real("value", 0.0)), 0.0f);
  };
  d.cost = [](const Node& n, const std::vector<Shape>& in) { return elementwise_cost(n, in, 0); };
  d.constant = true;
  d.elementwise = true;
  return d;
}

OpDef scale_op(const char* name) {
  OpDef d;
  d.name = name;
  d.inputs = {"x"};
  d.infer = [](const InferContext& ic) { return ic.inputs[0]; };
  d.cpu = [](const Node& n, std::span<const CpuTensor* const> in, CpuTensor& out) {
    double a = n.attrs.real("a", 1.0), b = n.attrs.real("b", 0.0);
    for (size_t i = 0; i < out.data.size(); ++i) out.data[i] = a * in[0]->data[i] + b;
  };
  d.grad = [](GradBuilder& g) {
    Attrs a{{"a", g.node().attrs.real("a", 1.0)}};
    return std::vector<NodeId>{g.add("scale", "grad_x", {g.output()}, a)};
  };
  d.kernel = [](const KernelContext& kc, Dispatch& dp) {
    const Attrs& a = kc.node.attrs;
    element_kernel(kc, dp, "scale_forward", float(a.real("a", 1.0)), float(a.real("b", 0.0)));
  };
  d.cost = [](const Node& n, const std::vector<Shape>& in) { return elementwise_cost(n, in, 2); };
  d.elementwise = true;
  return d;
}

OpDef add_op() {
  OpDef d;
  d.name = "add";
  d.inputs = {"x", "y"};
  d.infer = [](const InferContext& ic) {
    if (ic.inputs[0] != ic.inputs[1])
      ic.fail("x has shape {} but y has shape {}; add takes equal shapes", ic.inputs[0],
              ic.inputs[1]);
    return ic.inputs[0];
  };
  d.cpu = [](const Node&, std::span<const CpuTensor* const> in, CpuTensor& out) {
    for (size_t i = 0; i < out.data.size(); ++i) out.data[i] = in[0]->data[i] + in[1]->data[i];
  };
  // Both inputs receive grad_y unchanged; a copy keeps each gradient a node
  // of its own.
  d.grad = [](GradBuilder& g) {
    std::vector<NodeId> out(2, kNoNode);
    if (g.wants(0)) out[0] = g.add("copy", "grad_x", {g.output()});
    if (g.wants(1)) out[1] = g.add("copy", "grad_y", {g.output()});
    return out;
  };
  d.kernel = [](const KernelContext& kc, Dispatch& dp) {
    element_kernel(kc, dp, "add_forward", 0.0f, 0.0f);
  };
  d.cost = [](const Node& n, const std::vector<Shape>& in) { return elementwise_cost(n, in, 1); };
  d.elementwise = true;
  return d;
}

}  // namespace

void register_arith(std::vector<OpDef>& out) {
  out.push_back(fill_op());
  out.push_back(scale_op("scale"));
  OpDef copy = scale_op("copy");
  copy.grad = [](GradBuilder& g) {
    return std::vector<NodeId>{g.add("copy", "grad_x", {g.output()})};
  };
  out.push_back(copy);
  out.push_back(add_op());
}

}  // namespace vkgan::ops
