// TMVA-style option strings (MethodDL's InputLayout, Layout and
// TrainingStrategy, with `##` between the generator's part and the
// discriminator's) turned into a GanModel that builds the same graph as the
// C++ DSL. A bad string is an Error whose first line names the key and the
// problem, followed by the string and a caret line under the offending token.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/gan.hpp"
#include "engine/model.hpp"

namespace vkgan {

// The three strings as a TMVA user writes them; any may be empty.
struct LayoutOptions {
  std::string input_layout, layout, training_strategy;
};

// The text of an options file: `Key=Value` lines, or pairs separated by ':'
// on one line as TMVA writes them; lines starting with '#' are comments.
// `source` (the file's name) prefixes errors.
LayoutOptions parse_options_text(const std::string& text, const std::string& source);

enum class LayerKind {
  kDense,
  kConv,
  kTransConv,
  kMaxPool,
  kAvgPool,
  kReshape,
  kFlatten,
  kBatchNorm,
  kUpsample,
  kActivation
};
enum class Activation { kLinear, kRelu, kTanh, kSigmoid, kLeakyRelu };

// One comma-separated layer of a Layout string.
struct LayerSpec {
  LayerKind kind = LayerKind::kDense;
  int64_t units = 0;  // dense units, conv filters
  int64_t kh = 1, kw = 1, sh = 1, sw = 1, ph = 0, pw = 0, output_padding = 0;
  std::vector<int64_t> dims;  // RESHAPE|c|h|w
  bool bilinear = false;      // UPSAMPLE
  Activation act = Activation::kLinear;
  double slope = 0.2;  // LEAKYRELU=slope
  // NOTE: a weighted layer with a LINEAR activation right before BNORM has
  // no bias: batch norm's beta takes its place, as in the built-in models.
  bool bias = true;
  std::string name;           // the DSL layer name: fc, fc<i>, conv<i>, deconv<i>, bn<i>
  size_t begin = 0, end = 0;  // the layer's characters in the Layout string
};

struct LayoutSpec {
  int64_t latent = 0;
  Shape image;  // [C, H, W]
  std::vector<LayerSpec> generator, discriminator;
  LayoutOptions source;
};

// Parses InputLayout ("100##1|28|28") and Layout ("GEN##DISC") and builds
// both networks once on a scratch graph, so that shape errors, and a
// generator that does not end in the image or a discriminator that does not
// end in one logit per image, are refused here with a caret at the layer.
LayoutSpec parse_layout(const std::string& input_layout, const std::string& layout);

// TrainingStrategy ("LearningRate=1e-3,GeneratorOptimizer=SGD,..."): the
// optimiser of each network, starting from `defaults`, and the shared keys.
struct TrainingStrategy {
  OptimizerOptions gen, disc;
  std::optional<int64_t> batch, epochs, d_steps, latent;
  // Where each key sits in the string, for errors about its value.
  std::vector<std::pair<std::string, std::pair<size_t, size_t>>> spans;
  std::pair<size_t, size_t> span_of(const std::string& key) const;
};
TrainingStrategy parse_training_strategy(const std::string& text, const OptimizerOptions& defaults);
// Refuses a LatentDim other than the model's noise size, pointing at it.
void check_latent_dim(const TrainingStrategy& s, const std::string& text, int64_t latent);

// The model the layout describes; the strings are its summary.
GanModel layout_model(const LayoutSpec& spec, const std::string& name = "layout");

// A models/*.cpp file that registers the same model under `name`.
std::string layout_dsl(const LayoutSpec& spec, const std::string& name);

// Throws the caret-style Error: "<key>: <token> : <problem>", then
// "  <key>=<text>" and the caret line under [begin, end).
[[noreturn]] void fail_in_option(const std::string& key, const std::string& text, size_t begin,
                                 size_t end, const std::string& problem);

}  // namespace vkgan
