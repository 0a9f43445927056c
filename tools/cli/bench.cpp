// `vkgan bench`: times training iterations as shared/benchmarks/MODELS.md
// says (warm-up, then the median of timed blocks, data already in memory)
// and prints one JSON line; --profile adds a per-node table of device time.
// --ceiling times the product probe of engine/ceiling.hpp instead.
#include <fmt/format.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>
#include <random>

#include "engine/ceiling.hpp"
#include "engine/cost.hpp"
#include "engine/gan.hpp"
#include "engine/vulkan/context.hpp"
#include "tools/cli/args.hpp"
#include "tools/cli/commands.hpp"

namespace vkgan::cli {
namespace {

using Clock = std::chrono::steady_clock;

// One iteration: the D step then the G step, queued back to back.
void iterate(Context& ctx, Gan& gan, Fence& fence) {
  gan.d_step().program->submit(VK_NULL_HANDLE);
  gan.g_step().program->submit(fence.handle());
  fence.wait();
  fence.reset();
  (void)ctx;
}

struct Row {
  std::string step, name, op;
  double ms, share, gflops, gbs;
};

void print_profile(Context& ctx, Gan& gan, int runs) {
  std::vector<Row> rows;
  double total = 0;
  for (GanStep* s : {&gan.d_step(), &gan.g_step()}) {
    Program& p = *s->program;
    std::map<NodeId, double> times = median_node_times(p, runs);
    for (NodeId id : p.schedule()) {
      const Node& n = p.graph().node(id);
      double ms = times.count(id) ? times[id] * 1e-6 : 0;
      Cost c = node_cost(p.graph(), id);
      total += ms;
      rows.push_back({s == &gan.d_step() ? "D" : "G", n.name, n.op, ms, 0,
                      ms > 0 ? c.flops / ms * 1e-6 : 0, ms > 0 ? c.bytes / ms * 1e-6 : 0});
    }
  }
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.ms > b.ms; });
  fmt::print("{:<5}{:<40}{:<34}{:>10}{:>8}{:>10}{:>9}\n", "step", "node", "op", "ms", "share",
             "GFLOP/s", "GB/s");
  for (Row& r : rows)
    fmt::print("{:<5}{:<40}{:<34}{:>10.3f}{:>7.1f}%{:>10.2f}{:>9.2f}\n", r.step, r.name, r.op,
               r.ms, 100 * r.ms / total, r.gflops, r.gbs);
  fmt::print("total device time {:.2f} ms per iteration on {}\n", total, ctx.info().name);
}

void print_ceiling(Context& ctx, int runs) {
  std::vector<CeilingRow> rows = measure_ceiling(ctx, runs);
  fmt::print("register-blocked product probe on {} ({} lanes per work group), median of {}\n",
             ctx.info().name, probe_lanes(ctx), runs);
  fmt::print("{:<22}{:>16}{:>8}{:>12}{:>10}\n", "operands", "m x n x k", "block", "ms",
             "GFLOP/s");
  for (const CeilingRow& r : rows)
    fmt::print("{:<22}{:>16}{:>8}{:>12.2f}{:>10.2f}\n", probe_operands_name(r.operands),
               fmt::format("{}x{}x{}", r.shape.m, r.shape.n, r.shape.k),
               fmt::format("{}x{}", r.shape.block_m, r.shape.block_n), r.ms, r.gflops);
}

}  // namespace

int cmd_bench(int argc, char** argv) {
  Args args("bench", "Time GAN training iterations; prints one JSON line.");
  args.option("model", "NAME", "model", "dcgan28")
      .option("batch", "N", "images per batch", "64")
      .option("iters", "N", "iterations per timed block", "20")
      .option("blocks", "N", "timed blocks (the median is reported)", "5")
      .option("warmup", "N", "untimed iterations first", "10")
      .option("device", "N|NAME", "Vulkan device index or name substring", "")
      .flag("profile", "also print per-node device times")
      .flag("ceiling", "time the product probe that the CPU kernels are built on instead");
  if (!args.parse(argc, argv)) return 0;
  int64_t blocks = args.integer("blocks", 1, 1000);
  if (args.on("ceiling")) {
    for (const char* name : {"model", "batch", "iters", "warmup", "profile"})
      if (args.has(name)) usage_fail("--{} does not apply to --ceiling", name);
    Context ctx(context_options(args));
    print_ceiling(ctx, int(blocks));
    return 0;
  }
  int64_t batch = args.integer("batch", 2, 1 << 16);
  int64_t warmup = args.integer("warmup", 0, 1 << 20), iters = args.integer("iters", 1, 1 << 20);
  const GanModel& model = find_model(args.str("model"));
  ContextOptions opts = context_options(args);
  auto t_start = Clock::now();
  Context ctx(opts);
  GanOptions go;
  go.batch = batch;
  go.profile = args.on("profile");
  Gan gan(ctx, model, go);
  double startup_s = std::chrono::duration<double>(Clock::now() - t_start).count();

  // Real-looking data already on the device: one uniform batch, uploaded once.
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  Program& dp = *gan.d_step().program;
  std::vector<float> x(size_t(dp.graph().shape(gan.d_step().x).elements()));
  for (float& v : x) v = u(rng);
  dp.write(gan.d_step().x, x);

  Fence fence(ctx);
  for (int64_t i = 0; i < warmup; ++i) iterate(ctx, gan, fence);
  std::vector<double> block_s;
  for (int64_t b = 0; b < blocks; ++b) {
    auto t0 = Clock::now();
    for (int64_t i = 0; i < iters; ++i) iterate(ctx, gan, fence);
    block_s.push_back(std::chrono::duration<double>(Clock::now() - t0).count() / double(iters));
  }
  double s = median(block_s);
  double flops = program_flops(*gan.d_step().program) + program_flops(*gan.g_step().program);
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  const ProgramStats &ds = gan.d_step().program->stats(), &gs = gan.g_step().program->stats();
  nlohmann::json j = {
      {"engine", "vkgan"},
      {"model", model.name},
      {"batch", go.batch},
      {"iters_per_s", 1.0 / s},
      {"ms_per_iter", s * 1e3},
      {"images_per_s", double(go.batch) / s},
      {"peak_rss_mb", double(ru.ru_maxrss) / 1024.0},
      {"device", ctx.info().name},
      {"planned_device_mb", double(ds.planned_bytes + gs.planned_bytes) / (1 << 20)},
      {"naive_device_mb", double(ds.naive_bytes + gs.naive_bytes) / (1 << 20)},
      {"gflop_per_iter", flops * 1e-9},
      {"gflops", flops * 1e-9 / s},
      {"dispatches_per_iter", ds.dispatches + gs.dispatches},
      {"startup_s", startup_s}};
  fmt::print("{}\n", j.dump());
  if (go.profile) print_profile(ctx, gan, 5);
  return 0;
}

}  // namespace vkgan::cli
