// conv2d: y = x * w + b over NCHW images, x [N,C,H,W], w [Co,C/groups,kh,kw],
// b [Co] optional; attributes stride, padding, dilation (pairs) and groups;
// H' = (H + 2p - d(kh-1) - 1) / s + 1. Derivative rules:
//   grad_x = conv2d_backward_data(grad_y, w)    conv_transpose2d of grad_y by w
//   grad_w = conv2d_backward_weight(grad_y, x)  sum over n,h',w' of grad_y * x taps
//   grad_b = channel_sum(grad_y)
// The backward ops carry the forward attributes and the shape they produce
// (input_shape, weight_shape). This file also records the kernels that
// conv_transpose2d shares (ops/conv.hpp).
#include "ops/conv.hpp"

#include <numeric>

namespace vkgan::ops {
namespace {

// Mirrors `Params` in shaders/common/conv.glsl.
struct ConvParams {
  uint32_t batch;
  uint32_t x_c, x_h, x_w;
  uint32_t y_c, y_h, y_w;
  uint32_t kernel_h, kernel_w;
  uint32_t stride_h, stride_w;
  uint32_t pad_h, pad_w;
  uint32_t dil_h, dil_w;
  uint32_t groups;
  uint32_t tiles_m, tiles_n;
  uint32_t tap_step_h, tap_step_w;
  uint32_t src_step_h, src_step_w;
};
static_assert(sizeof(ConvParams) <= kMaxPushConstants);

// Work-group shape (shaders/common/conv.glsl): block_m rows shared by the
// work group, block_n columns per invocation (or per work group when the
// invocations split the sum instead), `lanes` invocations.
struct Tiles {
  uint32_t lanes, block_m, block_n;
  bool split_sum = false;
  uint32_t tile_n() const { return split_sum ? block_n : lanes * block_n; }
};

uint32_t pow2_at_least(int64_t v) {
  uint32_t p = 1;
  while (p < v) p *= 2;
  return p;
}

// Block sizes come from a short list so that few pipelines are built (each
// takes lavapipe a second or two to compile); `v` is rounded up to one.
uint32_t listed_size(int64_t v) {
  for (uint32_t size : {1, 2, 4, 8, 12, 16, 24})
    if (v <= size) return size;
  return uint32_t(v);
}

// A block for `count` items in the fewest blocks of at most `most`, as even
// as the list allows: 70 rows are 5 blocks of 16 (14 would be even).
uint32_t even_block(int64_t count, int64_t most) {
  int64_t blocks = (count + most - 1) / most;
  return listed_size((count + blocks - 1) / blocks);
}

// On a CPU (lavapipe) every load costs a loop over the SIMD lanes while
// multiply-adds are nearly free, so a SIMD-wide work group takes large
// blocks. On the dcgan28 layers 16 x 24 outputs per invocation ran twice as
// fast as 8 x 16; 16 x 32 was 10-20% faster still but took 5 s a pipeline
// to compile, against 2 s. A GPU gets small blocks and wide work groups.
// Where the columns cannot fill a work group (a one-channel weight) and
// `may_split` is set, the invocations share out the sum instead.
Tiles choose_tiles(const KernelContext& kc, int64_t m, int64_t n, bool may_split) {
  bool cpu = kc.ctx.info().type == "cpu";
  const int64_t max_m = cpu ? 16 : 4, max_n = cpu ? 24 : 4;
  const uint32_t max_lanes = cpu ? std::clamp(kc.ctx.limits().subgroup_size, 4u, 64u) : 64u;
  Tiles t;
  t.block_m = even_block(m, max_m);
  t.split_sum = may_split && cpu && n < max_lanes * max_n;
  if (t.split_sum) {
    t.lanes = max_lanes;
    t.block_n = even_block(n, max_n);
    return t;
  }
  t.lanes = std::min(max_lanes, pow2_at_least((n + max_n - 1) / max_n));
  t.block_n = listed_size(std::min<int64_t>(max_n, (n + t.lanes - 1) / t.lanes));
  return t;
}

uint32_t u32(int64_t v) {
  VKGAN_ASSERT(v >= 0 && v < (int64_t(1) << 31), "convolution size {} over the 2^31 limit", v);
  return uint32_t(v);
}

ConvParams conv_params(const ConvGeom& g) {
  VKGAN_ASSERT(g.x_shape().elements() < (int64_t(1) << 31) &&
                   g.y_shape().elements() < (int64_t(1) << 31),
               "tensors {} / {} too large for 32-bit indices", g.x_shape(), g.y_shape());
  ConvParams p{};
  p.batch = u32(g.batch);
  p.x_c = u32(g.cx), p.x_h = u32(g.hx), p.x_w = u32(g.wx);
  p.y_c = u32(g.cy), p.y_h = u32(g.hy), p.y_w = u32(g.wy);
  p.kernel_h = u32(g.kh), p.kernel_w = u32(g.kw);
  p.stride_h = u32(g.stride[0]), p.stride_w = u32(g.stride[1]);
  p.pad_h = u32(g.padding[0]), p.pad_w = u32(g.padding[1]);
  p.dil_h = u32(g.dilation[0]), p.dil_w = u32(g.dilation[1]);
  p.groups = u32(g.groups);
  // Taps k and k + s/gcd(s,d) reach pixels of the same phase, d/gcd(s,d)
  // source rows apart; the transposed gather walks only those.
  int64_t gh = std::gcd(g.stride[0], g.dilation[0]), gw = std::gcd(g.stride[1], g.dilation[1]);
  p.tap_step_h = u32(g.stride[0] / gh), p.tap_step_w = u32(g.stride[1] / gw);
  p.src_step_h = u32(g.dilation[0] / gh), p.src_step_w = u32(g.dilation[1] / gw);
  return p;
}

// Records a dispatch of `blocks` times the tiles of an m x n product. On a
// CPU the two read-only operands (bindings 0 and 1) are read as texel
// buffers: on the dcgan28 layers that made the kernels 1.6x faster
// (docs/benchmarks.md).
void record(const KernelContext& kc, Dispatch& d, const char* shader, Tiles t,
            std::vector<uint32_t> flags, ConvParams p, uint64_t blocks, int64_t m, int64_t n) {
  p.tiles_m = u32((m + t.block_m - 1) / t.block_m);
  p.tiles_n = u32((n + t.tile_n() - 1) / t.tile_n());
  flags.insert(flags.begin(), {t.block_m, t.block_n});
  use_kernel_texel(kc, d, shader, 2, default_bindings(kc), flags, t.lanes);
  d.set_push(p);
  d.groups = blocks * p.tiles_m * p.tiles_n;
}

}  // namespace

// The direct gather computes Y[n, m, pixel]; the transposed one computes X
// one phase (pixel row and column mod stride) at a time, so that every tap
// it walks lands on a pixel. Either way M is output channels per group and
// N the output pixels (of all images) of a phase.
void record_gather(const KernelContext& kc, Dispatch& d, const ConvGeom& g, bool transposed,
                   bool bias) {
  ConvParams p = conv_params(g);
  int64_t m = (transposed ? g.cx : g.cy) / g.groups, phases = 1, pixels = g.hy * g.wy;
  if (transposed) {
    phases = g.stride[0] * g.stride[1];
    pixels = (g.hx + g.stride[0] - 1) / g.stride[0] * ((g.wx + g.stride[1] - 1) / g.stride[1]);
  }
  int64_t n = g.batch * pixels;
  const char* shader = transposed ? "conv_transpose2d_forward" : "conv2d_forward";
  record(kc, d, shader, choose_tiles(kc, m, n, false), {bias ? 1u : 0u}, p,
         uint64_t(g.groups * phases), m, n);
}

// grad_w[m, (c, i, j)] = sum over (n, h', w') of Y[n, m, ...] X[n, c, taps].
void record_weight_grad(const KernelContext& kc, Dispatch& d, const ConvGeom& g,
                        bool transposed) {
  int64_t m = g.cy / g.groups, n = g.cx / g.groups * g.kh * g.kw;
  Tiles t = choose_tiles(kc, m, n, true);
  record(kc, d, "conv2d_backward_weight", t, {transposed ? 1u : 0u, t.split_sum ? 1u : 0u},
         conv_params(g), uint64_t(g.groups), m, n);
}

namespace {

ConvGeom conv2d_geom(const Shape& x, const Shape& w, const Attrs& attrs) {
  ConvAttrs a = conv_attrs(attrs);
  ConvGeom g;
  g.batch = x[0], g.cx = x[1], g.hx = x[2], g.wx = x[3];
  g.cy = w[0], g.kh = w[2], g.kw = w[3];
  g.stride = a.stride, g.padding = a.padding, g.dilation = a.dilation, g.groups = a.groups;
  g.hy = conv_out_size(g.hx, g.kh, g.stride[0], g.padding[0], g.dilation[0]);
  g.wy = conv_out_size(g.wx, g.kw, g.stride[1], g.padding[1], g.dilation[1]);
  return g;
}

// Validates x and w as conv2d sees them; shared by the backward ops, which
// get one of the two shapes from an attribute.
ConvGeom conv2d_checked(const InferContext& ic, const Shape& x, const Shape& w) {
  ConvAttrs a = conv_attrs(ic, false);
  require_image(ic, x);
  require_weight(ic, w, "[Co,C/groups,kh,kw]");
  if (x[1] % a.groups)
    ic.fail("groups {} must divide the {} input channels of x {}", a.groups, x[1], x);
  if (w[0] % a.groups)
    ic.fail("groups {} must divide the {} output channels of weight {}", a.groups, w[0], w);
  if (w[1] * a.groups != x[1])
    ic.fail("weight {} expects {} input channels{}, got x {}", w, w[1] * a.groups,
            groups_note(w[1], a.groups), x);

  ConvGeom g = conv2d_geom(x, w, ic.attrs);
  if (g.hy < 1 || g.wy < 1)
    ic.fail("x {} padded by [{},{}] is smaller than weight {}'s kernel dilated by [{},{}]",
            x, a.padding[0], a.padding[1], w, a.dilation[0], a.dilation[1]);
  return g;
}

Shape conv2d_infer(const InferContext& ic) {
  ConvGeom g = conv2d_checked(ic, ic.inputs[0], ic.inputs[1]);
  if (ic.has(2) && ic.inputs[2] != Shape{g.cy})
    ic.fail("b {} must be [{}] to match weight {}", ic.inputs[2], g.cy, ic.inputs[1]);
  return g.y_shape();
}

std::vector<NodeId> conv2d_grad(GradBuilder& g) {
  Attrs attrs = g.node().attrs;
  std::vector<int64_t> x = g.shape_of(g.input(0)).dims(), w = g.shape_of(g.input(1)).dims();
  std::vector<NodeId> out(3, kNoNode);
  if (g.wants(0))
    out[0] = g.add("conv2d_backward_data", "grad_x", {g.output(), g.input(1)},
                   Attrs(attrs).set("input_shape", x));
  if (g.wants(1))
    out[1] = g.add("conv2d_backward_weight", "grad_w", {g.output(), g.input(0)},
                   Attrs(attrs).set("weight_shape", w));
  if (g.wants(2)) out[2] = g.add("channel_sum", "grad_b", {g.output()});
  return out;
}

OpDef conv2d_op() {
  OpDef d;
  d.name = "conv2d";
  d.inputs = {"x", "w", "b?"};
  d.infer = conv2d_infer;
  d.cpu = [](const Node& n, std::span<const CpuTensor* const> in, CpuTensor& y) {
    const CpuTensor &x = *in[0], &w = *in[1];
    conv_visit(conv2d_geom(x.shape, w.shape, n.attrs), [&](size_t yi, size_t xi, size_t wi) {
      y.data[yi] += x.data[xi] * w.data[wi];
    });
    add_channel_bias(in[2], y);
  };
  d.grad = conv2d_grad;
  d.kernel = [](const KernelContext& kc, Dispatch& dp) {
    ConvGeom g = conv2d_geom(kc.inputs[0], kc.inputs[1], kc.node.attrs);
    record_gather(kc, dp, g, false, kc.present[2]);
  };
  d.cost = [](const Node& n, const std::vector<Shape>& in) {
    return conv_cost(conv2d_geom(in[0], in[1], n.attrs), n, in);
  };
  return d;
}

// grad_x = conv_transpose2d(grad_y, w): the transposed gather. The third
// input is never given; it keeps the shared kernel's bias binding.
OpDef backward_data_op() {
  OpDef d;
  d.name = "conv2d_backward_data";
  d.inputs = {"grad_y", "w", "unused?"};
  d.infer = [](const InferContext& ic) {
    Shape x(ic.attrs.ints("input_shape", {}));
    ConvGeom g = conv2d_checked(ic, x, ic.inputs[1]);
    if (ic.inputs[0] != g.y_shape())
      ic.fail("grad_y {} must be {}, the output of x {} and weight {}", ic.inputs[0],
              g.y_shape(), x, ic.inputs[1]);
    return x;
  };
  d.cpu = [](const Node& n, std::span<const CpuTensor* const> in, CpuTensor& gx) {
    const CpuTensor &gy = *in[0], &w = *in[1];
    conv_visit(conv2d_geom(n.shape, w.shape, n.attrs), [&](size_t yi, size_t xi, size_t wi) {
      gx.data[xi] += gy.data[yi] * w.data[wi];
    });
  };
  d.kernel = [](const KernelContext& kc, Dispatch& dp) {
    ConvGeom g = conv2d_geom(kc.output, kc.inputs[1], kc.node.attrs);
    record_gather(kc, dp, g, true, false);
  };
  d.cost = [](const Node& n, const std::vector<Shape>& in) {
    return conv_cost(conv2d_geom(n.shape, in[1], n.attrs), n, in);
  };
  return d;
}

OpDef backward_weight_op() {
  OpDef d;
  d.name = "conv2d_backward_weight";
  d.inputs = {"grad_y", "x"};
  d.infer = [](const InferContext& ic) {
    Shape w(ic.attrs.ints("weight_shape", {}));
    ConvGeom g = conv2d_checked(ic, ic.inputs[1], w);
    if (ic.inputs[0] != g.y_shape())
      ic.fail("grad_y {} must be {}, the output of x {} and weight {}", ic.inputs[0],
              g.y_shape(), ic.inputs[1], w);
    return w;
  };
  d.cpu = [](const Node& n, std::span<const CpuTensor* const> in, CpuTensor& gw) {
    const CpuTensor &gy = *in[0], &x = *in[1];
    conv_visit(conv2d_geom(x.shape, n.shape, n.attrs), [&](size_t yi, size_t xi, size_t wi) {
      gw.data[wi] += gy.data[yi] * x.data[xi];
    });
  };
  d.kernel = [](const KernelContext& kc, Dispatch& dp) {
    record_weight_grad(kc, dp, conv2d_geom(kc.inputs[1], kc.output, kc.node.attrs), false);
  };
  d.cost = [](const Node& n, const std::vector<Shape>& in) {
    return conv_cost(conv2d_geom(in[1], n.shape, n.attrs), n, in);
  };
  return d;
}

}  // namespace

void register_conv(std::vector<OpDef>& out) {
  out.push_back(conv2d_op());
  out.push_back(backward_data_op());
  out.push_back(backward_weight_op());
}

}  // namespace vkgan::ops
