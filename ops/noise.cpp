// noise: standard normal numbers drawn on the device (Philox keyed by seed
// and stream, indexed by the device's draw counter), so training needs no
// noise upload and a run is reproducible from its seed. Attributes: shape,
// seed, stream, and counter (>= 0: a fixed draw, for sample grids).
#include "engine/random.hpp"
#include "engine/workspace.hpp"
#include "ops/common.hpp"

namespace vkgan::ops {
namespace {

struct NoiseParams {
  uint32_t n, seed_lo, seed_hi, stream, fixed_counter, use_fixed;
};

}  // namespace

void register_noise(std::vector<OpDef>& out) {
  OpDef d;
  d.name = "noise";
  d.infer = [](const InferContext& ic) {
    std::vector<int64_t> dims = ic.attrs.ints("shape", {});
    for (int64_t v : dims)
      if (v <= 0) ic.fail("shape {} has a dimension that is not positive", Shape(dims));
    return Shape(dims);
  };
  // The reference draws with the fixed counter, or counter 0 (a fresh
  // workspace's first draw).
  d.cpu = [](const Node& n, std::span<const CpuTensor* const>, CpuTensor& y) {
    uint64_t seed = uint64_t(n.attrs.integer("seed", 0));
    int64_t counter = n.attrs.integer("counter", -1);
    for (size_t i = 0; i < y.data.size(); ++i)
      y.data[i] = philox_normal(uint32_t(seed), uint32_t(seed >> 32),
                                uint32_t(n.attrs.integer("stream", 0)),
                                uint32_t(std::max<int64_t>(counter, 0)), uint32_t(i));
  };
  d.kernel = [](const KernelContext& kc, Dispatch& dp) {
    use_kernel(kc, dp, "noise_forward", 2);
    const Attrs& a = kc.node.attrs;
    uint64_t seed = uint64_t(a.integer("seed", 0));
    int64_t counter = a.integer("counter", -1);
    uint32_t n = uint32_t(kc.output.elements());
    dp.set_push(NoiseParams{n, uint32_t(seed), uint32_t(seed >> 32),
                            uint32_t(a.integer("stream", 0)),
                            uint32_t(std::max<int64_t>(counter, 0)), counter >= 0 ? 1u : 0u});
    dp.groups = groups_for(n, kLocal);
  };
  d.bind = [](const BindContext& bc) {
    return std::vector<BoundTensor>{{bind(bc.ws.counters()), false}, {bc.output, true}};
  };
  d.cost = [](const Node& n, const std::vector<Shape>& in) { return elementwise_cost(n, in, 60); };
  d.constant = true;
  out.push_back(d);
}

}  // namespace vkgan::ops
