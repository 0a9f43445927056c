// `vkgan eval`: physics observables of real and generated jet images, their
// W1 distances beside the real set's own floor, plots and a table.
#include <fmt/format.h>

#include <cmath>
#include <cstdint>

#include "engine/error.hpp"
#include "engine/evaluate.hpp"
#include "tools/cli/args.hpp"
#include "tools/cli/commands.hpp"

namespace vkgan::cli {

int cmd_eval(int argc, char** argv) {
  Args args("eval",
            "Compare generated jet images with real ones: per-image observables, W1 distances "
            "and their floor, histograms.");
  args.option("real", "FILE", "HDF5 file of real images")
      .option("generated", "FILE", "HDF5 file of generated images (vkgan sample --out x.h5)")
      .option("key", "NAME", "dataset in both files", "image")
      .option("real-key", "NAME", "dataset in --real, when it differs from --key")
      .option("limit", "N", "use at most N images of each file (0: all)", "0")
      .option("holdout", "N",
              "judge against only the last N images of --real (a training run's --holdout)", "0")
      .option("threshold", "T", "a pixel above T is lit (multiplicity)", "1e-3")
      .option("seed", "S", "draws the real set's halves for the floor", "1")
      .option("out", "DIR", "folder for eval.json, eval.md and the plots", "eval");
  if (!args.parse(argc, argv)) return 0;
  for (const char* need : {"real", "generated"})
    if (!args.has(need)) usage_fail("--{} FILE is required", need);

  Hdf5Options o;
  // Observables are computed over whole sets in memory.
  o.stream_above_bytes = UINT64_MAX;
  o.limit = args.integer("limit", 0, int64_t(1) << 40);
  o.key = args.has("real-key") ? args.str("real-key") : args.str("key");
  o.holdout = args.integer("holdout", 0, int64_t(1) << 40);
  Hdf5Sets real_sets = load_hdf5_dataset(args.str("real"), o);
  ImageSet real = o.holdout > 0 ? std::move(real_sets.holdout) : std::move(real_sets.train);
  o.holdout = 0;
  o.key = args.str("key");
  ImageSet gen = load_hdf5_dataset(args.str("generated"), o).train;
  EvalOptions e;
  e.threshold = args.real("threshold");
  if (!(e.threshold >= 0) || !std::isfinite(e.threshold))
    usage_fail("--threshold must be a non-negative number, got {}", args.str("threshold"));
  e.seed = uint64_t(args.integer("seed", 0, int64_t(1) << 62));
  EvalResult r = evaluate_jets(real, gen, args.str("out"), e);
  fmt::print("{}\nwrote eval.json, eval.md and plots to {}\n", eval_table(r), args.str("out"));
  return 0;
}

}  // namespace vkgan::cli
