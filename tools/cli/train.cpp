// `vkgan train` and `vkgan sample`.
#include <fmt/format.h>

#include <cmath>
#include <csignal>

#include "engine/checkpoint.hpp"
#include "engine/dataset.hpp"
#include "engine/gan.hpp"
#include "engine/io/atomic_file.hpp"
#include "engine/io/hdf5.hpp"
#include "engine/io/png.hpp"
#include "engine/layout.hpp"
#include "engine/trainer.hpp"
#include "engine/vulkan/context.hpp"
#include "tools/cli/args.hpp"
#include "tools/cli/commands.hpp"

namespace vkgan::cli {
namespace {

void on_interrupt(int) { g_stop_training = true; }

std::string models_list() {
  std::string s;
  for (const auto& n : model_names()) s += (s.empty() ? "" : ", ") + n;
  return s;
}

// The model: --model, or the layout strings, parsed and checked here so a
// bad one is refused before anything runs. False when --print-dsl printed it.
bool from_options(const Args& args, TrainConfig& c) {
  LayoutOptions lo = layout_options(args);
  c.input_layout = lo.input_layout;
  c.layout = lo.layout;
  c.training_strategy = lo.training_strategy;
  bool is_layout = !lo.layout.empty();
  if (args.on("print-dsl")) {
    if (!is_layout)
      usage_fail("--print-dsl needs a Layout (--layout and --input-layout, or --options)");
    LayoutSpec spec = parse_layout(lo.input_layout, lo.layout);
    fmt::print("{}", layout_dsl(spec, args.has("model") ? args.str("model") : "layoutgan"));
    return false;
  }
  if (is_layout && args.has("model"))
    usage_fail("--model {} and a Layout both give the model; keep one", args.str("model"));
  c.model = is_layout ? "layout" : args.str("model");
  std::optional<GanModel> own;
  const GanModel& model = model_of(c, own);
  TrainingStrategy st = parse_training_strategy(c.training_strategy, {});
  check_latent_dim(st, c.training_strategy, model.latent);
  return true;
}

// The strategy's shared keys into `c`; one also given as an option is refused.
void take_strategy(const Args& args, TrainConfig& c) {
  TrainingStrategy st = parse_training_strategy(c.training_strategy, {});
  const std::pair<const char*, const char*> both[] = {{"batch", "BatchSize"},
                                                      {"epochs", "MaxEpochs"},
                                                      {"d-steps", "DSteps"},
                                                      {"lr", "LearningRate"}};
  for (auto [option, key] : both)
    if (args.has(option))
      for (const auto& [k, span] : st.spans)
        if (k == key) {
          // A usage error, shown as the layout strings' errors are.
          try {
            fail_in_option("TrainingStrategy", c.training_strategy, span.first, span.second,
                           fmt::format("also given as --{}; keep one", option));
          } catch (const Error& e) {
            throw UsageError(e.what());
          }
        }
  apply_training_strategy(c);
}

}  // namespace

int cmd_train(int argc, char** argv) {
  TrainConfig d;
  Args args("train", "Train a GAN; writes samples, losses and checkpoints to --out.");
  args.option("model", "NAME", "model to train: " + models_list(), d.model)
      .option("data", "PATH",
              "IDX images file or folder, or an HDF5 file (.h5) (default: Debian's "
              "Fashion-MNIST)")
      .option("key", "NAME", "HDF5 dataset to train on, [N,H,W] or [N,C,H,W] floats", "image")
      .option("scale", "F", "HDF5 data: multiply the values by F (undone on samples)", "1")
      .flag("log1p", "HDF5 data: train on log(1 + x), for values spanning decades")
      .option("holdout", "N", "HDF5 data: keep the last N images out of training, for eval", "0")
      .option("eval-every", "K", "run `vkgan eval` on --holdout images every K epochs", "0")
      .option("threshold", "T", "eval: a pixel above T is lit", "1e-3")
      .option("out", "DIR", "run folder", "runs/<model>")
      .option("epochs", "N", "passes over the data", std::to_string(d.epochs))
      .option("max-steps", "N", "stop after N iterations (0: no limit)", "0")
      .option("batch", "N", "images per batch", std::to_string(d.batch))
      .option("d-steps", "K", "discriminator steps per generator step", "1")
      .option("lr", "RATE", "Adam learning rate, both networks", "2e-4")
      .option("beta1", "B", "Adam beta1", "0.5")
      .option("beta2", "B", "Adam beta2", "0.999")
      .option("loss", "KIND", "bce, lsgan or hinge", d.loss)
      .option("seed", "S", "seed for weights, noise and data order", "1")
      .option("device", "N|NAME", "Vulkan device index or name substring", "")
      .option("log-every", "N", "iterations between loss read-backs", "10")
      .option("limit", "N", "use only the first N training images (0: all)", "0")
      .option("resume", "DIR", "continue the run in DIR from its checkpoint")
      .flag("force", "reuse a non-empty --out folder, starting over")
      .flag("quiet", "print only the final summary")
      .flag("print-dsl", "print the Layout as a models/*.cpp file (named by --model) and exit");
  declare_layout_options(args);
  if (!args.parse(argc, argv)) return 0;

  TrainConfig c;
  if (args.has("resume")) {
    for (const char* fixed :
         {"model", "data", "out", "batch", "d-steps", "lr", "beta1", "beta2", "loss", "seed",
          "limit", "force", "key", "scale", "log1p", "holdout", "eval-every", "threshold",
          "options", "input-layout", "layout", "training-strategy", "print-dsl"})
      if (args.has(fixed))
        usage_fail("--{} cannot change a resumed run; its settings come from {}/config.json", fixed,
                   args.str("resume"));
    c = read_run_config(args.str("resume"));
    if (args.has("epochs")) c.epochs = args.integer("epochs", 1, 1 << 20);
    if (args.has("max-steps")) c.max_steps = args.integer("max-steps", 0, int64_t(1) << 40);
  } else {
    if (!from_options(args, c)) return 0;
    c.data = args.str("data");
    c.out = args.has("out") ? args.str("out") : "runs/" + c.model;
    c.epochs = args.integer("epochs", 1, 1 << 20);
    c.max_steps = args.integer("max-steps", 0, int64_t(1) << 40);
    c.batch = args.integer("batch", 2, 1 << 16);
    c.d_steps = args.integer("d-steps", 1, 64);
    c.lr = args.real("lr");
    c.beta1 = args.real("beta1");
    c.beta2 = args.real("beta2");
    c.loss = args.str("loss");
    parse_gan_loss(c.loss);
    c.seed = uint64_t(args.integer("seed", 0, int64_t(1) << 62));
    c.limit = args.integer("limit", 0, int64_t(1) << 40);
    c.force = args.on("force");
    c.key = args.str("key");
    c.preprocess.scale = args.real("scale");
    // Pixels are float32 on the device: the factor and its inverse must be too.
    if (!(c.preprocess.scale > 0) || !std::isnormal(float(c.preprocess.scale)) ||
        !std::isnormal(float(1 / c.preprocess.scale)))
      usage_fail("--scale must be a positive number between 1e-37 and 1e37, got {}",
                 args.str("scale"));
    c.preprocess.log1p = args.on("log1p");
    c.holdout = args.integer("holdout", 0, int64_t(1) << 40);
    c.eval_every = args.integer("eval-every", 0, 1 << 20);
    c.threshold = args.real("threshold");
    take_strategy(args, c);
  }
  if (!(c.lr > 0)) usage_fail("--lr must be positive, got {}", c.lr);
  c.device = args.str("device");
  c.log_every = args.integer("log-every", 1, 1 << 20);
  c.quiet = args.on("quiet");

  std::signal(SIGINT, on_interrupt);
  std::signal(SIGTERM, on_interrupt);
  TrainResult r = train(c);
  fmt::print("{} {} steps in {:.1f} s; run folder {}\n",
             r.interrupted ? "stopped after" : "trained", r.steps, r.seconds, c.out.string());
  fmt::print("  samples:    {}\n", (c.out / "samples").string());
  fmt::print("  losses:     {} and losses.png\n", (c.out / "losses.csv").string());
  fmt::print("  checkpoint: {}\n", r.checkpoint.string());
  if (r.interrupted) {
    fmt::print("resume with: vkgan train --resume {}\n", c.out.string());
    return 130;
  }
  return 0;
}

namespace {

// Generated images, preprocessing undone, as the training dataset's layout
// and key.
void write_samples_hdf5(const std::filesystem::path& file, const TrainConfig& run,
                        const GanModel& model, std::vector<float> img, int64_t n) {
  for (float& v : img) v = run.preprocess.inverse(v);
  std::vector<int64_t> dims = {n, model.image[0], model.image[1], model.image[2]};
  if (run.data_dims.size() == 3) dims = {n, model.image[1], model.image[2]};
  write_hdf5_images(file, run.key, dims, img.data());
}

}  // namespace

int cmd_sample(int argc, char** argv) {
  Args args("sample",
            "Draw images from a trained generator into a PNG grid, or into an HDF5 file (.h5) "
            "laid out as the training data.");
  args.option("checkpoint", "FILE", "checkpoint.safetensors of a run")
      .option("n", "N", "number of images", "64")
      .option("seed", "S", "noise seed", "1")
      .option("cols", "N", "grid columns", "8")
      .option("out", "FILE", "PNG grid, or HDF5 file (.h5) of the images", "samples.png")
      .option("device", "N|NAME", "Vulkan device index or name substring", "");
  if (!args.parse(argc, argv)) return 0;
  if (!args.has("checkpoint")) usage_fail("--checkpoint FILE is required");
  int64_t n = args.integer("n", 1, 1 << 22);
  std::filesystem::path out = args.str("out");
  bool hdf5 = is_hdf5_path(out);
  if (!hdf5 && n > 1 << 16) usage_fail("--n must be at most 65536 for a PNG grid, got {}", n);
  std::filesystem::path file = args.str("checkpoint");
  TrainConfig run = read_run_config(file.parent_path().empty() ? "." : file.parent_path());
  // What a killed sample left beside its output (gen.h5.tmp.<pid>).
  remove_dead_temporaries_of(out);

  ContextOptions opts = context_options(args);
  Context ctx(opts);
  std::optional<GanModel> own;
  const GanModel& model = model_of(run, own);
  GanOptions go;
  go.batch = 2;
  Gan gan(ctx, model, go);
  load_checkpoint(file, gan.workspace(), model.name);
  uint64_t seed = uint64_t(args.integer("seed", 0, int64_t(1) << 62));
  if (hdf5) {
    write_samples_hdf5(out, run, model, gan.sample_many(n, seed), n);
    fmt::print("wrote {} images of {} to {} (dataset '{}')\n", n, model.name, out.string(),
               run.key);
    return 0;
  }
  std::vector<float> img = gan.sample(n, seed, 0);
  if (!run.data_dims.empty()) {
    for (float& v : img) v = run.preprocess.inverse(v);
    log_display(img.data(), img.size());
  }
  write_image_grid_png(args.str("out"), img.data(), int(n), int(model.image[1]),
                       int(model.image[2]), int(args.integer("cols", 1, 1024)));
  fmt::print("wrote {} images of {} to {}\n", n, model.name, args.str("out"));
  return 0;
}

}  // namespace vkgan::cli
