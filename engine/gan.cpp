// Building and compiling the D step, the G step and the sampler.
#include "engine/gan.hpp"

#include <cctype>

#include "engine/autodiff.hpp"

namespace vkgan {
namespace {

constexpr uint32_t kStreamD = 0, kStreamG = 1, kStreamSample = 2;

Tensor images_from_noise(Graph& g, const GanModel& m, int64_t n, uint64_t seed, uint32_t stream,
                         int64_t counter) {
  Tensor z = noise(g, "z", Shape{n, m.latent}, seed, stream, counter);
  Net gen(g, "gen");
  Tensor img = m.generator(gen, z);
  Shape want{n, m.image[0], m.image[1], m.image[2]};
  if (img.shape() != want)
    fail("model {}: the generator makes {}, the model declares images {}", m.name, img.shape(),
         want);
  return img;
}

Tensor logits(Net& d, const GanModel& m, Tensor x) {
  Tensor y = m.discriminator(d, x);
  if (y.shape() != Shape{x.shape()[0], 1})
    fail("model {}: the discriminator gives {}, expected [N,1] logits", m.name, y.shape());
  return y;
}

Tensor d_loss(GanLoss l, Tensor real, Tensor fake) {
  switch (l) {
    case GanLoss::kBce:
      return add(loss_against("bce_with_logits", real, 1.0, "loss_d.real"),
                 loss_against("bce_with_logits", fake, 0.0, "loss_d.fake"), "loss_d");
    case GanLoss::kLsgan:
      return scale(add(loss_against("mse", real, 1.0, "loss_d.real"),
                       loss_against("mse", fake, 0.0, "loss_d.fake")),
                   0.5, 0.0, "loss_d");
    case GanLoss::kHinge: {
      Net none(*real.graph, "");
      Tensor r = mean(none.relu(scale(real, -1.0, 1.0)));
      Tensor f = mean(none.relu(scale(fake, 1.0, 1.0)));
      return add(r, f, "loss_d");
    }
  }
  fail("unknown loss");
}

Tensor g_loss(GanLoss l, Tensor fake) {
  switch (l) {
    case GanLoss::kBce:
      return loss_against("bce_with_logits", fake, 1.0, "loss_g");
    case GanLoss::kLsgan:
      return scale(loss_against("mse", fake, 1.0, "loss_g.mse"), 0.5, 0.0, "loss_g");
    case GanLoss::kHinge:
      return scale(mean(fake), -1.0, 0.0, "loss_g");
  }
  fail("unknown loss");
}

Tensor mean_probability(Tensor logits_, const std::string& name) {
  Net none(*logits_.graph, "");
  return mean(none.sigmoid(stop_gradient(logits_)), name);
}

Attrs optimizer_attrs(const std::string& net, const OptimizerOptions& a) {
  Attrs at{{"net", net}, {"lr", a.lr}, {"weight_decay", a.weight_decay}};
  if (a.kind == Optimizer::kSgd) {
    at.set("momentum", a.momentum);
  } else {
    at.set("beta1", a.beta1);
    at.set("beta2", a.beta2);
    at.set("eps", a.eps);
  }
  return at;
}

// Gradients for `net`'s parameters, one optimiser node, the log and the tick.
void finish_step(GanStep& s, Tensor loss, const std::string& net, const OptimizerOptions& a,
                 std::vector<NodeId> logged, uint32_t first_slot) {
  Graph& g = s.graph;
  s.loss = loss.id;
  std::vector<NodeId> params = g.params(net);
  Gradients grads = differentiate(g, loss.id, params);
  std::vector<NodeId> grad_nodes;
  for (auto [param, grad] : grads.of) {
    s.param_grads[grad] = param;
    grad_nodes.push_back(grad);
  }
  const char* op = a.kind == Optimizer::kSgd ? "sgd" : "adam";
  NodeId update =
      g.add(op, net + "." + op, grad_nodes, optimizer_attrs(net, a), Role::kOptimizer, net);
  NodeId log = g.add("log_scalars", net + ".log", logged, {{"first_slot", int64_t(first_slot)}},
                     Role::kOptimizer, net);
  g.add("step_tick", net + ".tick", {update, log}, {{"advance", net}}, Role::kOptimizer, net);
}

}  // namespace

GanLoss parse_gan_loss(const std::string& name) {
  if (name == "bce") return GanLoss::kBce;
  if (name == "lsgan") return GanLoss::kLsgan;
  if (name == "hinge") return GanLoss::kHinge;
  fail("unknown loss '{}'; known: bce, lsgan, hinge", name);
}

Optimizer parse_optimizer(const std::string& name) {
  std::string n;
  for (char ch : name) n += char(std::tolower(static_cast<unsigned char>(ch)));
  if (n == "adam") return Optimizer::kAdam;
  if (n == "sgd") return Optimizer::kSgd;
  fail("unknown optimizer '{}'; known: adam, sgd", name);
}

const char* optimizer_name(Optimizer o) { return o == Optimizer::kSgd ? "sgd" : "adam"; }

const char* gan_loss_name(GanLoss l) {
  return l == GanLoss::kBce ? "bce" : l == GanLoss::kLsgan ? "lsgan" : "hinge";
}

void build_d_step(GanStep& s, const GanModel& m, const GanOptions& o) {
  Graph& g = s.graph;
  Shape batch{o.batch, m.image[0], m.image[1], m.image[2]};
  s.x = input(g, "x", batch).id;
  Tensor fake = stop_gradient(images_from_noise(g, m, o.batch, o.seed, kStreamD, -1));
  Net d(g, "disc");
  Tensor real_logits = logits(d, m, Tensor{&g, s.x});
  Tensor fake_logits = logits(d, m, fake);
  Tensor loss = d_loss(o.loss, real_logits, fake_logits);
  std::vector<NodeId> logged = {loss.id, mean_probability(real_logits, "d_real").id,
                                mean_probability(fake_logits, "d_fake").id};
  finish_step(s, loss, "disc", o.optim_d, logged, kSlotLossD);
}

void build_g_step(GanStep& s, const GanModel& m, const GanOptions& o) {
  Graph& g = s.graph;
  Tensor fake = images_from_noise(g, m, o.batch, o.seed, kStreamG, -1);
  Net d(g, "disc");
  Tensor fake_logits = logits(d, m, fake);
  Tensor loss = g_loss(o.loss, fake_logits);
  std::vector<NodeId> logged = {loss.id, mean_probability(fake_logits, "d_fake_g").id};
  finish_step(s, loss, "gen", o.optim_g, logged, kSlotLossG);
}

void build_sampler(GanStep& s, const GanModel& m, int64_t n, uint64_t seed, int64_t counter) {
  s.images = images_from_noise(s.graph, m, n, seed, kStreamSample, counter).id;
}

Gan::Gan(Context& ctx, const GanModel& model, GanOptions options)
    : model_(model), options_(std::move(options)), ws_(ctx, options_.seed) {
  if (options_.batch < 2)
    fail("batch must be at least 2 (batch norm needs two values), got {}", options_.batch);
  build_d_step(d_, model_, options_);
  build_g_step(g_, model_, options_);
  // The D step's graph names every parameter of both networks: create them
  // from it so their layout does not depend on which program compiles first.
  ws_.add_params(d_.graph);
  d_.program = std::make_unique<Program>(
      ws_, d_.graph, ProgramOptions{{d_.loss}, d_.param_grads, options_.profile});
  g_.program = std::make_unique<Program>(
      ws_, g_.graph, ProgramOptions{{g_.loss}, g_.param_grads, options_.profile});
}

std::vector<float> Gan::sample(int64_t n, uint64_t seed, int64_t counter) {
  // Batch norm over features needs two values a feature: a single image is
  // drawn as the first of two.
  int64_t drawn = std::max<int64_t>(n, 2);
  auto key = std::tuple(drawn, seed, counter);
  auto& s = samplers_[key];
  if (!s) {
    s = std::make_unique<GanStep>();
    build_sampler(*s, model_, drawn, seed, counter);
    s->program = std::make_unique<Program>(ws_, s->graph, ProgramOptions{{s->images}, {}, false});
  }
  s->program->run();
  std::vector<float> img = s->program->read(s->images);
  img.resize(size_t(n * model_.image.elements()));
  return img;
}

std::vector<float> Gan::sample_many(int64_t n, uint64_t seed, int64_t chunk) {
  std::vector<float> out;
  // Batch norm uses the batch's statistics: no chunk is smaller than 2.
  chunk = std::max<int64_t>(2, std::min(chunk, n));
  for (int64_t k = 0; k * chunk < n; ++k) {
    int64_t take = std::min(chunk, n - k * chunk);
    GanStep s;
    build_sampler(s, model_, std::max<int64_t>(take, 2), seed, k);
    s.program = std::make_unique<Program>(ws_, s.graph, ProgramOptions{{s.images}, {}, false});
    s.program->run();
    std::vector<float> img = s.program->read(s.images);
    int64_t per = model_.image.elements();
    out.insert(out.end(), img.begin(), img.begin() + take * per);
  }
  return out;
}

}  // namespace vkgan
