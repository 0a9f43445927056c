// `vkgan dump`: one training program's graph (of a built-in model, a layout
// string's or a run folder's) as DOT, SVG, an HTML page or a table, each node with its op, shape,
// parameters, FLOPs and bytes; with
// --profile, its median device time too, drawn on a white to red heat scale.
#include "engine/dump.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <iostream>
#include <random>
#include <sstream>

#include "engine/cost.hpp"
#include "engine/gan.hpp"
#include "engine/io/atomic_file.hpp"
#include "engine/trainer.hpp"
#include "engine/vulkan/context.hpp"
#include "tools/cli/args.hpp"
#include "tools/cli/commands.hpp"

namespace vkgan::cli {
namespace {

bool known_format(const std::string& f) {
  return f == "dot" || f == "svg" || f == "html" || f == "txt";
}

// --format, else the extension of --out, else DOT.
std::string format_of(const Args& args) {
  std::string f = args.str("format");
  if (f.empty()) {
    std::string ext = std::filesystem::path(args.str("out")).extension().string();
    f = ext.size() > 1 && known_format(ext.substr(1)) ? ext.substr(1) : "dot";
  }
  if (!known_format(f)) usage_fail("--format '{}' is not one of dot, svg, html, txt", f);
  return f;
}

// The DOT written beside a rendered file: g.svg -> g.svg.dot.
std::string dot_beside(const std::string& out) {
  // "g.svg.dot", not "g.dot": a file the user did not name is never a
  // file of theirs.
  return out + ".dot";
}

// Atomic: a failed or killed write leaves an earlier file of that name whole.
void write_file(const std::string& path, const std::string& text) {
  write_file_atomic(path, text);
}

// Times every dispatched node over `runs` runs after two warm-up runs; a D
// step first gets a batch of uniform noise as its real images.
std::map<NodeId, double> profile(Context& ctx, Program& p, NodeId x, int runs) {
  if (x != kNoNode) {
    std::mt19937 rng(1);
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    std::vector<float> data(size_t(p.graph().shape(x).elements()));
    for (float& v : data) v = u(rng);
    p.write(x, data);
  }
  p.run();
  p.run();
  std::map<NodeId, double> times = median_node_times(p, runs);
  if (times.empty())
    fail("--profile: device '{}' recorded no timestamps (is VKGAN_DISABLE=timestamps set?)",
         ctx.info().name);
  return times;
}

void write_output(const std::string& format, const std::string& out, const Graph& g,
                  const DumpInfo& info) {
  if (format == "txt") {
    std::ostringstream s;
    write_table(s, g, info);
    if (out.empty() || out == "-")
      std::cout << s.str();
    else
      write_file(out, s.str());
    return;
  }
  std::ostringstream dot;
  write_dot(dot, g, info);
  if (format == "dot") return write_file(out, dot.str());

  // The DOT goes beside the requested file first, so it survives a missing dot.
  std::string dot_path = dot_beside(out);
  write_file(dot_path, dot.str());
  std::string svg = run_graphviz(dot_path, "svg");
  if (format == "svg") return write_file(out, svg);
  std::ostringstream html;
  write_html(html, g, info, svg);
  write_file(out, html.str());
}

// The step to dump: one of the GAN's two, or a sampler compiled beside them
// into `sampler`.
GanStep& chosen_step(Gan& gan, const std::string& which, GanStep& sampler) {
  if (which == "d-step") return gan.d_step();
  if (which == "g-step") return gan.g_step();
  const GanOptions& o = gan.options();
  build_sampler(sampler, gan.model(), o.batch, o.seed, 0);
  sampler.program = std::make_unique<Program>(gan.workspace(), sampler.graph,
                                              ProgramOptions{{sampler.images}, {}, o.profile});
  return sampler;
}

void print_summary(const std::string& format, const std::string& out, const GanStep& step,
                   const DumpInfo& info) {
  DumpTotals t = dump_totals(step.graph, info);
  std::string beside = format == "svg" || format == "html" ? " and " + dot_beside(out) : "";
  fmt::print("wrote {}{}: {} nodes, {:.3f} GFLOP per run{}\n", out, beside, step.graph.size(),
             t.flops * 1e-9, t.timed ? fmt::format(", {:.1f} ms", t.time_ns * 1e-6) : "");
}

// The model to dump, from --run DIR, the layout options or --model.
TrainConfig run_of(const Args& args) {
  LayoutOptions lo = layout_options(args);
  if (args.has("run")) {
    if (args.has("model") || !lo.layout.empty() || !lo.training_strategy.empty())
      usage_fail("--run {} gives the model; drop --model and the layout options", args.str("run"));
    return read_run_config(args.str("run"));
  }
  if (!lo.layout.empty() && args.has("model"))
    usage_fail("--model {} and a Layout both give the model; keep one", args.str("model"));
  TrainConfig c;
  c.model = lo.layout.empty() ? args.str("model") : "layout";
  c.input_layout = lo.input_layout;
  c.layout = lo.layout;
  c.training_strategy = lo.training_strategy;
  return c;
}

}  // namespace

int cmd_dump(int argc, char** argv) {
  Args args("dump",
            "Draw one training program's graph with every node's costs (DOT, SVG, HTML or a "
            "table).");
  args.option("model", "NAME", "model", "dcgan28")
      .option("program", "NAME", "d-step, g-step or generator", "g-step")
      .option("format", "FMT", "dot, svg, html or txt (default: --out's extension, else dot)")
      .option("out", "FILE", "file to write (txt: default the terminal)")
      .option("batch", "N", "images per batch", "64")
      .option("loss", "NAME", "bce, lsgan or hinge", "bce")
      .option("runs", "N", "profiled runs (each node shows its median)", "10")
      .option("device", "N|NAME", "Vulkan device index or name substring", "")
      .option("run", "DIR", "a run folder: dump the model its config.json names")
      .flag("profile", "run the program on the device and show each node's time");
  declare_layout_options(args);
  if (!args.parse(argc, argv)) return 0;
  std::string format = format_of(args), out = args.str("out"), which = args.str("program");
  if (which != "d-step" && which != "g-step" && which != "generator")
    usage_fail("--program '{}' is not one of d-step, g-step, generator", which);
  if (format != "txt" && out.empty()) usage_fail("--out FILE is needed for --format {}", format);
  // What a killed dump left beside its files (g.svg.tmp.<pid>, g.svg.dot.tmp.<pid>).
  if (!out.empty())
    for (const std::string& f : {out, dot_beside(out)}) remove_dead_temporaries_of(f);

  TrainConfig run = run_of(args);
  std::optional<GanModel> own;
  const GanModel& model = model_of(run, own);
  TrainingStrategy strategy = parse_training_strategy(run.training_strategy, {});
  ContextOptions opts = context_options(args);
  Context ctx(opts);
  GanOptions go;
  go.optim_d = strategy.disc;
  go.optim_g = strategy.gen;
  go.batch = args.integer("batch", 2, 1 << 16);
  go.loss = parse_gan_loss(args.str("loss"));
  go.profile = args.on("profile");
  Gan gan(ctx, model, go);
  GanStep sampler;
  GanStep* step = &chosen_step(gan, which, sampler);

  Program& p = *step->program;
  DumpInfo info;
  info.title = fmt::format("{} {}, batch {}", model.name, which, go.batch);
  info.stats = &p.stats();
  if (go.profile) {
    info.time_ns = profile(ctx, p, step->x, int(args.integer("runs", 1, 10000)));
    info.title += fmt::format(", on {}", ctx.info().name);
  }
  write_output(format, out, step->graph, info);
  if (format != "txt" || (!out.empty() && out != "-")) print_summary(format, out, *step, info);
  return 0;
}

}  // namespace vkgan::cli
