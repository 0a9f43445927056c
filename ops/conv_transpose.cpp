// conv_transpose2d: the adjoint of conv2d, x [N,C,H,W], w [C,Co/groups,kh,kw]
// (input channels first), b [Co] optional; attributes stride, padding,
// output_padding, dilation (pairs) and groups; the output is
// (H-1)s - 2p + d(kh-1) + output_padding + 1, and output_padding must be
// smaller than the stride or the dilation. Derivative rules:
//   grad_x = conv_transpose2d_backward_data(grad_y, w)    conv2d of grad_y by w
//   grad_w = conv_transpose2d_backward_weight(grad_y, x)  conv2d's weight gradient,
//                                                          roles of x and grad_y swapped
//   grad_b = channel_sum(grad_y)
// In ops/conv.hpp terms the op runs conv2d's geometry backwards: its input x
// is conv2d's Y and its output is conv2d's X, so it shares conv2d's kernels.
#include "ops/conv.hpp"

namespace vkgan::ops {
namespace {

// x is conv2d's Y, the output (of size `out`, or computed) its X.
ConvGeom transposed_geom(const Shape& x, const Shape& w, const Attrs& attrs) {
  ConvAttrs a = conv_attrs(attrs);
  ConvGeom g;
  g.batch = x[0], g.cy = x[1], g.hy = x[2], g.wy = x[3];
  g.cx = w[1] * a.groups, g.kh = w[2], g.kw = w[3];
  g.stride = a.stride, g.padding = a.padding, g.dilation = a.dilation, g.groups = a.groups;
  g.hx = (g.hy - 1) * g.stride[0] - 2 * g.padding[0] + g.dilation[0] * (g.kh - 1) +
         a.output_padding[0] + 1;
  g.wx = (g.wy - 1) * g.stride[1] - 2 * g.padding[1] + g.dilation[1] * (g.kw - 1) +
         a.output_padding[1] + 1;
  return g;
}

ConvGeom transposed_checked(const InferContext& ic, const Shape& x, const Shape& w) {
  ConvAttrs a = conv_attrs(ic, true);
  require_image(ic, x);
  require_weight(ic, w, "[C,Co/groups,kh,kw]");
  if (w[0] != x[1]) ic.fail("weight {} expects {} input channels, got x {}", w, w[0], x);
  if (x[1] % a.groups)
    ic.fail("groups {} must divide the {} input channels of x {}", a.groups, x[1], x);
  for (size_t i = 0; i < 2; ++i)
    if (a.output_padding[i] >= a.stride[i] && a.output_padding[i] >= a.dilation[i])
      ic.fail("output_padding [{},{}] must be smaller than the stride [{},{}] or the dilation "
              "[{},{}]",
              a.output_padding[0], a.output_padding[1], a.stride[0], a.stride[1],
              a.dilation[0], a.dilation[1]);

  ConvGeom g = transposed_geom(x, w, ic.attrs);
  if (g.hx < 1 || g.wx < 1)
    ic.fail("x {} with weight {}, stride [{},{}] and padding [{},{}] gives an output of {}x{}",
            x, w, a.stride[0], a.stride[1], a.padding[0], a.padding[1], g.hx, g.wx);
  return g;
}

Shape transposed_infer(const InferContext& ic) {
  ConvGeom g = transposed_checked(ic, ic.inputs[0], ic.inputs[1]);
  if (ic.has(2) && ic.inputs[2] != Shape{g.cx})
    ic.fail("b {} must be [{}] to match weight {}{}", ic.inputs[2], g.cx, ic.inputs[1],
            groups_note(ic.inputs[1][1], g.groups));
  return g.x_shape();
}

std::vector<NodeId> transposed_grad(GradBuilder& g) {
  Attrs attrs = g.node().attrs;
  std::vector<int64_t> x = g.shape_of(g.input(0)).dims(), w = g.shape_of(g.input(1)).dims();
  std::vector<NodeId> out(3, kNoNode);
  if (g.wants(0))
    out[0] = g.add("conv_transpose2d_backward_data", "grad_x", {g.output(), g.input(1)},
                   Attrs(attrs).set("input_shape", x));
  if (g.wants(1))
    out[1] = g.add("conv_transpose2d_backward_weight", "grad_w", {g.output(), g.input(0)},
                   Attrs(attrs).set("weight_shape", w));
  if (g.wants(2)) out[2] = g.add("channel_sum", "grad_b", {g.output()});
  return out;
}

OpDef transposed_op() {
  OpDef d;
  d.name = "conv_transpose2d";
  d.inputs = {"x", "w", "b?"};
  d.infer = transposed_infer;
  d.cpu = [](const Node& n, std::span<const CpuTensor* const> in, CpuTensor& y) {
    const CpuTensor &x = *in[0], &w = *in[1];
    conv_visit(transposed_geom(x.shape, w.shape, n.attrs), [&](size_t xi, size_t yi, size_t wi) {
      y.data[yi] += x.data[xi] * w.data[wi];
    });
    add_channel_bias(in[2], y);
  };
  d.grad = transposed_grad;
  d.kernel = [](const KernelContext& kc, Dispatch& dp) {
    ConvGeom g = transposed_geom(kc.inputs[0], kc.inputs[1], kc.node.attrs);
    record_gather(kc, dp, g, true, kc.present[2]);
  };
  d.cost = [](const Node& n, const std::vector<Shape>& in) {
    return conv_cost(transposed_geom(in[0], in[1], n.attrs), n, in);
  };
  return d;
}

// grad_x = conv2d(grad_y, w): the direct gather. The third input is never
// given; it keeps the shared kernel's bias binding.
OpDef backward_data_op() {
  OpDef d;
  d.name = "conv_transpose2d_backward_data";
  d.inputs = {"grad_y", "w", "unused?"};
  d.infer = [](const InferContext& ic) {
    Shape x(ic.attrs.ints("input_shape", {}));
    ConvGeom g = transposed_checked(ic, x, ic.inputs[1]);
    if (ic.inputs[0] != g.x_shape())
      ic.fail("grad_y {} must be {}, the output of x {} and weight {}", ic.inputs[0],
              g.x_shape(), x, ic.inputs[1]);
    return x;
  };
  d.cpu = [](const Node& n, std::span<const CpuTensor* const> in, CpuTensor& gx) {
    const CpuTensor &gy = *in[0], &w = *in[1];
    conv_visit(transposed_geom(n.shape, w.shape, n.attrs), [&](size_t xi, size_t yi, size_t wi) {
      gx.data[xi] += gy.data[yi] * w.data[wi];
    });
  };
  d.kernel = [](const KernelContext& kc, Dispatch& dp) {
    ConvGeom g = transposed_geom(kc.output, kc.inputs[1], kc.node.attrs);
    record_gather(kc, dp, g, false, false);
  };
  d.cost = [](const Node& n, const std::vector<Shape>& in) {
    return conv_cost(transposed_geom(n.shape, in[1], n.attrs), n, in);
  };
  return d;
}

OpDef backward_weight_op() {
  OpDef d;
  d.name = "conv_transpose2d_backward_weight";
  d.inputs = {"grad_y", "x"};
  d.infer = [](const InferContext& ic) {
    Shape w(ic.attrs.ints("weight_shape", {}));
    ConvGeom g = transposed_checked(ic, ic.inputs[1], w);
    if (ic.inputs[0] != g.x_shape())
      ic.fail("grad_y {} must be {}, the output of x {} and weight {}", ic.inputs[0],
              g.x_shape(), ic.inputs[1], w);
    return w;
  };
  d.cpu = [](const Node& n, std::span<const CpuTensor* const> in, CpuTensor& gw) {
    const CpuTensor &gy = *in[0], &x = *in[1];
    conv_visit(transposed_geom(x.shape, n.shape, n.attrs), [&](size_t xi, size_t yi, size_t wi) {
      gw.data[wi] += x.data[xi] * gy.data[yi];
    });
  };
  d.kernel = [](const KernelContext& kc, Dispatch& dp) {
    ConvGeom g = transposed_geom(kc.inputs[1], kc.output, kc.node.attrs);
    record_weight_grad(kc, dp, g, true);
  };
  d.cost = [](const Node& n, const std::vector<Shape>& in) {
    return conv_cost(transposed_geom(in[1], n.shape, n.attrs), n, in);
  };
  return d;
}

}  // namespace

void register_conv_transpose(std::vector<OpDef>& out) {
  out.push_back(transposed_op());
  out.push_back(backward_data_op());
  out.push_back(backward_weight_op());
}

}  // namespace vkgan::ops
