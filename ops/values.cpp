// Nodes that carry values without computing: graph inputs, parameters,
// stop_gradient (an identity that blocks gradients) and reshape (a view of
// its input's memory under another shape).
#include "ops/common.hpp"

namespace vkgan::ops {
namespace {

// Inputs may be empty (a zero dimension); the op that reads one decides.
Shape declared_shape(const InferContext& ic) {
  std::vector<int64_t> dims = ic.attrs.ints("shape", {});
  for (int64_t d : dims)
    if (d < 0) ic.fail("shape {} has a negative dimension", Shape(dims));
  return Shape(dims);
}

void copy_cpu(const Node&, std::span<const CpuTensor* const> in, CpuTensor& out) {
  out.data = in[0]->data;
}

// reshape: `shape` may hold one -1, inferred from the element count.
Shape reshape_infer(const InferContext& ic) {
  std::vector<int64_t> dims = ic.attrs.ints("shape", {});
  int64_t known = 1, free_axis = -1;
  for (size_t i = 0; i < dims.size(); ++i) {
    if (dims[i] == -1 && free_axis < 0) free_axis = int64_t(i);
    else if (dims[i] <= 0) ic.fail("shape {}: bad dimension {}", Shape(dims), dims[i]);
    else known *= dims[i];
  }
  int64_t n = ic.inputs[0].elements();
  if (free_axis >= 0) {
    if (n % known) ic.fail("cannot reshape {} to {}", ic.inputs[0], Shape(dims));
    dims[size_t(free_axis)] = n / known;
  }
  if (Shape(dims).elements() != n) ic.fail("cannot reshape {} to {}", ic.inputs[0], Shape(dims));
  return Shape(dims);
}

}  // namespace

void register_values(std::vector<OpDef>& out) {
  OpDef input;
  input.name = "input";
  input.infer = declared_shape;
  input.dispatches = false;
  input.cost = [](const Node&, const std::vector<Shape>&) { return Cost{}; };
  out.push_back(input);

  OpDef param = input;
  param.name = "param";
  out.push_back(param);

  OpDef reshape;
  reshape.name = "reshape";
  reshape.inputs = {"x"};
  reshape.infer = reshape_infer;
  reshape.cpu = copy_cpu;
  reshape.grad = [](GradBuilder& b) {
    Attrs a{{"shape", b.shape_of(b.input(0)).dims()}};
    return std::vector<NodeId>{b.add("reshape", "grad_x", {b.output()}, a)};
  };
  reshape.dispatches = false;
  reshape.alias = true;
  reshape.cost = [](const Node&, const std::vector<Shape>&) { return Cost{}; };
  out.push_back(reshape);

  OpDef stop = reshape;
  stop.name = "stop_gradient";
  stop.infer = [](const InferContext& ic) { return ic.inputs[0]; };
  stop.grad = nullptr;
  stop.constant = true;
  out.push_back(stop);
}

}  // namespace vkgan::ops
