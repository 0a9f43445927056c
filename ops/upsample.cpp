// Upsampling of NCHW images by integer scales (attribute scale, a pair):
// upsample_nearest2d (source floor(dst / scale)) and upsample_bilinear2d
// (attribute align_corners, false unless given; PyTorch's source coordinates).
// Derivative rules, both gathers (each grad_x element sums what read it):
//   nearest:  grad_x[i] = sum of grad_y over i's scale_h x scale_w block
//   bilinear: grad_x[i] = sum over outputs o of weight(o, i) * grad_y[o]
#include "ops/common.hpp"
#include "ops/divide.hpp"

namespace vkgan::ops {
namespace {

struct Kind {
  const char* name;
  uint32_t code;  // kBilinear in the shaders
};

constexpr Kind kNearest{"upsample_nearest2d", 0}, kBilinear{"upsample_bilinear2d", 1};

// Reads scale and align_corners, naming the op on a type error.
std::array<int64_t, 2> checked_scale(const InferContext& ic) {
  if (!ic.attrs.has("scale")) ic.fail("scale is required (a pair of integers)");
  try {
    ic.attrs.ints("scale", {});
    ic.attrs.boolean("align_corners", false);
  } catch (const Error& e) {
    ic.fail("{}", e.what());
  }
  return pair_attr(ic, "scale", 1, 1);
}

Shape upsample_infer(const InferContext& ic) {
  const Shape& x = ic.inputs[0];
  if (x.rank() != 4) ic.fail("x must be [N, C, H, W], got {}", x);
  if (x.elements() == 0) ic.fail("x {} is empty", x);
  auto s = checked_scale(ic);
  return Shape{x[0], x[1], x[2] * s[0], x[3] * s[1]};
}

// grad_x's shape: grad_y's spatial axes divided by the scale.
Shape backward_infer(const InferContext& ic) {
  const Shape& gy = ic.inputs[0];
  auto s = checked_scale(ic);
  if (gy.rank() != 4 || gy.elements() == 0 || gy[2] % s[0] || gy[3] % s[1])
    ic.fail("grad_y {} must be [N, C, H, W] with H, W multiples of scale [{},{}]", gy, s[0],
            s[1]);
  return Shape{gy[0], gy[1], gy[2] / s[0], gy[3] / s[1]};
}

// The sizes of one upsampling, from x [N, C, H, W] and the scale.
struct Geometry {
  int64_t planes, in_h, in_w, out_h, out_w, scale_h, scale_w;
  bool align_corners;
};

Geometry geometry_of(const Node& n, const Shape& x) {
  auto s = pair_of(n.attrs, "scale", 1);
  return {x[0] * x[1], x[2], x[3], x[2] * s[0], x[3] * s[1], s[0], s[1],
          n.attrs.boolean("align_corners", false)};
}

// Output dst reads inputs i0 and i1 along one axis with weights 1-t and t.
struct Taps {
  int64_t i0, i1;
  double t;
};

Taps source_taps(int64_t dst, int64_t in, int64_t out, int64_t scale, bool align) {
  double src = align ? (out > 1 ? double(dst) * (double(in - 1) / double(out - 1)) : 0.0)
                     : std::max((double(dst) + 0.5) / double(scale) - 0.5, 0.0);
  int64_t i0 = std::min(int64_t(src), in - 1);
  return {i0, std::min(i0 + 1, in - 1), src - double(i0)};
}

void nearest_cpu(const Node& n, std::span<const CpuTensor* const> in, CpuTensor& y) {
  Geometry g = geometry_of(n, in[0]->shape);
  size_t o = 0;
  for (int64_t pl = 0; pl < g.planes; ++pl)
    for (int64_t oh = 0; oh < g.out_h; ++oh)
      for (int64_t ow = 0; ow < g.out_w; ++ow)
        y.data[o++] = in[0]->data[size_t((pl * g.in_h + oh / g.scale_h) * g.in_w +
                                         ow / g.scale_w)];
}

void nearest_backward_cpu(const Node& n, std::span<const CpuTensor* const> in, CpuTensor& gx) {
  Geometry g = geometry_of(n, gx.shape);
  size_t o = 0;
  for (int64_t pl = 0; pl < g.planes; ++pl)
    for (int64_t oh = 0; oh < g.out_h; ++oh)
      for (int64_t ow = 0; ow < g.out_w; ++ow)
        gx.data[size_t((pl * g.in_h + oh / g.scale_h) * g.in_w + ow / g.scale_w)] +=
            in[0]->data[o++];
}

// Visits every output with its four taps: fn(o, plane offset, th, tw).
template <typename F>
void for_each_bilinear(const Geometry& g, F&& fn) {
  size_t o = 0;
  for (int64_t pl = 0; pl < g.planes; ++pl)
    for (int64_t oh = 0; oh < g.out_h; ++oh) {
      Taps th = source_taps(oh, g.in_h, g.out_h, g.scale_h, g.align_corners);
      for (int64_t ow = 0; ow < g.out_w; ++ow)
        fn(o++, pl * g.in_h * g.in_w, th,
           source_taps(ow, g.in_w, g.out_w, g.scale_w, g.align_corners));
    }
}

void bilinear_cpu(const Node& n, std::span<const CpuTensor* const> in, CpuTensor& y) {
  Geometry g = geometry_of(n, in[0]->shape);
  const std::vector<double>& x = in[0]->data;
  for_each_bilinear(g, [&](size_t o, int64_t base, const Taps& th, const Taps& tw) {
    auto at = [&](int64_t i, int64_t j) { return x[size_t(base + i * g.in_w + j)]; };
    double top = (1 - tw.t) * at(th.i0, tw.i0) + tw.t * at(th.i0, tw.i1);
    double bottom = (1 - tw.t) * at(th.i1, tw.i0) + tw.t * at(th.i1, tw.i1);
    y.data[o] = (1 - th.t) * top + th.t * bottom;
  });
}

// Reference backward as a scatter, independent of the kernel's gather.
void bilinear_backward_cpu(const Node& n, std::span<const CpuTensor* const> in, CpuTensor& gx) {
  Geometry g = geometry_of(n, gx.shape);
  const std::vector<double>& gy = in[0]->data;
  for_each_bilinear(g, [&](size_t o, int64_t base, const Taps& th, const Taps& tw) {
    auto add = [&](int64_t i, int64_t j, double w) {
      gx.data[size_t(base + i * g.in_w + j)] += w * gy[o];
    };
    add(th.i0, tw.i0, (1 - th.t) * (1 - tw.t));
    add(th.i0, tw.i1, (1 - th.t) * tw.t);
    add(th.i1, tw.i0, th.t * (1 - tw.t));
    add(th.i1, tw.i1, th.t * tw.t);
  });
}

// Mirrors `Params` in shaders/common/upsample.glsl.
struct UpsampleParams {
  uint32_t planes, in_h, in_w, out_h, out_w;
  uint32_t scale_h, scale_w;
  uint32_t align_corners;
  Divisor by_w, by_area, by_scale_h, by_scale_w;
};
static_assert(sizeof(UpsampleParams) <= kMaxPushConstants);

// One invocation per element of the kernel's output; x is the small side.
void record(const KernelContext& kc, Dispatch& dp, const char* shader, const Kind& k,
            const Shape& x) {
  use_kernel_texel_inputs(kc, dp, shader, {k.code});
  Geometry g = geometry_of(kc.node, x);
  auto u = [](int64_t v) { return uint32_t(v); };
  bool forward = std::string_view(shader) == "upsample_forward";
  int64_t w = forward ? g.out_w : g.in_w, area = w * (forward ? g.out_h : g.in_h);
  auto d = [](int64_t v) { return make_divisor(uint64_t(v)); };
  dp.set_push(UpsampleParams{u(g.planes), u(g.in_h), u(g.in_w), u(g.out_h), u(g.out_w),
                             u(g.scale_h), u(g.scale_w), g.align_corners ? 1u : 0u, d(w),
                             d(area), d(g.scale_h), d(g.scale_w)});
  dp.groups = groups_for(kc.output.elements(), kLocal);
}

Cost upsample_cost(const std::vector<Shape>& in, const Shape& y, double flops) {
  Cost c;
  c.flops = flops;
  c.bytes = double(y.bytes());
  for (const Shape& s : in) c.bytes += double(s.bytes());
  return c;
}

OpDef forward_op(const Kind& k) {
  bool bilinear = k.code == kBilinear.code;
  OpDef d;
  d.name = k.name;
  d.inputs = {"x"};
  d.infer = upsample_infer;
  d.cpu = bilinear ? bilinear_cpu : nearest_cpu;
  d.grad = [k](GradBuilder& g) {
    if (!g.wants(0)) return std::vector<NodeId>{kNoNode};
    return std::vector<NodeId>{g.add(std::string(k.name) + "_backward", "grad_x",
                                     {g.output()}, g.node().attrs)};
  };
  d.kernel = [k](const KernelContext& kc, Dispatch& dp) {
    record(kc, dp, "upsample_forward", k, kc.inputs[0]);
  };
  // Taps read per output: one for nearest, four for bilinear.
  d.cost = [bilinear](const Node& n, const std::vector<Shape>& in) {
    return upsample_cost(in, n.shape, (bilinear ? 4.0 : 1.0) * double(n.shape.elements()));
  };
  return d;
}

// <op>_backward (grad_y) -> grad_x; grad_x's shape is grad_y's over the scale.
OpDef backward_op(const Kind& k) {
  bool bilinear = k.code == kBilinear.code;
  OpDef d;
  d.name = std::string(k.name) + "_backward";
  d.inputs = {"grad_y"};
  d.infer = backward_infer;
  d.cpu = bilinear ? bilinear_backward_cpu : nearest_backward_cpu;
  d.kernel = [k](const KernelContext& kc, Dispatch& dp) {
    record(kc, dp, "upsample_backward", k, kc.output);
  };
  // Outputs examined per grad_x element: the block, or the bilinear
  // candidate range of about 2 * scale + 3 along each axis.
  d.cost = [bilinear](const Node& n, const std::vector<Shape>& in) {
    auto s = pair_of(n.attrs, "scale", 1);
    double per = bilinear ? double((2 * s[0] + 3) * (2 * s[1] + 3)) : double(s[0] * s[1]);
    return upsample_cost(in, n.shape, per * double(n.shape.elements()));
  };
  return d;
}

}  // namespace

void register_upsample(std::vector<OpDef>& out) {
  for (const Kind& k : {kNearest, kBilinear}) {
    out.push_back(forward_op(k));
    out.push_back(backward_op(k));
  }
}

}  // namespace vkgan::ops
