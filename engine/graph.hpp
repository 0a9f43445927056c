// The dataflow graph: a Boost.Graph adjacency_list of op nodes, each edge a
// tensor from a producer to a consumer's input slot. Nodes are added, never
// removed; adding one infers its output shape and validates its inputs at
// once, so a bad model fails on the line that builds it.
#pragma once

#include <boost/graph/adjacency_list.hpp>

#include <map>
#include <string>
#include <vector>

#include "engine/attrs.hpp"
#include "engine/op.hpp"
#include "engine/shape.hpp"

namespace vkgan {

enum class Role : uint8_t {
  kInput,      // data fed from the host
  kParam,      // a trainable parameter, owned by a network
  kForward,    // the model's computation
  kBackward,   // added by autodiff
  kOptimizer,  // parameter updates and step bookkeeping
};

const char* role_name(Role r);

struct Node {
  std::string op;
  std::string name;
  Attrs attrs;
  Shape shape;
  std::vector<NodeId> inputs;  // kNoNode for an absent optional input
  Role role = Role::kForward;
  std::string net;  // owning network ("gen", "disc"), or empty
  const OpDef* def = nullptr;
};

struct EdgeProps {
  size_t slot = 0;
};

using BoostGraph = boost::adjacency_list<boost::vecS, boost::vecS, boost::bidirectionalS, Node,
                                         EdgeProps>;

class Graph {
 public:
  // Adds a node; throws Error naming the op, node and shapes when its inputs
  // do not fit. Names must be unique.
  NodeId add(const std::string& op, const std::string& name, std::vector<NodeId> inputs,
             Attrs attrs = {}, Role role = Role::kForward, const std::string& net = "");

  const Node& node(NodeId id) const { return g_[id]; }
  const Shape& shape(NodeId id) const { return g_[id].shape; }
  size_t size() const { return boost::num_vertices(g_); }
  const BoostGraph& boost() const { return g_; }

  NodeId find(const std::string& name) const;  // kNoNode when absent
  bool has(const std::string& name) const { return find(name) != kNoNode; }
  // A name not yet used, from `base` ("gen.fc.grad_w", "gen.fc.grad_w.1").
  std::string unique_name(const std::string& base) const;

  // Every node in a dependency-respecting order (Boost's topological_sort).
  std::vector<NodeId> topological_order() const;
  // Nodes that read `id`'s output.
  std::vector<NodeId> consumers(NodeId id) const;
  // Parameters of one network, in creation order.
  std::vector<NodeId> params(const std::string& net) const;
  std::vector<std::string> networks() const;

 private:
  BoostGraph g_;
  std::map<std::string, NodeId> by_name_;
};

// Shape inference for one node, as Graph::add does it.
Shape infer_shape(const Graph& g, const std::string& op, const std::string& name,
                  const std::vector<NodeId>& inputs, const Attrs& attrs);

}  // namespace vkgan
