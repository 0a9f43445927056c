// The op interface. An op is a table of functions: shape inference (which
// also validates), a CPU reference in float64, the derivative rule that adds
// backward nodes, the Vulkan kernel that records its dispatch, and its cost.
// Backward kernels are ops too (conv2d_backward_data, ...), so the backward
// graph is made of the same kind of nodes as the forward one.
//
// Every kernel binds its inputs in order at bindings 0..n-1 and its output at
// binding n. An absent optional input (a bias) is bound to a small zero buffer
// and flagged in the push constants.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/attrs.hpp"
#include "engine/error.hpp"
#include "engine/shape.hpp"
#include "engine/vulkan/commands.hpp"

namespace vkgan {

class Context;
class Graph;
class Workspace;
struct Node;
using NodeId = size_t;
inline constexpr NodeId kNoNode = ~NodeId(0);

// A tensor on the host in float64, for the reference implementations.
struct CpuTensor {
  Shape shape;
  std::vector<double> data;
  CpuTensor() = default;
  explicit CpuTensor(Shape s) : shape(std::move(s)), data(size_t(shape.elements()), 0.0) {}
};

// What shape inference sees. `fail` throws an Error that names the op and
// the node: "conv2d 'disc.conv1': ...".
struct InferContext {
  const std::string& op;
  const std::string& name;
  const Attrs& attrs;
  std::vector<Shape> inputs;  // an absent optional input has rank 0 and present=false
  std::vector<bool> present;

  template <typename... Args>
  [[noreturn]] void fail(fmt::format_string<Args...> f, Args&&... args) const {
    throw Error(fmt::format("{} '{}': {}", op, name, fmt::format(f, std::forward<Args>(args)...)));
  }
  bool has(size_t i) const { return i < present.size() && present[i]; }
};

// Adds backward nodes for one node. `grad_y` is the gradient of the loss
// with respect to the node's output; the rule returns one gradient node per
// input (kNoNode where `wants(i)` is false or the input is not differentiable).
class GradBuilder {
 public:
  virtual ~GradBuilder() = default;
  virtual const Node& node() const = 0;
  virtual NodeId self() const = 0;  // the node being differentiated (its output y)
  virtual NodeId input(size_t i) const = 0;
  virtual bool wants(size_t i) const = 0;
  virtual NodeId output() const = 0;
  virtual const Shape& shape_of(NodeId id) const = 0;
  // Adds a backward node; its network and role follow the node being
  // differentiated.
  virtual NodeId add(const std::string& op, const std::string& suffix,
                     std::vector<NodeId> inputs, Attrs attrs = {}) = 0;
};

struct KernelContext {
  Context& ctx;
  Workspace& ws;
  const Node& node;
  std::vector<Shape> inputs;
  std::vector<bool> present;
  const Shape& output;
};

struct Cost {
  double flops = 0;
  double bytes = 0;
};

// A dispatch's binding and whether the kernel writes it; ops with their own
// bindings (the optimiser) describe them with these.
struct BoundTensor {
  Binding binding;
  bool written = false;
};

struct BindContext {
  Workspace& ws;
  const Node& node;
  std::vector<Binding> inputs;
  Binding output;
};

struct OpDef {
  std::string name;
  // Input names in order; a trailing '?' marks an optional one ("b?"), and a
  // last name ending in "..." takes any number (inputs that only order).
  std::vector<std::string> inputs;
  std::function<Shape(const InferContext&)> infer;
  std::function<void(const Node&, std::span<const CpuTensor* const>, CpuTensor&)> cpu;
  // Empty: the op is not differentiable (an error names it if a gradient
  // is asked through it).
  std::function<std::vector<NodeId>(GradBuilder&)> grad;
  // Fills the dispatch's kernel, push constants and work-group count.
  std::function<void(const KernelContext&, Dispatch&)> kernel;
  std::function<Cost(const Node&, const std::vector<Shape>&)> cost;
  // Ops with bindings of their own (optimiser state, step counters, logs)
  // list them here instead of the inputs-then-output rule.
  std::function<std::vector<BoundTensor>(const struct BindContext&)> bind;
  // False for ops that only carry a value (input, param) and dispatch nothing.
  bool dispatches = true;
  // The output is input 0's memory seen with another shape (reshape).
  bool alias = false;
  // Every binding is an array of the output's length read or written at the
  // invocation's own index, and the push constants start with that length:
  // such a kernel can run as several dispatches over windows of its
  // tensors, which is how tensors above maxStorageBufferRange are bound.
  bool elementwise = false;
  // Nodes no gradient flows through on purpose (stop_gradient, noise, fill).
  bool constant = false;
};

// The registry of every op, filled once by ops/registry.cpp.
const OpDef& op_def(std::string_view name);
const OpDef* find_op(std::string_view name);
std::vector<std::string> op_names();

// Helpers for writing ops.
size_t required_inputs(const OpDef& def);
Cost elementwise_cost(const Node& n, const std::vector<Shape>& in, double flops_per_element);
// Work-group count for one invocation per element with `local` lanes.
inline uint64_t groups_for(int64_t elements, uint32_t local) {
  return uint64_t((elements + local - 1) / local);
}

}  // namespace vkgan
