// The optimiser and the GAN alternation, checked against hand computation on
// networks small enough to differentiate by hand.
#include "engine/gan.hpp"

#include <doctest/doctest.h>

#include <cmath>

#include "engine/autodiff.hpp"
#include "engine/random.hpp"
#include "engine/vulkan/context.hpp"
#include "tests/support.hpp"

namespace vkgan {
namespace {

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

// One Adam step at step t (from 1) on one value, as the engine defines it:
// weight decay is L2, added to the gradient.
struct AdamState {
  double m = 0, v = 0;
  double step(double w, double g, int t, const AdamOptions& a) {
    g += a.weight_decay * w;
    m = a.beta1 * m + (1 - a.beta1) * g;
    v = a.beta2 * v + (1 - a.beta2) * g * g;
    double mh = m / (1 - std::pow(a.beta1, t)), vh = v / (1 - std::pow(a.beta2, t));
    return w - a.lr * mh / (std::sqrt(vh) + a.eps);
  }
};

// One SGD step on one value: v = momentum v + (g + wd w); w -= lr v.
struct SgdState {
  double v = 0;
  double step(double w, double g, const OptimizerOptions& a) {
    v = a.momentum * v + g + a.weight_decay * w;
    return w - a.lr * v;
  }
};

// loss = mean((p - target)^2) on four values starting at 0.5, so weight
// decay has a weight to act on; grad = 2 (p - target) / 4. Checks three
// steps of the optimiser node against `hand(w, grad, step)` and returns
// the network's m buffer (Adam's first moment, SGD's velocity).
template <typename Hand>
std::vector<float> optimizer_steps(Context& ctx, const OptimizerOptions& a, Hand hand) {
  Graph g;
  Net n(g, "net");
  Tensor p = n.param("p", Shape{4}, {{"init", std::string("ones")}});
  Tensor t = constant(g, "target", Shape{4}, 1.0);
  Tensor loss = {&g, g.add("mse", "loss", {p.id, t.id})};
  Gradients grads = differentiate(g, loss.id, {p.id});
  NodeId grad = grads.of.at(p.id);
  bool sgd = a.kind == Optimizer::kSgd;
  Attrs attrs{{"net", std::string("net")}, {"lr", a.lr}, {"weight_decay", a.weight_decay}};
  if (sgd) {
    attrs.set("momentum", a.momentum);
  } else {
    attrs.set("beta1", a.beta1), attrs.set("beta2", a.beta2), attrs.set("eps", a.eps);
  }
  NodeId upd = g.add(sgd ? "sgd" : "adam", "update", {grad}, attrs, Role::kOptimizer, "net");
  g.add("step_tick", "tick", {upd}, {{"advance", std::string("net")}}, Role::kOptimizer, "net");

  Workspace ws(ctx, 0);
  Program prog(ws, g, {{loss.id}, {{grad, p.id}}, false});
  ws.write_flat("net", 0, std::vector<float>(ws.store("net").floats, 0.5f));
  std::vector<double> w = {0.5, 0.5, 0.5, 0.5};
  for (int step = 1; step <= 3; ++step) {
    prog.run();
    for (size_t i = 0; i < 4; ++i) w[i] = hand(i, w[i], 2 * (w[i] - 1.0) / 4, step);
    std::vector<float> got = ws.read_flat("net", 0);
    for (size_t i = 0; i < 4; ++i) CHECK(got[i] == doctest::Approx(w[i]).epsilon(1e-5));
  }
  CHECK(ws.read_counters()[1 + ws.store("net").index] == 3);
  return ws.read_flat("net", 1);
}

TEST_CASE_FIXTURE(test::GpuTest, "adam steps match a hand-computed update") {
  for (double wd : {0.0, 0.3}) {
    CAPTURE(wd);
    AdamOptions a{0.1, 0.5, 0.999, 1e-8};
    a.weight_decay = wd;
    std::vector<AdamState> state(4);
    optimizer_steps(ctx, a,
                    [&](size_t i, double w, double g, int t) { return state[i].step(w, g, t, a); });
  }
}

TEST_CASE_FIXTURE(test::GpuTest, "sgd steps with momentum and weight decay match by hand") {
  OptimizerOptions a;
  a.kind = Optimizer::kSgd;
  a.lr = 0.1;
  a.momentum = 0.9;
  a.weight_decay = 0.3;
  std::vector<SgdState> state(4);
  std::vector<float> velocity = optimizer_steps(
      ctx, a, [&](size_t i, double w, double g, int) { return state[i].step(w, g, a); });
  CHECK(velocity[0] == doctest::Approx(state[0].v).epsilon(1e-5));  // kept in m
  // By hand, the first step: g = 2 (0.5 - 1) / 4 + 0.3 * 0.5 = -0.1, so
  // v = -0.1 and w = 0.5 + 0.01 = 0.51.
  SgdState one;
  CHECK(one.step(0.5, -0.25, a) == doctest::Approx(0.51));
}

// A scalar GAN: G(z) = a z + c, D(x) = u x + e (a logit), on 1x1x1 images.
GanModel scalar_gan() {
  GanModel m;
  m.name = "scalar-test";
  m.latent = 1;
  m.image = Shape{1, 1, 1};
  m.generator = [](Net& g, Tensor z) { return g.reshape(g.dense("fc", z, 1), {-1, 1, 1, 1}); };
  m.discriminator = [](Net& d, Tensor x) { return d.dense("fc", d.flatten(x), 1); };
  return m;
}

TEST_CASE_FIXTURE(test::GpuTest,
                  "each GAN step moves only its own network, by the gradient through D") {
  GanModel m = scalar_gan();
  GanOptions o;
  o.batch = 4;
  o.seed = 3;
  Gan gan(ctx, m, o);
  Workspace& ws = gan.workspace();
  const double a0 = 0.7, c0 = -0.2, u0 = 0.5, e0 = 0.1;
  ws.write_flat("gen", 0, [&] {
    std::vector<float> f(ws.store("gen").floats, 0.0f);
    f[ws.store("gen").entry("gen.fc.w").offset] = float(a0);
    f[ws.store("gen").entry("gen.fc.b").offset] = float(c0);
    return f;
  }());
  ws.write_flat("disc", 0, [&] {
    std::vector<float> f(ws.store("disc").floats, 0.0f);
    f[ws.store("disc").entry("disc.fc.w").offset] = float(u0);
    f[ws.store("disc").entry("disc.fc.b").offset] = float(e0);
    return f;
  }());
  std::vector<float> x = {1.0f, 2.0f, -0.5f, 0.25f};
  auto z = [&](uint32_t stream, uint32_t counter, uint32_t i) {
    return double(philox_normal(uint32_t(o.seed), uint32_t(o.seed >> 32), stream, counter, i));
  };

  // D step: L = mean softplus(-(u x + e)) + mean softplus(u G(z) + e).
  double gu = 0, ge = 0;
  for (uint32_t i = 0; i < 4; ++i) {
    double r = u0 * x[i] + e0, gz = a0 * z(0, 0, i) + c0, f = u0 * gz + e0;
    gu += (-sigmoid(-r) * x[i] + sigmoid(f) * gz) / 4;
    ge += (-sigmoid(-r) + sigmoid(f)) / 4;
  }
  Program& dp = *gan.d_step().program;
  dp.write(gan.d_step().x, x);
  dp.run();
  auto value = [&](const char* net, const char* name, int which) {
    return double(ws.read_flat(net, which)[ws.store(net).entry(name).offset]);
  };
  CHECK(value("disc", "disc.fc.w", 3) == doctest::Approx(gu).epsilon(1e-5));
  CHECK(value("disc", "disc.fc.b", 3) == doctest::Approx(ge).epsilon(1e-5));
  AdamState su, se;
  double u1 = su.step(u0, gu, 1, o.optim_d), e1 = se.step(e0, ge, 1, o.optim_d);
  CHECK(value("disc", "disc.fc.w", 0) == doctest::Approx(u1).epsilon(1e-6));
  CHECK(value("disc", "disc.fc.b", 0) == doctest::Approx(e1).epsilon(1e-6));
  CHECK(value("gen", "gen.fc.w", 0) == doctest::Approx(a0));  // G did not move
  CHECK(value("gen", "gen.fc.w", 3) == 0.0);                  // nor got a gradient

  // G step (draw counter 1, stream 1): L = mean softplus(-(u1 G(z) + e1)).
  double ga = 0, gc = 0;
  for (uint32_t i = 0; i < 4; ++i) {
    double zi = z(1, 1, i), f = u1 * (a0 * zi + c0) + e1;
    ga += -sigmoid(-f) * u1 * zi / 4;
    gc += -sigmoid(-f) * u1 / 4;
  }
  gan.g_step().program->run();
  CHECK(value("gen", "gen.fc.w", 3) == doctest::Approx(ga).epsilon(1e-5));
  CHECK(value("gen", "gen.fc.b", 3) == doctest::Approx(gc).epsilon(1e-5));
  AdamState sa, sc;
  CHECK(value("gen", "gen.fc.w", 0) ==
        doctest::Approx(sa.step(a0, ga, 1, o.optim_g)).epsilon(1e-6));
  CHECK(value("gen", "gen.fc.b", 0) ==
        doctest::Approx(sc.step(c0, gc, 1, o.optim_g)).epsilon(1e-6));
  CHECK(value("disc", "disc.fc.w", 0) == doctest::Approx(u1).epsilon(1e-6));  // D did not move
}

TEST_CASE_FIXTURE(test::GpuTest, "every GAN loss has gradients that match finite differences") {
  GanModel m = scalar_gan();
  for (const char* name : {"bce", "lsgan", "hinge"}) {
    GanOptions o;
    o.batch = 3;
    o.loss = parse_gan_loss(name);
    // Differentiate the D loss of a fresh graph on the CPU reference and
    // compare with central differences of the same graph.
    GanStep s;
    build_d_step(s, m, o);
    Workspace ws(ctx, 1);
    ws.add_params(s.graph);
    Program p(ws, s.graph, {{s.loss}, s.param_grads, false});
    std::vector<float> x = {0.3f, -1.2f, 2.0f};
    p.write(s.x, x);
    std::vector<float> w0 = ws.read_flat("disc", 0);
    p.run();
    std::vector<float> grad = ws.read_flat("disc", 3);
    float loss0 = p.read(s.loss)[0];
    CHECK(std::isfinite(loss0));
    // Finite differences on the device in float32 with a coarse step.
    for (const char* param : {"disc.fc.w", "disc.fc.b"}) {
      size_t at = ws.store("disc").entry(param).offset;
      auto loss_at = [&](float delta) {
        std::vector<float> w = w0;
        w[at] += delta;
        ws.write_flat("disc", 0, w);
        ws.write_counters(std::vector<uint32_t>(kMaxCounters, 0));
        p.run();
        return double(p.read(s.loss)[0]);
      };
      double h = 1e-2, fd = (loss_at(float(h)) - loss_at(float(-h))) / (2 * h);
      INFO(name << " " << param);
      CHECK(grad[at] == doctest::Approx(fd).epsilon(2e-2));
    }
  }
}

TEST_CASE_FIXTURE(test::GpuTest,
                  "one image is drawn from a generator with batch norm over features") {
  GanModel m = scalar_gan();
  m.image = Shape{1, 2, 2};
  m.generator = [](Net& g, Tensor z) {
    return g.reshape(g.batch_norm("bn", g.dense("fc", z, 4)), {-1, 1, 2, 2});
  };
  Gan gan(ctx, m, GanOptions{.batch = 2});
  for (const std::vector<float>& one : {gan.sample(1, 5, 0), gan.sample_many(1, 5)}) {
    CHECK(one.size() == 4);
    for (float v : one) CHECK(std::isfinite(v));
  }
}

}  // namespace
}  // namespace vkgan
