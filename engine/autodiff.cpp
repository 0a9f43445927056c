// Reverse accumulation over the graph in reverse topological order.
#include "engine/autodiff.hpp"

#include <boost/graph/breadth_first_search.hpp>
#include <boost/graph/filtered_graph.hpp>
#include <boost/graph/reverse_graph.hpp>
#include <boost/pending/queue.hpp>

#include <set>

namespace vkgan {
namespace {

// Collects every vertex a breadth-first search discovers.
struct Collect : boost::default_bfs_visitor {
  std::set<NodeId>* out;
  template <typename G>
  void discover_vertex(NodeId v, const G&) const {
    out->insert(v);
  }
};

template <typename G>
std::set<NodeId> reachable(const G& g, const std::vector<NodeId>& from) {
  std::set<NodeId> seen;
  if (from.empty()) return seen;
  std::vector<boost::default_color_type> colors(boost::num_vertices(g));
  auto color = boost::make_iterator_property_map(colors.begin(),
                                                 boost::get(boost::vertex_index, g));
  Collect vis;
  vis.out = &seen;
  boost::queue<NodeId> queue;
  boost::breadth_first_search(g, from.begin(), from.end(), queue, vis, color);
  return seen;
}

// Edges along which a gradient can flow: not into an op that blocks it.
struct Differentiable {
  const BoostGraph* g = nullptr;
  bool operator()(const BoostGraph::edge_descriptor& e) const {
    return !(*g)[boost::target(e, *g)].def->constant;
  }
};

class Builder final : public GradBuilder {
 public:
  Builder(Graph& g, NodeId id, NodeId grad_y, const std::set<NodeId>& needed, size_t& added)
      : g_(g), node_(g.node(id)), id_(id), grad_y_(grad_y), needed_(needed), added_(added) {}

  // A copy: adding nodes may move the graph's storage.
  const Node& node() const override { return node_; }
  NodeId self() const override { return id_; }
  NodeId input(size_t i) const override { return node().inputs.at(i); }
  bool wants(size_t i) const override {
    const auto& in = node().inputs;
    return i < in.size() && in[i] != kNoNode && needed_.count(in[i]);
  }
  NodeId output() const override { return grad_y_; }
  const Shape& shape_of(NodeId id) const override { return g_.shape(id); }
  NodeId add(const std::string& op, const std::string& suffix, std::vector<NodeId> inputs,
             Attrs attrs) override {
    const Node& n = node();
    std::string name = g_.unique_name(n.name + "." + suffix);
    ++added_;
    std::string net = n.net;
    return g_.add(op, name, std::move(inputs), std::move(attrs), Role::kBackward, net);
  }

 private:
  Graph& g_;
  Node node_;
  NodeId id_, grad_y_;
  const std::set<NodeId>& needed_;
  size_t& added_;
};

NodeId sum_contributions(Graph& g, NodeId id, const std::vector<NodeId>& parts, size_t& added) {
  NodeId total = parts[0];
  for (size_t k = 1; k < parts.size(); ++k) {
    const Node& n = g.node(id);
    std::string name = g.unique_name(n.name + ".grad_sum");
    std::string net = n.net;
    total = g.add("add", name, {total, parts[k]}, {}, Role::kBackward, net);
    ++added;
  }
  return total;
}

}  // namespace

Gradients differentiate(Graph& g, NodeId loss, const std::vector<NodeId>& wanted, NodeId seed) {
  Gradients out;
  auto flowing = boost::make_filtered_graph(g.boost(), Differentiable{&g.boost()});
  std::set<NodeId> from_wanted = reachable(flowing, wanted);
  std::set<NodeId> to_loss = reachable(boost::make_reverse_graph(g.boost()), {loss});
  std::set<NodeId> needed;
  for (NodeId v : from_wanted)
    if (to_loss.count(v)) needed.insert(v);
  if (!needed.count(loss)) return out;

  if (seed == kNoNode) {
    const Node& l = g.node(loss);
    if (l.shape.elements() != 1)
      fail("autodiff: loss '{}' has shape {}; a loss must be a scalar", l.name, l.shape);
    Attrs a{{"value", 1.0}, {"shape", l.shape.dims()}};
    std::string net = l.net;
    seed = g.add("fill", g.unique_name(l.name + ".seed"), {}, a, Role::kBackward, net);
    ++out.nodes_added;
  }

  std::map<NodeId, std::vector<NodeId>> parts{{loss, {seed}}};
  std::vector<NodeId> order = g.topological_order();
  std::set<NodeId> want(wanted.begin(), wanted.end());
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    NodeId id = *it;
    auto p = parts.find(id);
    if (p == parts.end() || !needed.count(id)) continue;
    NodeId grad = sum_contributions(g, id, p->second, out.nodes_added);
    if (want.count(id)) out.of[id] = grad;

    const Node& n = g.node(id);
    Builder b(g, id, grad, needed, out.nodes_added);
    bool any = false;
    for (size_t i = 0; i < n.inputs.size(); ++i) any = any || b.wants(i);
    if (!any || n.def->constant) continue;
    if (!n.def->grad)
      fail("autodiff: op {} (node '{}') has no derivative rule", n.op, n.name);
    std::vector<NodeId> grads = n.def->grad(b);
    const Node& after = b.node();
    for (size_t i = 0; i < after.inputs.size(); ++i) {
      if (!b.wants(i) || i >= grads.size() || grads[i] == kNoNode) continue;
      NodeId in = after.inputs[i];
      VKGAN_ASSERT(g.shape(grads[i]) == g.shape(in), "{}: gradient {} for input {} of shape {}",
                   after.name, g.shape(grads[i]), i, g.shape(in));
      parts[in].push_back(grads[i]);
    }
  }

  // Each wanted gradient gets a node of its own, so that a program can place
  // it in the parameter's gradient buffer without moving anything else.
  std::set<NodeId> taken{seed};
  for (auto& [w, grad] : out.of) {
    const Node& gn = g.node(grad);
    bool own = gn.role == Role::kBackward && !taken.count(grad) && g.consumers(grad).empty();
    if (!own) {
      std::string net = g.node(w).net;
      grad = g.add("copy", g.unique_name(g.node(w).name + ".grad"), {grad}, {}, Role::kBackward,
                   net);
      ++out.nodes_added;
    }
    taken.insert(grad);
  }
  return out;
}

}  // namespace vkgan
