// Reductions: sum and mean of a whole tensor (scalar out), their gradient
// (broadcast), and channel_sum (sum over every axis but 1, for bias
// gradients). Derivative rules:
//   sum:       grad_x[i] = scale * grad_y     (sum takes an optional scale)
//   mean:      grad_x[i] = grad_y / n
//   broadcast: grad_x = scale * sum(grad_y)
#include "ops/common.hpp"

namespace vkgan::ops {
namespace {

struct ChannelParams {
  uint32_t batch, channels, inner;
};

OpDef sum_op(const char* name, bool mean) {
  OpDef d;
  d.name = name;
  d.inputs = {"x"};
  d.infer = [](const InferContext&) { return Shape{}; };
  d.cpu = [mean](const Node& n, std::span<const CpuTensor* const> in, CpuTensor& y) {
    double s = 0;
    for (double v : in[0]->data) s += v;
    y.data[0] = mean ? s / double(in[0]->data.size()) : s * n.attrs.real("scale", 1.0);
  };
  d.grad = [mean](GradBuilder& g) {
    const Shape& x = g.shape_of(g.input(0));
    double scale = mean ? 1.0 / double(x.elements()) : g.node().attrs.real("scale", 1.0);
    Attrs a{{"shape", x.dims()}, {"scale", scale}};
    return std::vector<NodeId>{g.add("broadcast", "grad_x", {g.output()}, a)};
  };
  d.kernel = [mean](const KernelContext& kc, Dispatch& dp) {
    use_kernel(kc, dp, "sum_forward", 2);
    uint32_t n = uint32_t(kc.inputs[0].elements());
    float scale = mean ? 1.0f / float(n) : float(kc.node.attrs.real("scale", 1.0));
    dp.set_push(ElementParams{n, scale, 0.0f, 0});
    dp.groups = 1;
  };
  d.cost = [](const Node& n, const std::vector<Shape>& in) { return elementwise_cost(n, in, 0); };
  return d;
}

OpDef broadcast_op() {
  OpDef d;
  d.name = "broadcast";
  d.inputs = {"x"};
  d.infer = [](const InferContext& ic) {
    if (ic.inputs[0].elements() != 1) ic.fail("x must hold one value, got {}", ic.inputs[0]);
    return Shape(ic.attrs.ints("shape", {}));
  };
  d.cpu = [](const Node& n, std::span<const CpuTensor* const> in, CpuTensor& y) {
    std::fill(y.data.begin(), y.data.end(), n.attrs.real("scale", 1.0) * in[0]->data[0]);
  };
  d.grad = [](GradBuilder& g) {
    Attrs a{{"scale", g.node().attrs.real("scale", 1.0)}};
    return std::vector<NodeId>{g.add("sum", "grad_x", {g.output()}, a)};
  };
  d.kernel = [](const KernelContext& kc, Dispatch& dp) {
    use_kernel(kc, dp, "broadcast_forward", 2);
    uint32_t n = uint32_t(kc.output.elements());
    dp.set_push(ElementParams{n, float(kc.node.attrs.real("scale", 1.0)), 0.0f, 0});
    dp.groups = groups_for(n, kLocal);
  };
  d.cost = [](const Node& n, const std::vector<Shape>& in) { return elementwise_cost(n, in, 1); };
  return d;
}

OpDef channel_sum_op() {
  OpDef d;
  d.name = "channel_sum";
  d.inputs = {"x"};
  d.infer = [](const InferContext& ic) {
    if (ic.inputs[0].rank() < 2) ic.fail("x must have a channel axis, got {}", ic.inputs[0]);
    return Shape{ic.inputs[0][1]};
  };
  d.cpu = [](const Node&, std::span<const CpuTensor* const> in, CpuTensor& y) {
    const Shape& s = in[0]->shape;
    int64_t c = s[1], inner = s.elements() / (s[0] * c);
    for (size_t e = 0; e < in[0]->data.size(); ++e)
      y.data[size_t((int64_t(e) / inner) % c)] += in[0]->data[e];
  };
  d.kernel = [](const KernelContext& kc, Dispatch& dp) {
    const Shape& s = kc.inputs[0];
    uint32_t c = uint32_t(s[1]), inner = uint32_t(s.elements() / (s[0] * s[1]));
    bool per_lane = uint64_t(s[0]) * inner <= 512;
    use_kernel(kc, dp, "channel_sum_forward", 2, {per_lane ? 1u : 0u});
    dp.set_push(ChannelParams{uint32_t(s[0]), c, inner});
    dp.groups = per_lane ? groups_for(c, kLocal) : c;
  };
  d.cost = [](const Node& n, const std::vector<Shape>& in) {
    Cost c = elementwise_cost(n, in, 0);
    c.flops = double(in[0].elements());
    return c;
  };
  return d;
}

}  // namespace

void register_reduce(std::vector<OpDef>& out) {
  out.push_back(sum_op("sum", false));
  out.push_back(sum_op("mean", true));
  out.push_back(broadcast_op());
  out.push_back(channel_sum_op());
}

}  // namespace vkgan::ops
