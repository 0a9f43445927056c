// What conv2d and conv_transpose2d share: their geometry, one CPU loop that
// visits every (output, input, weight) product, and the recording of the
// three implicit-GEMM kernels (shaders/common/conv.glsl) that serve both ops.
//
// Both ops are seen as a direct convolution from a large tensor X to a small
// tensor Y with weights [Cy, Cx/groups, kh, kw]. conv2d is X -> Y; a
// transposed convolution is the same convolution run from Y back to X.
#pragma once

#include "ops/common.hpp"

namespace vkgan::ops {

using Pair = std::array<int64_t, 2>;

struct ConvGeom {
  int64_t batch = 0;
  int64_t cx = 0, hx = 0, wx = 0;  // X: conv2d's input, conv_transpose2d's output
  int64_t cy = 0, hy = 0, wy = 0;  // Y: conv2d's output, conv_transpose2d's input
  int64_t kh = 0, kw = 0;
  Pair stride{1, 1}, padding{0, 0}, dilation{1, 1};
  int64_t groups = 1;

  Shape x_shape() const { return Shape{batch, cx, hx, wx}; }
  Shape y_shape() const { return Shape{batch, cy, hy, wy}; }
  // Multiply-adds of any of the three passes; taps that land in the padding
  // count too, as in the usual 2 * N * Co * H' * W' * (C/groups) * kh * kw.
  double macs() const {
    return double(batch * cy * hy * wy) * double(cx / groups * kh * kw);
  }
};

// The attributes both ops read; `output_padding` only conv_transpose2d.
struct ConvAttrs {
  Pair stride, padding, dilation, output_padding;
  int64_t groups;
};

// Read from a node that shape inference has already validated.
inline ConvAttrs conv_attrs(const Attrs& a) {
  return {pair_of(a, "stride", 1), pair_of(a, "padding", 0), pair_of(a, "dilation", 1),
          pair_of(a, "output_padding", 0), a.integer("groups", 1)};
}

// The same, validated, for shape inference.
inline ConvAttrs conv_attrs(const InferContext& ic, bool transposed) {
  ConvAttrs c{pair_attr(ic, "stride", 1, 1), pair_attr(ic, "padding", 0, 0),
              pair_attr(ic, "dilation", 1, 1),
              transposed ? pair_attr(ic, "output_padding", 0, 0) : Pair{0, 0},
              ic.attrs.integer("groups", 1)};
  if (c.groups < 1) ic.fail("groups must be at least 1, got {}", c.groups);
  return c;
}

// Refusals both ops share.
inline void require_image(const InferContext& ic, const Shape& x) {
  if (x.rank() != 4) ic.fail("x must be [N,C,H,W], got {}", x);
  if (x.elements() == 0) ic.fail("x {} is empty", x);
}

inline void require_weight(const InferContext& ic, const Shape& w, const char* layout) {
  if (w.rank() != 4) ic.fail("weight must be {}, got {}", layout, w);
  if (w[2] == 0 || w[3] == 0) ic.fail("weight {} has a zero-size kernel {}x{}", w, w[2], w[3]);
  if (w[0] == 0 || w[1] == 0) ic.fail("weight {} has no channels", w);
}

// " (2 per group, 3 groups)" where groups split the channels.
inline std::string groups_note(int64_t per_group, int64_t groups) {
  return groups > 1 ? fmt::format(" ({} per group, {} groups)", per_group, groups) : "";
}

// Output size of a direct convolution along one axis (may be < 1).
inline int64_t conv_out_size(int64_t in, int64_t k, int64_t s, int64_t p, int64_t d) {
  int64_t span = in + 2 * p - d * (k - 1) - 1;
  return span < 0 ? 0 : span / s + 1;
}

// Calls f(y_index, x_index, w_index) for every product of the convolution
// whose tap lands inside X, in a fixed order. Every pass of both ops is one
// of these loops with a different accumulation (conv_transpose2d's x is Y).
template <typename F>
void conv_visit(const ConvGeom& g, F&& f) {
  int64_t cxg = g.cx / g.groups, cyg = g.cy / g.groups;
  for (int64_t n = 0; n < g.batch; ++n)
    for (int64_t co = 0; co < g.cy; ++co)
      for (int64_t ci = 0; ci < cxg; ++ci)
        for (int64_t oh = 0; oh < g.hy; ++oh)
          for (int64_t ow = 0; ow < g.wy; ++ow)
            for (int64_t i = 0; i < g.kh; ++i) {
              int64_t ih = oh * g.stride[0] - g.padding[0] + i * g.dilation[0];
              if (ih < 0 || ih >= g.hx) continue;
              for (int64_t j = 0; j < g.kw; ++j) {
                int64_t iw = ow * g.stride[1] - g.padding[1] + j * g.dilation[1];
                if (iw < 0 || iw >= g.wx) continue;
                int64_t c = co / cyg * cxg + ci;
                f(size_t(((n * g.cy + co) * g.hy + oh) * g.wy + ow),
                  size_t(((n * g.cx + c) * g.hx + ih) * g.wx + iw),
                  size_t(((co * cxg + ci) * g.kh + i) * g.kw + j));
              }
            }
}

// Adds b[c] to every element of channel c of an NCHW tensor.
inline void add_channel_bias(const CpuTensor* b, CpuTensor& y) {
  if (!b) return;
  int64_t c = y.shape[1], inner = y.shape[2] * y.shape[3];
  for (size_t e = 0; e < y.data.size(); ++e) y.data[e] += b->data[size_t(int64_t(e) / inner % c)];
}

// The gather kernels read one NCHW tensor (binding 0) and write another:
// the direct gather writes Y from X (conv2d forward, conv_transpose2d's data
// gradient), the transposed one X from Y (conv_transpose2d forward, conv2d's
// data gradient), with bias at binding 2 when `bias` is set.
void record_gather(const KernelContext& kc, Dispatch& d, const ConvGeom& g, bool transposed,
                   bool bias);
// grad_w from the Y-shaped and X-shaped tensors; `transposed` says that
// binding 0 (grad_y) is the X-shaped one, as in conv_transpose2d.
void record_weight_grad(const KernelContext& kc, Dispatch& d, const ConvGeom& g,
                        bool transposed);

// Bytes are every input read plus the output; an absent bias comes as rank
// 0 and reads nothing.
inline Cost conv_cost(const ConvGeom& g, const Node& n, const std::vector<Shape>& in) {
  Cost c;
  c.flops = 2.0 * g.macs();  // bias adds are not counted
  c.bytes = double(n.shape.bytes());
  for (const Shape& s : in)
    if (s.rank() > 0) c.bytes += double(s.bytes());
  return c;
}

}  // namespace vkgan::ops
