// Optimiser and bookkeeping nodes, which act on the workspace rather than on
// tensors of the graph:
//   adam         one Adam step over a network's whole parameter buffer
//                (attributes net, lr, beta1, beta2, eps, weight_decay); its
//                inputs are the gradients it must wait for
//   sgd          one SGD step with momentum (attributes net, lr, momentum,
//                weight_decay), the velocity kept in the store's m buffer
//   step_tick    advances the draw counter and the Adam step of the network
//                named by `advance`
//   log_scalars  copies up to eight scalars into the host-visible log ring
#include "engine/workspace.hpp"
#include "ops/common.hpp"

namespace vkgan::ops {
namespace {

struct AdamParams {
  uint32_t n;
  float lr, beta1, beta2, eps;
  uint32_t slot;
  float weight_decay;
};

struct SgdParams {
  uint32_t n;
  float lr, momentum, weight_decay;
};
static_assert(sizeof(AdamParams) <= 128 && sizeof(SgdParams) <= 128);

struct LogParams {
  uint32_t count, first_slot, slots, capacity;
};

Cost no_cost(const Node&, const std::vector<Shape>&) { return Cost{}; }

void check_weight_decay(const InferContext& ic) {
  double wd = ic.attrs.real("weight_decay", 0.0);
  if (!(wd >= 0)) ic.fail("weight_decay must be at least 0, got {}", wd);
}

OpDef adam_op() {
  OpDef d;
  d.name = "adam";
  d.inputs = {"grads..."};
  d.infer = [](const InferContext& ic) {
    if (ic.attrs.string("net", "").empty()) ic.fail("attribute net is required");
    double lr = ic.attrs.real("lr", 2e-4), b1 = ic.attrs.real("beta1", 0.9);
    double b2 = ic.attrs.real("beta2", 0.999);
    if (!(lr > 0) || !(b1 >= 0 && b1 < 1) || !(b2 >= 0 && b2 < 1))
      ic.fail("needs lr > 0 and betas in [0, 1), got lr {} betas ({}, {})", lr, b1, b2);
    check_weight_decay(ic);
    return Shape{};
  };
  d.kernel = [](const KernelContext& kc, Dispatch& dp) {
    use_kernel(kc, dp, "adam_update", 5);
    const Attrs& a = kc.node.attrs;
    const ParamStore& s = kc.ws.store(a.string("net", ""));
    uint32_t n = uint32_t(s.floats);
    dp.set_push(AdamParams{n, float(a.real("lr", 2e-4)), float(a.real("beta1", 0.9)),
                           float(a.real("beta2", 0.999)), float(a.real("eps", 1e-8)), 1 + s.index,
                           float(a.real("weight_decay", 0.0))});
    dp.groups = groups_for(n, kLocal);
  };
  d.bind = [](const BindContext& bc) {
    ParamStore& s = bc.ws.store(bc.node.attrs.string("net", ""));
    return std::vector<BoundTensor>{{bind(s.values), true},
                                    {bind(s.grads), false},
                                    {bind(s.m), true},
                                    {bind(s.v), true},
                                    {bind(bc.ws.counters()), false}};
  };
  d.cost = no_cost;
  return d;
}

OpDef sgd_op() {
  OpDef d;
  d.name = "sgd";
  d.inputs = {"grads..."};
  d.infer = [](const InferContext& ic) {
    if (ic.attrs.string("net", "").empty()) ic.fail("attribute net is required");
    double lr = ic.attrs.real("lr", 1e-2), mom = ic.attrs.real("momentum", 0.0);
    if (!(lr > 0) || !(mom >= 0 && mom < 1))
      ic.fail("needs lr > 0 and momentum in [0, 1), got lr {} momentum {}", lr, mom);
    check_weight_decay(ic);
    return Shape{};
  };
  d.kernel = [](const KernelContext& kc, Dispatch& dp) {
    use_kernel(kc, dp, "sgd_update", 3);
    const Attrs& a = kc.node.attrs;
    uint32_t n = uint32_t(kc.ws.store(a.string("net", "")).floats);
    dp.set_push(SgdParams{n, float(a.real("lr", 1e-2)), float(a.real("momentum", 0.0)),
                          float(a.real("weight_decay", 0.0))});
    dp.groups = groups_for(n, kLocal);
  };
  d.bind = [](const BindContext& bc) {
    ParamStore& s = bc.ws.store(bc.node.attrs.string("net", ""));
    return std::vector<BoundTensor>{
        {bind(s.values), true}, {bind(s.grads), false}, {bind(s.m), true}};
  };
  d.cost = no_cost;
  return d;
}

OpDef tick_op() {
  OpDef d;
  d.name = "step_tick";
  d.inputs = {"after..."};
  d.infer = [](const InferContext&) { return Shape{}; };
  d.kernel = [](const KernelContext& kc, Dispatch& dp) {
    use_kernel(kc, dp, "step_tick", 1, {}, 32);
    // Always the draw counter; and the Adam step of the network named in
    // `advance`, if any.
    uint32_t mask = 1u << kDrawCounter;
    std::string net = kc.node.attrs.string("advance", "");
    if (!net.empty()) mask |= 1u << (1 + kc.ws.store(net).index);
    dp.set_push(mask);
    dp.groups = 1;
  };
  d.bind = [](const BindContext& bc) {
    return std::vector<BoundTensor>{{bind(bc.ws.counters()), true}};
  };
  d.cost = no_cost;
  return d;
}

OpDef log_op() {
  OpDef d;
  d.name = "log_scalars";
  d.inputs = {"scalars..."};
  d.infer = [](const InferContext& ic) {
    size_t n = ic.inputs.size();
    if (n == 0 || n > 8) ic.fail("logs 1 to 8 scalars, got {}", n);
    for (const Shape& s : ic.inputs)
      if (s.elements() != 1) ic.fail("input {} is not a scalar", s);
    int64_t first = ic.attrs.integer("first_slot", 0);
    if (first < 0 || first + int64_t(n) > Workspace::kLogSlots)
      ic.fail("slots {}..{} outside the ring's {}", first, first + int64_t(n),
              Workspace::kLogSlots);
    return Shape{};
  };
  d.kernel = [](const KernelContext& kc, Dispatch& dp) {
    use_kernel(kc, dp, "log_scalars", 10, {}, 1);
    dp.set_push(LogParams{uint32_t(kc.node.inputs.size()),
                          uint32_t(kc.node.attrs.integer("first_slot", 0)), Workspace::kLogSlots,
                          Workspace::kLogCapacity});
    dp.groups = 1;
  };
  d.bind = [](const BindContext& bc) {
    std::vector<BoundTensor> out;
    for (size_t i = 0; i < 8; ++i)
      out.push_back({i < bc.inputs.size() ? bc.inputs[i] : bind(bc.ws.zeros()), false});
    out.push_back({bind(bc.ws.counters()), false});
    out.push_back({bind(bc.ws.log_ring()), true});
    return out;
  };
  d.cost = no_cost;
  return d;
}

}  // namespace

void register_adam(std::vector<OpDef>& out) {
  out.push_back(adam_op());
  out.push_back(sgd_op());
  out.push_back(tick_op());
  out.push_back(log_op());
}

}  // namespace vkgan::ops
