// Builds the one-op graph, its gradient, and evaluates it.
#include "engine/op_runner.hpp"

#include "engine/autodiff.hpp"
#include "engine/dsl.hpp"
#include <memory>

#include "engine/program.hpp"
#include "engine/reference.hpp"

namespace vkgan {
namespace {

struct OpGraph {
  Graph g;
  std::map<std::string, NodeId> inputs;
  NodeId output = kNoNode, dy = kNoNode;
  std::map<std::string, NodeId> grads;
};

// Inputs go to the op in the order given; a case may leave out a trailing
// optional input (a bias).
std::vector<NodeId> ordered_inputs(const OpGraph& og, const OpCall& call) {
  std::vector<NodeId> ids;
  for (const auto& [name, t] : call.inputs) ids.push_back(og.inputs.at(name));
  return ids;
}

std::unique_ptr<OpGraph> build(const OpCall& call) {
  auto og = std::make_unique<OpGraph>();
  for (const auto& [name, t] : call.inputs) og->inputs[name] = input(og->g, name, t.shape).id;
  og->output = build_op(og->g, call.op, call.op, ordered_inputs(*og, call), call.attrs);
  if (!call.dy) return og;
  if (call.dy->shape != og->g.shape(og->output))
    fail("{}: dy has shape {} but the output has shape {}", call.op, call.dy->shape,
         og->g.shape(og->output));
  og->dy = input(og->g, "dy", call.dy->shape).id;
  std::vector<NodeId> wanted;
  for (const std::string& w : call.wanted) wanted.push_back(og->inputs.at(w));
  Gradients grads = differentiate(og->g, og->output, wanted, og->dy);
  for (const std::string& w : call.wanted) {
    auto it = grads.of.find(og->inputs.at(w));
    if (it != grads.of.end()) og->grads[w] = it->second;
  }
  return og;
}

}  // namespace

OpResult run_op_device(Context& ctx, const OpCall& call) {
  auto og = build(call);
  Workspace ws(ctx, 0);
  ProgramOptions opts;
  opts.outputs.push_back(og->output);
  for (const auto& [name, id] : og->grads) opts.outputs.push_back(id);
  Program program(ws, og->g, opts);
  for (const auto& [name, t] : call.inputs) program.write(og->inputs.at(name), t.data);
  if (call.dy) program.write(og->dy, call.dy->data);
  program.run();

  OpResult r;
  r.output = {og->g.shape(og->output), program.read(og->output)};
  for (const auto& [name, id] : og->grads) r.grads[name] = {og->g.shape(id), program.read(id)};
  // An input the output does not depend on has a zero gradient.
  for (const std::string& w : call.wanted)
    if (!r.grads.count(w)) {
      const Shape& s = og->g.shape(og->inputs.at(w));
      r.grads[w] = {s, std::vector<float>(size_t(s.elements()), 0.0f)};
    }
  return r;
}

CpuOpResult run_op_cpu(const OpCall& call, const std::map<std::string, CpuTensor>& exact) {
  auto og = build(call);
  std::map<NodeId, CpuTensor> feeds;
  auto widen = [](const HostTensor& t) {
    CpuTensor c(t.shape);
    std::copy(t.data.begin(), t.data.end(), c.data.begin());
    return c;
  };
  for (const auto& [name, t] : call.inputs) {
    auto e = exact.find(name);
    feeds[og->inputs.at(name)] = e != exact.end() ? e->second : widen(t);
  }
  if (call.dy) feeds[og->dy] = widen(*call.dy);
  auto values = evaluate_reference(og->g, feeds);
  CpuOpResult r;
  r.output = values.at(og->output);
  for (const auto& [name, id] : og->grads) r.grads[name] = values.at(id);
  for (const std::string& w : call.wanted)
    if (!r.grads.count(w)) r.grads[w] = CpuTensor(og->g.shape(og->inputs.at(w)));
  return r;
}

}  // namespace vkgan
