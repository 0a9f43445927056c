// `vkgan eval`: judges generated jet images against real ones by the
// distributions of physics observables (engine/jets.hpp). For each, the
// exact Wasserstein-1 distance real vs generated, and as its floor the same
// distance between two disjoint random halves of the real set. Writes the
// output folder whole (into a temporary folder beside it, swapped in at the
// end, so a killed eval leaves the older one as it was):
//   eval.json          every figure, the settings and the definitions
//   eval.md            a table: observable, W1, floor, ratio
//   <observable>.png   real and generated histograms overlaid
//   average.png        the mean real and generated image, log colour scale
#pragma once

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "engine/dataset.hpp"

namespace vkgan {

// W1 between the empirical distributions of `a` and `b` (any sizes, >= 1
// each): the integral over t in (0, 1) of |F_a^-1(t) - F_b^-1(t)|, exact for
// step quantile functions. Sorts copies.
double wasserstein1(std::vector<double> a, std::vector<double> b);

struct EvalOptions {
  double threshold = 1e-3;  // a pixel above it is lit (multiplicity)
  uint64_t seed = 1;        // draws the real set's halves for the floor
  bool plots = true;
};

struct EvalRow {
  std::string name, label;
  double w1 = 0, floor = 0;
  double real_mean = 0, generated_mean = 0;
  // No ratio where the real set has (nearly) no spread of its own, as the
  // total intensity of images normalised to 1: the floor is rounding noise.
  bool has_ratio() const { return floor > 1e-6 * (std::abs(real_mean) + 1e-30); }
  double ratio() const { return has_ratio() ? w1 / floor : 0; }
};

struct EvalResult {
  int64_t real = 0, generated = 0;
  std::vector<EvalRow> rows;
};

// `real` and `generated` hold raw physics values (no preprocessing) of the
// same image shape; each at least 2 images.
EvalResult evaluate_jets(const ImageSet& real, const ImageSet& generated,
                         const std::filesystem::path& out, const EvalOptions& options);

// eval.md's table, also printed by `vkgan eval`.
std::string eval_table(const EvalResult& r);

}  // namespace vkgan
