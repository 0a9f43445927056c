// Locating the first non-finite value of a training step.
#include "engine/diagnose.hpp"

#include <cmath>

namespace vkgan {
namespace {

NonFinite scan(Program& p, NodeId id, const char* op) {
  std::vector<float> v = p.read(id);
  for (size_t i = 0; i < v.size(); ++i)
    if (!std::isfinite(v[i])) return {p.graph().node(id).name, op, int64_t(i), v[i]};
  return {};
}

}  // namespace

NonFinite first_nonfinite(Workspace& ws, const GanStep& step, const std::vector<float>* batch) {
  const Graph& g = step.graph;
  ProgramOptions o;
  o.param_grads = step.param_grads;
  for (NodeId id = 0; id < g.size(); ++id) o.outputs.push_back(id);
  Program p(ws, g, o);

  for (NodeId id = 0; id < g.size(); ++id)
    if (g.node(id).role == Role::kParam)
      if (NonFinite f = scan(p, id, "parameter")) return f;
  if (batch && step.x != kNoNode) p.write(step.x, *batch);
  p.run();
  // Optimiser nodes write the parameters in place: their values belong to
  // the next step.
  for (NodeId id : p.schedule())
    if (g.node(id).role != Role::kOptimizer)
      if (NonFinite f = scan(p, id, g.node(id).op.c_str())) return f;
  return {};
}

}  // namespace vkgan
