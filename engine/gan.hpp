// The two training steps of a GAN, each compiled once into a program:
//   D step: L_D on a real batch x and a generated batch G(z) (no gradient
//           into G), gradients for D's parameters only, one Adam step on D;
//   G step: fresh z, L_G = the generator's loss on D(G(z)), gradients flow
//           through D into G, only G is updated.
// Each network has its own optimiser: Adam or SGD with momentum.
// Both share the workspace's parameter buffers. Noise is drawn on the device
// from (seed, stream, draw counter); each program ends by advancing the draw
// counter and its network's optimiser step, so replaying needs no host input but
// the batch. Losses and D's outputs go to the log ring at the row of the draw
// counter they were computed at.
#pragma once

#include <memory>
#include <string>

#include "engine/model.hpp"
#include "engine/program.hpp"
#include "engine/workspace.hpp"

namespace vkgan {

enum class GanLoss { kBce, kLsgan, kHinge };

GanLoss parse_gan_loss(const std::string& name);  // "bce", "lsgan", "hinge"
const char* gan_loss_name(GanLoss l);

enum class Optimizer { kAdam, kSgd };

Optimizer parse_optimizer(const std::string& name);  // "adam", "sgd" (any case)
const char* optimizer_name(Optimizer o);

// One network's optimiser. Weight decay is L2 regularisation: weight_decay
// * w is added to the gradient before the update (the moments see it, as
// in PyTorch's Adam and SGD `weight_decay`; not AdamW's decoupled decay).
struct OptimizerOptions {
  double lr = 2e-4, beta1 = 0.5, beta2 = 0.999, eps = 1e-8;  // beta1..eps: Adam only
  Optimizer kind = Optimizer::kAdam;
  double momentum = 0;  // SGD only: v = momentum v + g; w -= lr v
  double weight_decay = 0;
};
using AdamOptions = OptimizerOptions;

struct GanOptions {
  int64_t batch = 64;
  uint64_t seed = 1;
  GanLoss loss = GanLoss::kBce;
  OptimizerOptions optim_d, optim_g;
  int64_t sample_count = 64;
  bool profile = false;
};

// Log ring slots.
inline constexpr uint32_t kSlotLossD = 0, kSlotDReal = 1, kSlotDFake = 2;
inline constexpr uint32_t kSlotLossG = 3, kSlotDFakeG = 4;

struct GanStep {
  Graph graph;
  NodeId x = kNoNode;  // real batch input (D step only)
  NodeId loss = kNoNode;
  NodeId images = kNoNode;  // generated images (sampler)
  std::map<NodeId, NodeId> param_grads;
  std::unique_ptr<Program> program;
};

// Graph builders, exposed for tests and for `vkgan dump`.
void build_d_step(GanStep& s, const GanModel& m, const GanOptions& o);
void build_g_step(GanStep& s, const GanModel& m, const GanOptions& o);
void build_sampler(GanStep& s, const GanModel& m, int64_t n, uint64_t seed, int64_t counter);

class Gan {
 public:
  Gan(Context& ctx, const GanModel& model, GanOptions options);

  const GanModel& model() const { return model_; }
  const GanOptions& options() const { return options_; }
  Workspace& workspace() { return ws_; }
  GanStep& d_step() { return d_; }
  GanStep& g_step() { return g_; }

  // Generated images [n, C, H, W] from a fixed noise draw (`seed`, `counter`),
  // not touching the training counters.
  std::vector<float> sample(int64_t n, uint64_t seed, int64_t counter);
  // n images in programs of `chunk` images (the noise draw of chunk k is
  // counter k), each program dropped after use, so n can be large.
  std::vector<float> sample_many(int64_t n, uint64_t seed, int64_t chunk = 250);

 private:
  const GanModel& model_;
  GanOptions options_;
  Workspace ws_;
  GanStep d_, g_;
  std::map<std::tuple<int64_t, uint64_t, int64_t>, std::unique_ptr<GanStep>> samplers_;
};

}  // namespace vkgan
