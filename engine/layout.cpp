// Parsing TMVA-style layout strings, building their networks with the DSL
// and printing the equivalent DSL source.
#include "engine/layout.hpp"

#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <map>
#include <memory>
#include <set>

namespace vkgan {
namespace {

constexpr int64_t kMaxUnits = int64_t(1) << 20;
// Values per image any layer may make; far above any 28x28 model, and low
// enough that shape arithmetic on a batch cannot overflow.
constexpr int64_t kMaxPerImage = int64_t(1) << 26;

// A piece of an option string and where it starts.
struct Piece {
  std::string text;
  size_t begin = 0;
  size_t end() const { return begin + text.size(); }
};

std::vector<Piece> split(const Piece& p, const std::string& sep) {
  std::vector<Piece> out;
  size_t from = 0;
  while (true) {
    size_t at = p.text.find(sep, from);
    size_t stop = at == std::string::npos ? p.text.size() : at;
    out.push_back({p.text.substr(from, stop - from), p.begin + from});
    if (at == std::string::npos) return out;
    from = at + sep.size();
  }
}

std::string upper(const std::string& s) {
  std::string u = s;
  for (char& c : u) c = char(std::toupper(static_cast<unsigned char>(c)));
  return u;
}

// Where a field sits, for its errors: the key and its whole string.
struct Where {
  const char* key;
  const std::string& text;
  [[noreturn]] void fail(const Piece& p, const std::string& problem) const {
    fail_in_option(key, text, p.begin, p.end(), problem);
  }
};

int64_t integer(const Where& w, const Piece& p, const std::string& what, int64_t lo, int64_t hi) {
  int64_t v = 0;
  const char* first = p.text.data();
  const char* last = first + p.text.size();
  auto [ptr, ec] = std::from_chars(first, last, v);
  if (p.text.empty() || ec != std::errc() || ptr != last || v < lo || v > hi)
    w.fail(p, fmt::format("{}: expected an integer from {} to {}", what, lo, hi));
  return v;
}

double real(const Where& w, const Piece& p, const std::string& what, double lo, double hi,
            bool hi_open) {
  char* stop = nullptr;
  double v = p.text.empty() || std::isspace(static_cast<unsigned char>(p.text[0]))
                 ? NAN
                 : std::strtod(p.text.c_str(), &stop);
  bool whole = stop && *stop == '\0';
  if (!whole || !std::isfinite(v) || v < lo || v > hi || (hi_open && v == hi))
    w.fail(p, fmt::format("{}: expected a number in [{}, {}{}", what, lo, hi, hi_open ? ")" : "]"));
  return v;
}

const char* kActivations = "RELU, TANH, SIGMOID, LINEAR, LEAKYRELU or LEAKYRELU=slope";

// An activation token; false when `p` is not one.
bool activation(const Where& w, const Piece& p, LayerSpec& l) {
  std::string u = upper(p.text);
  if (u == "RELU")
    l.act = Activation::kRelu;
  else if (u == "TANH")
    l.act = Activation::kTanh;
  else if (u == "SIGMOID")
    l.act = Activation::kSigmoid;
  else if (u == "LINEAR")
    l.act = Activation::kLinear;
  else if (u == "LEAKYRELU")
    l.act = Activation::kLeakyRelu, l.slope = 0.2;
  else if (u.rfind("LEAKYRELU=", 0) == 0) {
    l.act = Activation::kLeakyRelu;
    l.slope = real(w, {p.text.substr(10), p.begin + 10}, "LEAKYRELU's slope", 0.0, 1.0, false);
  } else {
    return false;
  }
  return true;
}

void act_field(const Where& w, const Piece& p, LayerSpec& l) {
  if (!activation(w, p, l)) w.fail(p, fmt::format("activation: expected {}", kActivations));
}

// One layer's grammar: its fields after the keyword, and how many it takes.
struct Grammar {
  const char* keyword;
  const char* form;
  std::vector<size_t> counts;  // accepted field counts, the keyword included
};

const Grammar kGrammar[] = {
    // NOTE: keep README.md's grammar table in step with these forms.
    {"DENSE", "DENSE|units|ACT", {3}},
    {"CONV", "CONV|filters|kh|kw|sh|sw|ph|pw|ACT", {9}},
    {"TRANSCONV", "TRANSCONV|filters|kh|kw|sh|sw|ph|pw[|output_padding]|ACT", {9, 10}},
    {"MAXPOOL", "MAXPOOL|kh|kw|sh|sw", {5}},
    {"AVGPOOL", "AVGPOOL|kh|kw|sh|sw", {5}},
    {"RESHAPE", "RESHAPE|c|h|w or RESHAPE|FLAT", {2, 4}},
    {"BNORM", "BNORM", {1}},
    {"UPSAMPLE", "UPSAMPLE|sh|sw[|NEAREST or BILINEAR]", {3, 4}},
};

std::string counts_text(const std::vector<size_t>& c) {
  if (c.size() == 1) return std::to_string(c[0]);
  return fmt::format("{} or {}", c[0], c[1]);
}

// kh|kw|sh|sw and, with `padding`, ph|pw, from field `at` on.
void window_fields(const Where& w, const std::vector<Piece>& f, size_t at, LayerSpec& l,
                   bool padding) {
  std::string kw = upper(f[0].text);
  auto field = [&](size_t i, const char* name, int64_t lo) {
    return integer(w, f[at + i], fmt::format("{} of {}", name, kw), lo, 64);
  };
  l.kh = field(0, "kh", 1), l.kw = field(1, "kw", 1);
  l.sh = field(2, "sh", 1), l.sw = field(3, "sw", 1);
  if (padding) l.ph = field(4, "ph", 0), l.pw = field(5, "pw", 0);
}

LayerSpec parse_layer(const Where& w, const Piece& p, const char* net, size_t index) {
  LayerSpec l;
  l.begin = p.begin, l.end = p.end();
  std::string where = fmt::format("{} layer {}", net, index + 1);
  if (p.text.empty()) w.fail(p, fmt::format("{} is empty; expected a layer", where));
  std::vector<Piece> f = split(p, "|");
  std::string kw = upper(f[0].text);
  if (f.size() == 1 && activation(w, f[0], l)) {
    l.kind = LayerKind::kActivation;
    return l;
  }
  const Grammar* g = nullptr;
  for (const Grammar& k : kGrammar)
    if (kw == k.keyword) g = &k;
  if (!g)
    w.fail(f[0], fmt::format("{}: unknown layer; expected DENSE, CONV, TRANSCONV, MAXPOOL, "
                             "AVGPOOL, RESHAPE, BNORM, UPSAMPLE or an activation ({})",
                             where, kActivations));
  if (std::find(g->counts.begin(), g->counts.end(), f.size()) == g->counts.end())
    w.fail(p, fmt::format("expected {} fields ({}), got {}", counts_text(g->counts), g->form,
                          f.size()));
  if (kw == "DENSE") {
    l.kind = LayerKind::kDense;
    l.units = integer(w, f[1], "units of DENSE", 1, kMaxUnits);
    act_field(w, f[2], l);
  } else if (kw == "CONV" || kw == "TRANSCONV") {
    l.kind = kw == "CONV" ? LayerKind::kConv : LayerKind::kTransConv;
    l.units = integer(w, f[1], fmt::format("filters of {}", kw), 1, kMaxUnits);
    window_fields(w, f, 2, l, true);
    if (f.size() == 10) l.output_padding = integer(w, f[8], "output_padding of TRANSCONV", 0, 63);
    act_field(w, f.back(), l);
  } else if (kw == "MAXPOOL" || kw == "AVGPOOL") {
    l.kind = kw == "MAXPOOL" ? LayerKind::kMaxPool : LayerKind::kAvgPool;
    window_fields(w, f, 1, l, false);
  } else if (kw == "RESHAPE") {
    if (f.size() == 2) {
      if (upper(f[1].text) != "FLAT") w.fail(f[1], "RESHAPE with one field: expected FLAT");
      l.kind = LayerKind::kFlatten;
    } else {
      l.kind = LayerKind::kReshape;
      for (size_t i = 1; i < 4; ++i)
        l.dims.push_back(
            integer(w, f[i], fmt::format("{} of RESHAPE", "chw"[i - 1]), 1, kMaxUnits));
    }
  } else if (kw == "BNORM") {
    l.kind = LayerKind::kBatchNorm;
  } else {
    l.kind = LayerKind::kUpsample;
    l.sh = integer(w, f[1], "sh of UPSAMPLE", 1, 64);
    l.sw = integer(w, f[2], "sw of UPSAMPLE", 1, 64);
    if (f.size() == 4) {
      std::string mode = upper(f[3].text);
      if (mode != "NEAREST" && mode != "BILINEAR")
        w.fail(f[3], "mode of UPSAMPLE: expected NEAREST or BILINEAR");
      l.bilinear = mode == "BILINEAR";
    }
  }
  return l;
}

bool weighted(const LayerSpec& l) {
  return l.kind == LayerKind::kDense || l.kind == LayerKind::kConv ||
         l.kind == LayerKind::kTransConv;
}

// The names the built-in models use: fc (fc1, fc2, ... when there are
// several), conv<i>, deconv<i>, and bn<i> after the i-th weighted layer.
void name_layers(std::vector<LayerSpec>& layers) {
  size_t dense = 0, conv = 0, deconv = 0, weights = 0;
  size_t denses = size_t(std::count_if(layers.begin(), layers.end(), [](const LayerSpec& l) {
    return l.kind == LayerKind::kDense;
  }));
  std::set<std::string> used;
  for (size_t i = 0; i < layers.size(); ++i) {
    LayerSpec& l = layers[i];
    if (weighted(l)) ++weights;
    std::string base;
    if (l.kind == LayerKind::kDense)
      base = denses == 1 ? "fc" : fmt::format("fc{}", ++dense);
    else if (l.kind == LayerKind::kConv)
      base = fmt::format("conv{}", ++conv);
    else if (l.kind == LayerKind::kTransConv)
      base = fmt::format("deconv{}", ++deconv);
    else if (l.kind == LayerKind::kBatchNorm)
      base = fmt::format("bn{}", weights);
    else
      continue;
    // Two batch norms after one weighted layer must not share parameters.
    l.name = base;
    for (int k = 2; used.count(l.name); ++k) l.name = fmt::format("{}_{}", base, k);
    used.insert(l.name);
    bool next_bn = i + 1 < layers.size() && layers[i + 1].kind == LayerKind::kBatchNorm;
    l.bias = !(weighted(l) && l.act == Activation::kLinear && next_bn);
  }
}

std::vector<LayerSpec> parse_network(const Where& w, const Piece& part, const char* net) {
  if (part.text.empty()) w.fail(part, fmt::format("the {} has no layers", net));
  std::vector<LayerSpec> layers;
  for (const Piece& p : split(part, ",")) layers.push_back(parse_layer(w, p, net, layers.size()));
  name_layers(layers);
  return layers;
}

Tensor activate(Net& n, Tensor h, const LayerSpec& l) {
  switch (l.act) {
    case Activation::kLinear:
      return h;
    case Activation::kRelu:
      return n.relu(h);
    case Activation::kTanh:
      return n.tanh(h);
    case Activation::kSigmoid:
      return n.sigmoid(h);
    case Activation::kLeakyRelu:
      return n.leaky_relu(h, l.slope);
  }
  return h;
}

ConvOptions conv_options(const LayerSpec& l) {
  return {.kernel = l.kh,
          .stride = l.sh,
          .padding = l.ph,
          .output_padding = l.output_padding,
          .bias = l.bias,
          .kernel_w = l.kw,
          .stride_w = l.sw,
          .padding_w = l.pw};
}

Tensor apply_layer(Net& n, Tensor h, const LayerSpec& l) {
  switch (l.kind) {
    case LayerKind::kDense:
      return activate(n, n.dense(l.name, h, l.units, l.bias), l);
    case LayerKind::kConv:
      return activate(n, n.conv2d(l.name, h, l.units, conv_options(l)), l);
    case LayerKind::kTransConv:
      return activate(n, n.conv_transpose2d(l.name, h, l.units, conv_options(l)), l);
    case LayerKind::kMaxPool:
      return n.max_pool(h, {.kernel = l.kh, .stride = l.sh, .kernel_w = l.kw, .stride_w = l.sw});
    case LayerKind::kAvgPool:
      return n.avg_pool(h, {.kernel = l.kh, .stride = l.sh, .kernel_w = l.kw, .stride_w = l.sw});
    case LayerKind::kReshape:
      return n.reshape(h, {-1, l.dims[0], l.dims[1], l.dims[2]});
    case LayerKind::kFlatten:
      return n.flatten(h);
    case LayerKind::kBatchNorm:
      return n.batch_norm(l.name, h);
    case LayerKind::kUpsample:
      return l.bilinear ? n.upsample_bilinear(h, l.sh, false, l.sw)
                        : n.upsample_nearest(h, l.sh, l.sw);
    case LayerKind::kActivation:
      return activate(n, h, l);
  }
  return h;
}

// What a failed layer most likely lacks.
std::string hint_for(const LayerSpec& l, const Shape& in) {
  if (l.kind == LayerKind::kDense && in.rank() == 4) return "\nhint: put RESHAPE|FLAT before it";
  bool spatial = l.kind == LayerKind::kConv || l.kind == LayerKind::kTransConv ||
                 l.kind == LayerKind::kMaxPool || l.kind == LayerKind::kAvgPool ||
                 l.kind == LayerKind::kUpsample;
  if (spatial && in.rank() == 2) return "\nhint: put RESHAPE|c|h|w before it";
  return "";
}

Tensor apply_network(Net& n, Tensor x, const std::vector<LayerSpec>& layers,
                     const std::string& layout) {
  Tensor h = x;
  for (const LayerSpec& l : layers) {
    Shape in = h.shape();
    try {
      h = apply_layer(n, h, l);
    } catch (const Error& e) {
      fail_in_option("Layout", layout, l.begin, l.end, std::string(e.what()) + hint_for(l, in));
    }
    if (h.shape().elements() / h.shape()[0] > kMaxPerImage)
      fail_in_option("Layout", layout, l.begin, l.end,
                     fmt::format("makes {} per image, more than the {} values vkgan allows",
                                 h.shape(), kMaxPerImage));
  }
  return h;
}

// Both networks on a batch of two (batch norm's smallest), checking what
// each must end in.
void check_networks(const LayoutSpec& s) {
  Graph g;
  Net gen(g, "gen");
  Tensor z = input(g, "z", Shape{2, s.latent});
  Tensor img = apply_network(gen, z, s.generator, s.source.layout);
  Shape want{2, s.image[0], s.image[1], s.image[2]};
  const LayerSpec& last_g = s.generator.back();
  if (img.shape() != want)
    fail_in_option("Layout", s.source.layout, last_g.begin, last_g.end,
                   fmt::format("the generator must end in the image shape {} (InputLayout "
                               "{}|{}|{} at batch 2), got {}",
                               want, s.image[0], s.image[1], s.image[2], img.shape()));
  Net disc(g, "disc");
  Tensor logit = apply_network(disc, input(g, "x", want), s.discriminator, s.source.layout);
  const LayerSpec& last_d = s.discriminator.back();
  if (logit.shape() != Shape{2, 1})
    fail_in_option("Layout", s.source.layout, last_d.begin, last_d.end,
                   fmt::format("the discriminator must end in one logit per image, [2,1] at "
                               "batch 2, got {}\nhint: end it with RESHAPE|FLAT,DENSE|1|LINEAR",
                               logit.shape()));
}

// Splits "GEN##DISC"; exactly one "##".
std::pair<Piece, Piece> halves(const Where& w, const std::string& what) {
  std::vector<Piece> parts = split({w.text, 0}, "##");
  if (parts.size() != 2) {
    size_t at = parts.size() > 2 ? parts[2].begin - 2 : 0;
    size_t end = parts.size() > 2 ? at + 2 : w.text.size();
    w.fail({w.text.substr(at, end - at), at},
           fmt::format("expected {}: one '##' between the generator's part and the "
                       "discriminator's, got {}",
                       what, parts.size() - 1));
  }
  return {parts[0], parts[1]};
}

// One Key=Value of a training strategy, aimed at both networks (net 0) or
// at one (1 the generator, 2 the discriminator).
struct Setting {
  int net;
  std::string key;  // canonical: "LearningRate"
  Piece value;
};

// The strategy's settings, each key checked and recorded in `s.spans`.
std::vector<Setting> strategy_settings(const Where& w, TrainingStrategy& s) {
  const std::map<std::string, std::string> known = {{"LEARNINGRATE", "LearningRate"},
                                                    {"OPTIMIZER", "Optimizer"},
                                                    {"MOMENTUM", "Momentum"},
                                                    {"WEIGHTDECAY", "WeightDecay"},
                                                    {"BATCHSIZE", "BatchSize"},
                                                    {"MAXEPOCHS", "MaxEpochs"},
                                                    {"DSTEPS", "DSteps"},
                                                    {"LATENTDIM", "LatentDim"}};
  const std::set<std::string> shared = {"BatchSize", "MaxEpochs", "DSteps", "LatentDim"};
  std::vector<Setting> settings;
  std::set<std::pair<int, std::string>> seen;
  for (const Piece& p : split({w.text, 0}, ",")) {
    size_t eq = p.text.find('=');
    if (eq == std::string::npos) w.fail(p, "expected Key=Value");
    Piece key{p.text.substr(0, eq), p.begin};
    std::string k = upper(key.text);
    int net = 0;
    if (k.rfind("GENERATOR", 0) == 0)
      net = 1, k = k.substr(9);
    else if (k.rfind("DISCRIMINATOR", 0) == 0)
      net = 2, k = k.substr(13);
    auto it = known.find(k);
    if (it == known.end())
      w.fail(key,
             "unknown key; expected LearningRate, Optimizer, Momentum or WeightDecay (each "
             "may carry a Generator or Discriminator prefix), BatchSize, MaxEpochs, DSteps "
             "or LatentDim");
    if (net && shared.count(it->second))
      w.fail(key,
             fmt::format("{} applies to both networks; expected it without a prefix", it->second));
    if (!seen.insert({net, it->second}).second) w.fail(key, "given twice");
    settings.push_back({net, it->second, {p.text.substr(eq + 1), p.begin + eq + 1}});
    s.spans.push_back({it->second, {p.begin, p.end()}});
  }
  return settings;
}

void apply_setting(const Where& w, const Setting& st, TrainingStrategy& s) {
  const Piece& v = st.value;
  if (st.key == "BatchSize") s.batch = integer(w, v, "BatchSize", 2, 1 << 16);
  if (st.key == "MaxEpochs") s.epochs = integer(w, v, "MaxEpochs", 1, 1 << 20);
  if (st.key == "DSteps") s.d_steps = integer(w, v, "DSteps", 1, 64);
  if (st.key == "LatentDim") s.latent = integer(w, v, "LatentDim", 1, kMaxUnits);
  for (OptimizerOptions* o : {st.net != 2 ? &s.gen : nullptr, st.net != 1 ? &s.disc : nullptr}) {
    if (!o) continue;
    if (st.key == "LearningRate") o->lr = real(w, v, "LearningRate", 1e-12, 10, false);
    if (st.key == "WeightDecay") o->weight_decay = real(w, v, "WeightDecay", 0, 10, false);
    if (st.key == "Optimizer") {
      std::string u = upper(v.text);
      if (u != "ADAM" && u != "SGD") w.fail(v, "Optimizer: expected ADAM or SGD");
      o->kind = u == "SGD" ? Optimizer::kSgd : Optimizer::kAdam;
    }
    if (st.key == "Momentum") {
      double m = real(w, v, "Momentum", 0, 1, true);
      (o->kind == Optimizer::kSgd ? o->momentum : o->beta1) = m;
    }
  }
}

}  // namespace

void fail_in_option(const std::string& key, const std::string& text, size_t begin, size_t end,
                    const std::string& problem) {
  begin = std::min(begin, text.size());
  end = std::clamp(end, begin, text.size());
  std::string token = text.substr(begin, end - begin);
  // The problem's first line goes on the first line; hints go last.
  std::string first = problem, rest;
  if (size_t nl = problem.find('\n'); nl != std::string::npos)
    first = problem.substr(0, nl), rest = problem.substr(nl);
  throw Error(fmt::format("{}: {} : {}\n  {}={}\n  {}{}{}", key, token.empty() ? "''" : token,
                          first, key, text, std::string(key.size() + 1 + begin, ' '),
                          std::string(std::max<size_t>(end - begin, 1), '^'), rest));
}

LayoutOptions parse_options_text(const std::string& text, const std::string& source) {
  LayoutOptions o;
  std::set<std::string> seen;
  size_t line_no = 0;
  for (const Piece& line : split({text, 0}, "\n")) {
    ++line_no;
    std::string l = line.text;
    if (!l.empty() && l.back() == '\r') l.pop_back();
    size_t first = l.find_first_not_of(" \t");
    if (first == std::string::npos || l[first] == '#') continue;
    for (const Piece& item : split({l, 0}, ":")) {
      std::string s = item.text;
      s.erase(0, s.find_first_not_of(" \t"));
      s.erase(s.find_last_not_of(" \t") + 1);
      if (s.empty()) continue;
      size_t eq = s.find('=');
      std::string key = upper(s.substr(0, eq));
      std::string* slot = key == "INPUTLAYOUT"        ? &o.input_layout
                          : key == "LAYOUT"           ? &o.layout
                          : key == "TRAININGSTRATEGY" ? &o.training_strategy
                                                      : nullptr;
      if (!slot || eq == std::string::npos)
        fail("{}:{}: '{}': expected InputLayout=..., Layout=... or TrainingStrategy=...", source,
             line_no, s);
      if (!seen.insert(key).second) fail("{}:{}: {} is given twice", source, line_no, key);
      *slot = s.substr(eq + 1);
    }
  }
  return o;
}

LayoutSpec parse_layout(const std::string& input_layout, const std::string& layout) {
  LayoutSpec s;
  s.source.input_layout = input_layout;
  s.source.layout = layout;

  // 1. InputLayout: the noise size, then the image's C|H|W.
  Where in{"InputLayout", input_layout};
  auto [noise, image] = halves(in, "the noise size and the image's C|H|W");
  s.latent = integer(in, noise, "the generator's noise size", 1, kMaxUnits);
  std::vector<Piece> chw = split(image, "|");
  if (chw.size() != 3)
    in.fail(image, fmt::format("expected the image as C|H|W (3 fields), got {}", chw.size()));
  const char* names[] = {"C", "H", "W"};
  std::vector<int64_t> dims;
  for (size_t i = 0; i < 3; ++i)
    dims.push_back(integer(in, chw[i], fmt::format("image {}", names[i]), 1, 65536));
  s.image = Shape(dims);
  if (s.image.elements() > kMaxPerImage)
    in.fail(image, fmt::format("image {} holds more than the {} values vkgan allows", s.image,
                               kMaxPerImage));

  // 2. Layout: each network's layers; then build both to check the shapes.
  Where lw{"Layout", layout};
  auto [gen, disc] = halves(lw, "the generator's layers and the discriminator's");
  s.generator = parse_network(lw, gen, "generator");
  s.discriminator = parse_network(lw, disc, "discriminator");
  check_networks(s);
  return s;
}

std::pair<size_t, size_t> TrainingStrategy::span_of(const std::string& key) const {
  for (const auto& [k, span] : spans)
    if (k == key) return span;
  return {0, 0};
}

TrainingStrategy parse_training_strategy(const std::string& text,
                                         const OptimizerOptions& defaults) {
  TrainingStrategy s;
  s.gen = s.disc = defaults;
  if (text.empty()) return s;
  Where w{"TrainingStrategy", text};
  if (size_t bar = text.find('|'); bar != std::string::npos)
    w.fail({"|", bar}, "training phases are not supported; expected one phase, without '|'");
  std::vector<Setting> settings = strategy_settings(w, s);

  // Both-network settings first, so a prefixed one overrides them; the
  // optimiser before Momentum, which is SGD's momentum or Adam's beta1.
  std::stable_sort(settings.begin(), settings.end(), [](const Setting& a, const Setting& b) {
    return std::pair(a.key == "Momentum", a.net) < std::pair(b.key == "Momentum", b.net);
  });
  for (const Setting& st : settings) apply_setting(w, st, s);
  return s;
}

void check_latent_dim(const TrainingStrategy& s, const std::string& text, int64_t latent) {
  if (!s.latent || *s.latent == latent) return;
  auto [begin, end] = s.span_of("LatentDim");
  fail_in_option("TrainingStrategy", text, begin, end,
                 fmt::format("LatentDim {} differs from the model's noise size {} (InputLayout)",
                             *s.latent, latent));
}

GanModel layout_model(const LayoutSpec& spec, const std::string& name) {
  auto s = std::make_shared<const LayoutSpec>(spec);
  GanModel m;
  m.name = name;
  m.summary = fmt::format("InputLayout={}:Layout={}", spec.source.input_layout, spec.source.layout);
  m.latent = spec.latent;
  m.image = spec.image;
  m.generator = [s](Net& n, Tensor z) {
    return apply_network(n, z, s->generator, s->source.layout);
  };
  m.discriminator = [s](Net& n, Tensor x) {
    return apply_network(n, x, s->discriminator, s->source.layout);
  };
  return m;
}

namespace {

std::string activation_call(const LayerSpec& l, const char* n) {
  switch (l.act) {
    case Activation::kLinear:
      return "";
    case Activation::kRelu:
      return fmt::format("{}.relu(h)", n);
    case Activation::kTanh:
      return fmt::format("{}.tanh(h)", n);
    case Activation::kSigmoid:
      return fmt::format("{}.sigmoid(h)", n);
    case Activation::kLeakyRelu:
      return l.slope == 0.2 ? fmt::format("{}.leaky_relu(h)", n)
                            : fmt::format("{}.leaky_relu(h, {})", n, l.slope);
  }
  return "";
}

// ConvOptions' fields in declaration order, defaults left out.
std::string conv_fields(const LayerSpec& l) {
  std::vector<std::string> f = {fmt::format(".kernel = {}", l.kh)};
  if (l.sh != 1) f.push_back(fmt::format(".stride = {}", l.sh));
  if (l.ph != 0) f.push_back(fmt::format(".padding = {}", l.ph));
  if (l.output_padding) f.push_back(fmt::format(".output_padding = {}", l.output_padding));
  if (!l.bias) f.push_back(".bias = false");
  if (l.kw != l.kh) f.push_back(fmt::format(".kernel_w = {}", l.kw));
  if (l.sw != l.sh) f.push_back(fmt::format(".stride_w = {}", l.sw));
  if (l.pw != l.ph) f.push_back(fmt::format(".padding_w = {}", l.pw));
  return fmt::format("{{{}}}", fmt::join(f, ", "));
}

std::string pool_fields(const LayerSpec& l) {
  std::vector<std::string> f = {fmt::format(".kernel = {}", l.kh),
                                fmt::format(".stride = {}", l.sh)};
  if (l.kw != l.kh) f.push_back(fmt::format(".kernel_w = {}", l.kw));
  if (l.sw != l.sh) f.push_back(fmt::format(".stride_w = {}", l.sw));
  return fmt::format("{{{}}}", fmt::join(f, ", "));
}

std::string layer_call(const LayerSpec& l, const char* n) {
  switch (l.kind) {
    case LayerKind::kDense:
      return fmt::format("{}.dense(\"{}\", h, {}{})", n, l.name, l.units, l.bias ? "" : ", false");
    case LayerKind::kConv:
      return fmt::format("{}.conv2d(\"{}\", h, {}, {})", n, l.name, l.units, conv_fields(l));
    case LayerKind::kTransConv:
      return fmt::format("{}.conv_transpose2d(\"{}\", h, {}, {})", n, l.name, l.units,
                         conv_fields(l));
    case LayerKind::kMaxPool:
      return fmt::format("{}.max_pool(h, {})", n, pool_fields(l));
    case LayerKind::kAvgPool:
      return fmt::format("{}.avg_pool(h, {})", n, pool_fields(l));
    case LayerKind::kReshape:
      return fmt::format("{}.reshape(h, {{-1, {}, {}, {}}})", n, l.dims[0], l.dims[1], l.dims[2]);
    case LayerKind::kFlatten:
      return fmt::format("{}.flatten(h)", n);
    case LayerKind::kBatchNorm:
      return fmt::format("{}.batch_norm(\"{}\", h)", n, l.name);
    case LayerKind::kUpsample:
      if (l.bilinear)
        return l.sw == l.sh ? fmt::format("{}.upsample_bilinear(h, {})", n, l.sh)
                            : fmt::format("{}.upsample_bilinear(h, {}, false, {})", n, l.sh, l.sw);
      return l.sw == l.sh ? fmt::format("{}.upsample_nearest(h, {})", n, l.sh)
                          : fmt::format("{}.upsample_nearest(h, {}, {})", n, l.sh, l.sw);
    case LayerKind::kActivation:
      return activation_call(l, n);
  }
  return "";
}

std::string network_source(const std::vector<LayerSpec>& layers, const char* fn, const char* n,
                           const char* in) {
  std::string s =
      fmt::format("Tensor {}(Net& {}, Tensor {}) {{\n  Tensor h = {};\n", fn, n, in, in);
  for (const LayerSpec& l : layers) {
    std::string call = layer_call(l, n);
    // A call past 100 columns continues its options on the next line.
    if (size_t at = call.find(", {."); call.size() + 7 > 100 && at != std::string::npos)
      call = call.substr(0, at + 1) + "\n" + std::string(call.find('(') + 7, ' ') +
             call.substr(at + 2);
    if (!call.empty()) s += fmt::format("  h = {};\n", call);
    if (weighted(l) && l.act != Activation::kLinear)
      s += fmt::format("  h = {};\n", activation_call(l, n));
  }
  return s + "  return h;\n}\n";
}

// A string as comment lines of at most ~96 columns, broken after commas.
std::string comment_lines(const std::string& label, const std::string& text) {
  std::string out, line = "//   " + label + "=";
  for (const Piece& p : split({text, 0}, ",")) {
    bool last = p.end() == text.size();
    std::string item = p.text + (last ? "" : ",");
    if (line.size() + item.size() > 96 && line.back() == ',') out += line + "\n", line = "//     ";
    line += item;
  }
  return out + line + "\n";
}

std::string cpp_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace

std::string layout_dsl(const LayoutSpec& spec, const std::string& name) {
  std::string s = fmt::format(
      "// {}: the GAN these TMVA-style layout strings describe, as printed by\n"
      "// `vkgan train --print-dsl`; it builds the same graph as the strings:\n",
      name);
  s += comment_lines("InputLayout", spec.source.input_layout);
  s += comment_lines("Layout", spec.source.layout);
  s += "#include \"engine/model.hpp\"\n\nnamespace vkgan {\nnamespace {\n\n";
  s += network_source(spec.generator, "generator", "g", "z") + "\n";
  s += network_source(spec.discriminator, "discriminator", "d", "x") + "\n";
  s += fmt::format(
      "GanModel make() {{\n  return {{{}, \"from TMVA-style layout strings, "
      "{}x{}x{}\", {}, Shape{{{}, {}, {}}},\n          generator, discriminator}};\n"
      "}}\n\n}}  // namespace\n\nVKGAN_REGISTER_MODEL(make);\n\n}}  // namespace vkgan\n",
      cpp_string(name), spec.image[1], spec.image[2], spec.image[0], spec.latent, spec.image[0],
      spec.image[1], spec.image[2]);
  return s;
}

}  // namespace vkgan
