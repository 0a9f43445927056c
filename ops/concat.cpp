// concat: z = x followed by y along `axis` (0 unless given; negative counts
// from the end); every other dimension must match. Its backward is two
// slices of grad_z. Derivative rules:
//   concat: grad_x = slice(grad_z, axis, 0, len_x)
//           grad_y = slice(grad_z, axis, len_x, len_y)
//   slice:  none (a pad-with-zeros op would be its rule)
#include "ops/slice.hpp"

namespace vkgan::ops {
namespace {

// Dimensions of `s` after `axis`, multiplied.
int64_t inner_of(const Shape& s, size_t axis) {
  int64_t n = 1;
  for (size_t i = axis + 1; i < s.rank(); ++i) n *= s[i];
  return n;
}

// `axis` of a rank-`rank` tensor in [0, rank), or a failure naming `shapes`.
size_t axis_of(const InferContext& ic, size_t rank, const std::string& shapes) {
  int64_t axis = ic.attrs.integer("axis", 0), r = int64_t(rank);
  if (rank == 0) ic.fail("cannot slice or concatenate scalars ({})", shapes);
  if (axis < -r || axis >= r) ic.fail("axis {} is out of range for {}", axis, shapes);
  return size_t(axis < 0 ? axis + r : axis);
}

// The axis of a built node, already validated.
size_t axis_of(const Node& n, size_t rank) {
  int64_t axis = n.attrs.integer("axis", 0);
  return size_t(axis < 0 ? axis + int64_t(rank) : axis);
}

Shape concat_infer(const InferContext& ic) {
  const Shape &x = ic.inputs[0], &y = ic.inputs[1];
  std::string both = fmt::format("x {} and y {}", x, y);
  if (x.rank() != y.rank()) ic.fail("{} differ in rank", both);
  size_t axis = axis_of(ic, x.rank(), both);
  for (size_t i = 0; i < x.rank(); ++i)
    if (i != axis && x[i] != y[i])
      ic.fail("{} differ in dimension {} (axis is {})", both, i, axis);
  if (x.elements() == 0 || y.elements() == 0) ic.fail("{}: an input is empty", both);
  Shape z = x;
  z[axis] = x[axis] + y[axis];
  return z;
}

void concat_cpu(const Node& n, std::span<const CpuTensor* const> in, CpuTensor& z) {
  const CpuTensor &x = *in[0], &y = *in[1];
  size_t axis = axis_of(n, x.shape.rank());
  size_t inner = size_t(inner_of(x.shape, axis));
  size_t row_x = size_t(x.shape[axis]) * inner, row_y = size_t(y.shape[axis]) * inner;
  auto out = z.data.begin();
  for (size_t o = 0; o * row_x < x.data.size(); ++o) {
    out = std::copy_n(x.data.begin() + ptrdiff_t(o * row_x), row_x, out);
    out = std::copy_n(y.data.begin() + ptrdiff_t(o * row_y), row_y, out);
  }
}

std::vector<NodeId> concat_grad(GradBuilder& g) {
  const Shape& x = g.shape_of(g.input(0));
  size_t axis = axis_of(g.node(), x.rank());
  int64_t len_x = x[axis], len_y = g.shape_of(g.input(1))[axis];
  std::vector<NodeId> out(2, kNoNode);
  auto part = [&](const char* suffix, int64_t start, int64_t length) {
    Attrs a{{"axis", int64_t(axis)}, {"start", start}, {"length", length}};
    return g.add("slice", suffix, {g.output()}, a);
  };
  if (g.wants(0)) out[0] = part("grad_x", 0, len_x);
  if (g.wants(1)) out[1] = part("grad_y", len_x, len_y);
  return out;
}

struct ConcatParams {
  uint32_t n, inner, len_x, len_y;
};
static_assert(sizeof(ConcatParams) <= kMaxPushConstants);

OpDef concat_op() {
  OpDef d;
  d.name = "concat";
  d.inputs = {"x", "y"};
  d.infer = concat_infer;
  d.cpu = concat_cpu;
  d.grad = concat_grad;
  d.kernel = [](const KernelContext& kc, Dispatch& dp) {
    const Shape &x = kc.inputs[0], &y = kc.inputs[1];
    size_t axis = axis_of(kc.node, x.rank());
    use_kernel(kc, dp, "concat_forward", 3);
    uint32_t n = uint32_t(kc.output.elements());
    dp.set_push(ConcatParams{n, uint32_t(inner_of(x, axis)), uint32_t(x[axis]),
                             uint32_t(y[axis])});
    dp.groups = groups_for(n, kLocal);
  };
  d.cost = [](const Node& n, const std::vector<Shape>&) {
    return Cost{0, 2.0 * double(n.shape.bytes())};
  };
  return d;
}

Shape slice_infer(const InferContext& ic) {
  const Shape& x = ic.inputs[0];
  size_t axis = axis_of(ic, x.rank(), fmt::format("x {}", x));
  int64_t start = ic.attrs.integer("start", 0), length = ic.attrs.integer("length", 0);
  if (start < 0 || length < 1 || start + length > x[axis])
    ic.fail("start {} and length {} do not fit in x {} along axis {}", start, length, x,
            axis);
  Shape y = x;
  y[axis] = length;
  return y;
}

void slice_cpu(const Node& n, std::span<const CpuTensor* const> in, CpuTensor& y) {
  const CpuTensor& x = *in[0];
  size_t axis = axis_of(n, x.shape.rank());
  size_t inner = size_t(inner_of(x.shape, axis));
  size_t row_in = size_t(x.shape[axis]) * inner, row_out = size_t(y.shape[axis]) * inner;
  size_t skip = size_t(n.attrs.integer("start", 0)) * inner;
  for (size_t o = 0; o * row_out < y.data.size(); ++o)
    std::copy_n(x.data.begin() + ptrdiff_t(o * row_in + skip), row_out,
                y.data.begin() + ptrdiff_t(o * row_out));
}

OpDef slice_op() {
  OpDef d;
  d.name = "slice";
  d.inputs = {"x"};
  d.infer = slice_infer;
  d.cpu = slice_cpu;
  d.kernel = [](const KernelContext& kc, Dispatch& dp) {
    const Shape& x = kc.inputs[0];
    size_t axis = axis_of(kc.node, x.rank());
    record_slice(kc, dp, inner_of(x, axis), x[axis], kc.node.attrs.integer("start", 0),
                 kc.output[axis]);
  };
  d.cost = [](const Node& n, const std::vector<Shape>&) {
    return Cost{0, 2.0 * double(n.shape.bytes())};
  };
  return d;
}

}  // namespace

void register_concat(std::vector<OpDef>& out) {
  out.push_back(concat_op());
  out.push_back(slice_op());
}

}  // namespace vkgan::ops
