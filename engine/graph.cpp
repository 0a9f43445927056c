// Graph construction and the Boost.Graph queries the rest of the engine uses.
#include "engine/graph.hpp"

#include <boost/graph/topological_sort.hpp>

#include <algorithm>
#include <iterator>

namespace vkgan {

const char* role_name(Role r) {
  switch (r) {
    case Role::kInput: return "input";
    case Role::kParam: return "param";
    case Role::kForward: return "forward";
    case Role::kBackward: return "backward";
    case Role::kOptimizer: return "optimizer";
  }
  return "?";
}

Shape infer_shape(const Graph& g, const std::string& op, const std::string& name,
                  const std::vector<NodeId>& inputs, const Attrs& attrs) {
  const OpDef& def = op_def(op);
  InferContext ic{def.name, name, attrs, {}, {}};
  size_t required = required_inputs(def);
  bool variadic = !def.inputs.empty() && def.inputs.back().ends_with("...");
  if (inputs.size() < required || (!variadic && inputs.size() > def.inputs.size()))
    ic.fail("takes {} to {} inputs, got {}", required, def.inputs.size(), inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    bool present = inputs[i] != kNoNode;
    if (!present && i < required) ic.fail("input '{}' is required", def.inputs[i]);
    VKGAN_ASSERT(!present || inputs[i] < g.size(), "node {} input {} out of range", name, i);
    ic.inputs.push_back(present ? g.shape(inputs[i]) : Shape{});
    ic.present.push_back(present);
  }
  ic.present.resize(std::max(inputs.size(), def.inputs.size()), false);
  ic.inputs.resize(ic.present.size());
  return def.infer(ic);
}

NodeId Graph::add(const std::string& op, const std::string& name, std::vector<NodeId> inputs,
                  Attrs attrs, Role role, const std::string& net) {
  if (by_name_.count(name)) fail("{} '{}': a node of that name exists already", op, name);
  Node n;
  n.def = &op_def(op);
  n.shape = infer_shape(*this, op, name, inputs, attrs);
  n.op = op;
  n.name = name;
  n.attrs = std::move(attrs);
  n.inputs = std::move(inputs);
  n.role = role;
  n.net = net;
  NodeId id = boost::add_vertex(n, g_);
  for (size_t slot = 0; slot < g_[id].inputs.size(); ++slot)
    if (g_[id].inputs[slot] != kNoNode) boost::add_edge(g_[id].inputs[slot], id, {slot}, g_);
  by_name_[name] = id;
  return id;
}

NodeId Graph::find(const std::string& name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? kNoNode : it->second;
}

std::string Graph::unique_name(const std::string& base) const {
  if (!has(base)) return base;
  for (int i = 1;; ++i) {
    std::string s = fmt::format("{}.{}", base, i);
    if (!has(s)) return s;
  }
}

std::vector<NodeId> Graph::topological_order() const {
  std::vector<NodeId> reversed;
  boost::topological_sort(g_, std::back_inserter(reversed));
  return {reversed.rbegin(), reversed.rend()};
}

std::vector<NodeId> Graph::consumers(NodeId id) const {
  std::vector<NodeId> out;
  for (auto [e, end] = boost::out_edges(id, g_); e != end; ++e)
    out.push_back(boost::target(*e, g_));
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::vector<NodeId> Graph::params(const std::string& net) const {
  std::vector<NodeId> out;
  for (NodeId i = 0; i < size(); ++i)
    if (g_[i].role == Role::kParam && g_[i].net == net) out.push_back(i);
  return out;
}

std::vector<std::string> Graph::networks() const {
  std::vector<std::string> out;
  for (NodeId i = 0; i < size(); ++i)
    if (g_[i].role == Role::kParam && std::find(out.begin(), out.end(), g_[i].net) == out.end())
      out.push_back(g_[i].net);
  return out;
}

}  // namespace vkgan
