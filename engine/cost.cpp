// Node costs and profiled device times of a program.
#include "engine/cost.hpp"

#include <algorithm>

namespace vkgan {

Cost node_cost(const Graph& g, NodeId id) {
  const Node& n = g.node(id);
  if (!n.def->cost) return {};
  std::vector<Shape> in;
  for (NodeId i : n.inputs) in.push_back(i == kNoNode ? Shape{} : g.shape(i));
  return n.def->cost(n, in);
}

double program_flops(const Program& p) {
  double f = 0;
  for (NodeId id : p.schedule()) f += node_cost(p.graph(), id).flops;
  return f;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n == 0 ? 0 : n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

std::map<NodeId, double> median_node_times(Program& p, int runs) {
  // The command list stamps the time before each dispatch and after the
  // last, so position i of the times is schedule position i.
  const std::vector<NodeId>& order = p.schedule();
  std::vector<std::vector<double>> times(order.size());
  for (int r = 0; r < runs; ++r) {
    p.run();
    std::vector<double> t = p.node_times_ns();
    for (size_t i = 0; i < t.size() && i < times.size(); ++i) times[i].push_back(t[i]);
  }
  std::map<NodeId, double> out;
  for (size_t i = 0; i < order.size(); ++i)
    if (!times[i].empty()) out[order[i]] = median(times[i]);
  return out;
}

}  // namespace vkgan
