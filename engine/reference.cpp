// Graph evaluation on the host, in schedule order.
#include "engine/reference.hpp"

namespace vkgan {

std::map<NodeId, CpuTensor> evaluate_reference(const Graph& g,
                                               const std::map<NodeId, CpuTensor>& feeds) {
  std::map<NodeId, CpuTensor> values;
  for (NodeId id : g.topological_order()) {
    const Node& n = g.node(id);
    if (auto f = feeds.find(id); f != feeds.end()) {
      VKGAN_ASSERT(f->second.shape == n.shape, "feed for '{}' has shape {}, node {}", n.name,
                   f->second.shape, n.shape);
      values[id] = f->second;
      continue;
    }
    if (n.role == Role::kInput || n.role == Role::kParam)
      fail("reference: no value fed for {} '{}'", role_name(n.role), n.name);
    if (!n.def->cpu) fail("reference: op {} (node '{}') has no CPU implementation", n.op, n.name);
    std::vector<const CpuTensor*> ins;
    for (NodeId in : n.inputs) ins.push_back(in == kNoNode ? nullptr : &values.at(in));
    ins.resize(std::max(ins.size(), n.def->inputs.size()), nullptr);
    CpuTensor out(n.shape);
    n.def->cpu(n, ins, out);
    values[id] = std::move(out);
  }
  return values;
}

}  // namespace vkgan
