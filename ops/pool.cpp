// Pooling over NCHW images: max_pool2d and avg_pool2d, with PyTorch's output
// sizes (ceil_mode drops a last window that would start in the right padding)
// and divisors. Attributes: kernel, stride (= kernel unless given), padding,
// ceil_mode; avg_pool2d also count_include_pad (true unless given).
// Derivative rules, both gathers (each grad_x element visits its windows):
//   max_pool2d: grad_x[i] = sum of grad_y over windows whose first max is i
//   avg_pool2d: grad_x[i] = sum of grad_y / divisor over windows holding i
#include "ops/common.hpp"
#include "ops/divide.hpp"

namespace vkgan::ops {
namespace {

// One spatial axis of a pooling: sizes, kernel, stride and padding.
struct Axis {
  int64_t in, out, kernel, stride, pad;

  // Outputs [first, last] whose windows hold input position i (may be empty).
  std::pair<int64_t, int64_t> windows_holding(int64_t i) const {
    int64_t from = i + pad - kernel + 1;
    int64_t first = from <= 0 ? 0 : (from + stride - 1) / stride;
    return {first, std::min((i + pad) / stride, out - 1)};
  }
};

struct Pool {
  Axis h, w;
  bool ceil_mode = false, include_pad = true;
};

int64_t pooled_size(int64_t in, int64_t kernel, int64_t stride, int64_t pad, bool ceil_mode) {
  int64_t span = in + 2 * pad - kernel;  // >= 0, checked by the caller
  int64_t out = (ceil_mode ? (span + stride - 1) / stride : span / stride) + 1;
  if (ceil_mode && (out - 1) * stride >= in + pad) --out;
  return out;
}

// Stride defaults to the kernel, as in PyTorch (an empty list means absent).
std::array<int64_t, 2> stride_of(const Attrs& a, std::array<int64_t, 2> kernel) {
  std::vector<int64_t> v = a.ints("stride", {});
  if (v.empty()) return kernel;
  if (v.size() == 1) return {v[0], v[0]};
  return {v[0], v[1]};
}

// The geometry of an already validated node on input x [N, C, H, W].
Pool pool_of(const Attrs& a, const Shape& x) {
  auto k = pair_of(a, "kernel", 1), s = stride_of(a, k), p = pair_of(a, "padding", 0);
  Pool g;
  g.ceil_mode = a.boolean("ceil_mode", false);
  g.include_pad = a.boolean("count_include_pad", true);
  g.h = {x[2], pooled_size(x[2], k[0], s[0], p[0], g.ceil_mode), k[0], s[0], p[0]};
  g.w = {x[3], pooled_size(x[3], k[1], s[1], p[1], g.ceil_mode), k[1], s[1], p[1]};
  return g;
}

// Attribute type errors come from Attrs, which does not know the op: read
// each once here so that the message names the op and the node.
void check_attr_types(const InferContext& ic) {
  try {
    for (const char* name : {"kernel", "stride", "padding", "dilation"}) ic.attrs.ints(name, {});
    for (const char* name : {"ceil_mode", "count_include_pad"}) ic.attrs.boolean(name, false);
  } catch (const Error& e) {
    ic.fail("{}", e.what());
  }
}

// Validates x and the attributes; returns the pooled shape.
Shape pool_infer(const InferContext& ic, const Shape& x) {
  if (x.rank() != 4) ic.fail("x must be [N, C, H, W], got {}", x);
  if (x.elements() == 0) ic.fail("x {} is empty", x);
  if (!ic.attrs.has("kernel")) ic.fail("kernel is required (a pair of sizes)");
  check_attr_types(ic);
  auto k = pair_attr(ic, "kernel", 1, 1);
  if (!ic.attrs.ints("stride", {}).empty()) pair_attr(ic, "stride", 1, 1);  // else = kernel
  auto p = pair_attr(ic, "padding", 0, 0);
  auto d = pair_attr(ic, "dilation", 1, 1);
  if (d[0] != 1 || d[1] != 1) ic.fail("dilation [{},{}] is not supported", d[0], d[1]);
  if (2 * p[0] > k[0] || 2 * p[1] > k[1])
    ic.fail("padding [{},{}] must be at most half of kernel [{},{}]", p[0], p[1], k[0], k[1]);
  int64_t ph = x[2] + 2 * p[0], pw = x[3] + 2 * p[1];
  if (k[0] > ph || k[1] > pw)
    ic.fail("kernel [{},{}] is larger than x {} with padding [{},{}] ({}x{})", k[0], k[1], x,
            p[0], p[1], ph, pw);
  Pool g = pool_of(ic.attrs, x);
  return Shape{x[0], x[1], g.h.out, g.w.out};
}

// Real rows [lo, hi) of output o's window along one axis.
std::pair<int64_t, int64_t> real_span(const Axis& a, int64_t o) {
  int64_t start = o * a.stride - a.pad;
  return {std::max<int64_t>(start, 0), std::min(start + a.kernel, a.in)};
}

// PyTorch's divisor: the window clipped to the padded input, or to the real
// input without count_include_pad.
double divisor(const Pool& g, int64_t oh, int64_t ow) {
  auto [h0, h1] = real_span(g.h, oh);
  auto [w0, w1] = real_span(g.w, ow);
  if (!g.include_pad) return double((h1 - h0) * (w1 - w0));
  auto padded = [](const Axis& a, int64_t o) {
    int64_t start = o * a.stride - a.pad;
    return std::min(start + a.kernel, a.in + a.pad) - start;
  };
  return double(padded(g.h, oh) * padded(g.w, ow));
}

// Plane-local index of the first maximum of a window (NaN counts as largest).
int64_t argmax(const Pool& g, const double* plane, int64_t oh, int64_t ow) {
  auto [h0, h1] = real_span(g.h, oh);
  auto [w0, w1] = real_span(g.w, ow);
  int64_t best = h0 * g.w.in + w0;
  for (int64_t i = h0; i < h1; ++i)
    for (int64_t j = w0; j < w1; ++j) {
      double v = plane[i * g.w.in + j], b = plane[best];
      if (v > b || (std::isnan(v) && !std::isnan(b))) best = i * g.w.in + j;
    }
  return best;
}

void max_cpu(const Node& n, std::span<const CpuTensor* const> in, CpuTensor& y) {
  const CpuTensor& x = *in[0];
  Pool g = pool_of(n.attrs, x.shape);
  int64_t planes = x.shape[0] * x.shape[1], in_area = g.h.in * g.w.in;
  size_t o = 0;
  for (int64_t pl = 0; pl < planes; ++pl)
    for (int64_t oh = 0; oh < g.h.out; ++oh)
      for (int64_t ow = 0; ow < g.w.out; ++ow) {
        const double* plane = &x.data[size_t(pl * in_area)];
        y.data[o++] = plane[argmax(g, plane, oh, ow)];
      }
}

// Reference backward as a scatter, independent of the kernel's gather.
void max_backward_cpu(const Node& n, std::span<const CpuTensor* const> in, CpuTensor& gx) {
  const CpuTensor &x = *in[0], &gy = *in[1];
  Pool g = pool_of(n.attrs, x.shape);
  int64_t planes = x.shape[0] * x.shape[1], in_area = g.h.in * g.w.in;
  size_t o = 0;
  for (int64_t pl = 0; pl < planes; ++pl)
    for (int64_t oh = 0; oh < g.h.out; ++oh)
      for (int64_t ow = 0; ow < g.w.out; ++ow) {
        size_t base = size_t(pl * in_area);
        gx.data[base + size_t(argmax(g, &x.data[base], oh, ow))] += gy.data[o++];
      }
}

void avg_cpu(const Node& n, std::span<const CpuTensor* const> in, CpuTensor& y) {
  const CpuTensor& x = *in[0];
  Pool g = pool_of(n.attrs, x.shape);
  int64_t planes = x.shape[0] * x.shape[1], in_area = g.h.in * g.w.in;
  size_t o = 0;
  for (int64_t pl = 0; pl < planes; ++pl)
    for (int64_t oh = 0; oh < g.h.out; ++oh)
      for (int64_t ow = 0; ow < g.w.out; ++ow) {
        auto [h0, h1] = real_span(g.h, oh);
        auto [w0, w1] = real_span(g.w, ow);
        double s = 0;
        for (int64_t i = h0; i < h1; ++i)
          for (int64_t j = w0; j < w1; ++j) s += x.data[size_t(pl * in_area + i * g.w.in + j)];
        y.data[o++] = s / divisor(g, oh, ow);
      }
}

Shape input_shape(const Node& n) { return Shape(n.attrs.ints("input_shape", {})); }

void avg_backward_cpu(const Node& n, std::span<const CpuTensor* const> in, CpuTensor& gx) {
  const CpuTensor& gy = *in[0];
  Pool g = pool_of(n.attrs, input_shape(n));
  int64_t planes = gx.shape[0] * gx.shape[1], in_area = g.h.in * g.w.in;
  size_t o = 0;
  for (int64_t pl = 0; pl < planes; ++pl)
    for (int64_t oh = 0; oh < g.h.out; ++oh)
      for (int64_t ow = 0; ow < g.w.out; ++ow) {
        auto [h0, h1] = real_span(g.h, oh);
        auto [w0, w1] = real_span(g.w, ow);
        double share = gy.data[o++] / divisor(g, oh, ow);
        for (int64_t i = h0; i < h1; ++i)
          for (int64_t j = w0; j < w1; ++j) gx.data[size_t(pl * in_area + i * g.w.in + j)] += share;
      }
}

// Mirrors `Params` in shaders/common/pool.glsl.
struct PoolParams {
  uint32_t planes, in_h, in_w, out_h, out_w;
  uint32_t kernel_h, kernel_w, stride_h, stride_w, pad_h, pad_w;
  uint32_t include_pad;
  Divisor by_w, by_area, by_stride_h, by_stride_w;
};
static_assert(sizeof(PoolParams) <= kMaxPushConstants);

// `forward`: the kernel's grid is the output (else the input).
PoolParams params_of(const Pool& g, const Shape& x, bool forward) {
  auto u = [](int64_t v) { return uint32_t(v); };
  auto d = [](int64_t v) { return make_divisor(uint64_t(v)); };
  int64_t w = forward ? g.w.out : g.w.in, area = w * (forward ? g.h.out : g.h.in);
  return {u(x[0] * x[1]), u(g.h.in), u(g.w.in), u(g.h.out), u(g.w.out),
          u(g.h.kernel), u(g.w.kernel), u(g.h.stride), u(g.w.stride),
          u(g.h.pad), u(g.w.pad), g.include_pad ? 1u : 0u,
          d(w), d(area), d(g.h.stride), d(g.w.stride)};
}

// One invocation per element of the kernel's output.
void record(const KernelContext& kc, Dispatch& dp, const char* shader, const Shape& x) {
  use_kernel_texel_inputs(kc, dp, shader);
  bool forward = std::string_view(shader).ends_with("_forward");
  dp.set_push(params_of(pool_of(kc.node.attrs, x), x, forward));
  dp.groups = groups_for(kc.output.elements(), kLocal);
}

// Windows an input element sits in, at most, along both axes.
double windows_per_input(const Pool& g) {
  auto per = [](const Axis& a) { return double((a.kernel + a.stride - 1) / a.stride); };
  return per(g.h) * per(g.w);
}

Cost pool_cost(const std::vector<Shape>& in, const Shape& y, double flops) {
  Cost c;
  c.flops = flops;
  c.bytes = double(y.bytes());
  for (const Shape& s : in) c.bytes += double(s.bytes());
  return c;
}

OpDef forward_op(const char* name, bool is_max) {
  OpDef d;
  d.name = name;
  d.inputs = {"x"};
  d.infer = [](const InferContext& ic) { return pool_infer(ic, ic.inputs[0]); };
  d.cpu = is_max ? max_cpu : avg_cpu;
  d.grad = [is_max](GradBuilder& g) {
    if (!g.wants(0)) return std::vector<NodeId>{kNoNode};
    Attrs a = g.node().attrs;
    if (is_max)
      return std::vector<NodeId>{
          g.add("max_pool2d_backward", "grad_x", {g.input(0), g.output()}, a)};
    a.set("input_shape", g.shape_of(g.input(0)).dims());
    return std::vector<NodeId>{g.add("avg_pool2d_backward", "grad_x", {g.output()}, a)};
  };
  d.kernel = [is_max](const KernelContext& kc, Dispatch& dp) {
    record(kc, dp, is_max ? "max_pool2d_forward" : "avg_pool2d_forward", kc.inputs[0]);
  };
  d.cost = [](const Node& n, const std::vector<Shape>& in) {
    Pool g = pool_of(n.attrs, in[0]);
    double area = double(g.h.kernel * g.w.kernel);
    return pool_cost(in, n.shape, area * double(n.shape.elements()));
  };
  return d;
}

// max_pool2d_backward (x, grad_y) -> grad_x: recomputes each window's argmax.
OpDef max_backward_op() {
  OpDef d;
  d.name = "max_pool2d_backward";
  d.inputs = {"x", "grad_y"};
  d.infer = [](const InferContext& ic) {
    Shape y = pool_infer(ic, ic.inputs[0]);
    if (ic.inputs[1] != y)
      ic.fail("grad_y {} must be {}, the pooled shape of x {}", ic.inputs[1], y, ic.inputs[0]);
    return ic.inputs[0];
  };
  d.cpu = max_backward_cpu;
  d.kernel = [](const KernelContext& kc, Dispatch& dp) {
    record(kc, dp, "max_pool2d_backward", kc.inputs[0]);
  };
  d.cost = [](const Node& n, const std::vector<Shape>& in) {
    Pool g = pool_of(n.attrs, in[0]);
    double per = windows_per_input(g) * double(g.h.kernel * g.w.kernel);
    return pool_cost(in, n.shape, per * double(n.shape.elements()));
  };
  return d;
}

// avg_pool2d_backward (grad_y) -> grad_x; x's shape comes as input_shape.
OpDef avg_backward_op() {
  OpDef d;
  d.name = "avg_pool2d_backward";
  d.inputs = {"grad_y"};
  d.infer = [](const InferContext& ic) {
    Shape x(ic.attrs.ints("input_shape", {}));
    Shape y = pool_infer(ic, x);
    if (ic.inputs[0] != y)
      ic.fail("grad_y {} must be {}, the pooled shape of input_shape {}", ic.inputs[0], y, x);
    return x;
  };
  d.cpu = avg_backward_cpu;
  d.kernel = [](const KernelContext& kc, Dispatch& dp) {
    record(kc, dp, "avg_pool2d_backward", kc.output);
  };
  d.cost = [](const Node& n, const std::vector<Shape>& in) {
    Pool g = pool_of(n.attrs, n.shape);
    return pool_cost(in, n.shape, windows_per_input(g) * double(n.shape.elements()));
  };
  return d;
}

}  // namespace

void register_pool(std::vector<OpDef>& out) {
  out.push_back(forward_op("max_pool2d", true));
  out.push_back(max_backward_op());
  out.push_back(forward_op("avg_pool2d", false));
  out.push_back(avg_backward_op());
}

}  // namespace vkgan::ops
