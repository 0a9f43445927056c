// Layout strings: each built-in model written as one builds its graph node
// for node, every kind of bad string is refused with its message and a caret
// under the token, the strategy resolves per network, the fuzz corpus never
// crashes the parser, and a layout run trains step for step like the model.
#include "engine/layout.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <sstream>

#include "engine/io/safetensors.hpp"
#include "engine/trainer.hpp"
#include "tests/support.hpp"

namespace vkgan {
namespace {

namespace fs = std::filesystem;

struct Written {
  const char* model;
  const char* input_layout;
  const char* layout;
};

// The built-in models as layout strings (the README shows the first).
const Written kBuiltIn[] = {
    {"dcgan28", "100##1|28|28",
     "DENSE|6272|LINEAR,RESHAPE|128|7|7,BNORM,RELU,TRANSCONV|64|4|4|2|2|1|1|LINEAR,BNORM,RELU,"
     "TRANSCONV|1|4|4|2|2|1|1|TANH##CONV|64|4|4|2|2|1|1|LEAKYRELU,CONV|128|4|4|2|2|1|1|LINEAR,"
     "BNORM,LEAKYRELU,RESHAPE|FLAT,DENSE|1|LINEAR"},
    {"upgan28", "100##1|28|28",
     "DENSE|6272|LINEAR,RESHAPE|128|7|7,BNORM,RELU,UPSAMPLE|2|2,CONV|64|3|3|1|1|1|1|LINEAR,BNORM,"
     "RELU,UPSAMPLE|2|2,CONV|1|3|3|1|1|1|1|TANH##CONV|64|3|3|1|1|1|1|LEAKYRELU,MAXPOOL|2|2|2|2,"
     "CONV|128|3|3|1|1|1|1|LINEAR,BNORM,LEAKYRELU,AVGPOOL|2|2|2|2,RESHAPE|FLAT,DENSE|1|LINEAR"},
    {"mlpgan28", "64##1|28|28",
     "DENSE|256|LEAKYRELU,DENSE|784|TANH,RESHAPE|1|28|28##RESHAPE|FLAT,DENSE|256|LEAKYRELU,"
     "DENSE|1|LINEAR"},
};

// Every node of both networks on a batch of 3: name, op and shape.
std::vector<std::string> nodes_of(const GanModel& m) {
  Graph g;
  Net gen(g, "gen"), disc(g, "disc");
  Tensor img = m.generator(gen, input(g, "z", Shape{3, m.latent}));
  m.discriminator(disc, img);
  std::vector<std::string> out;
  for (NodeId id = 0; id < g.size(); ++id) {
    const Node& n = g.node(id);
    out.push_back(fmt::format("{} {} {}", n.name, n.op, n.shape));
  }
  return out;
}

int64_t param_count(const GanModel& m) {
  Graph g;
  Net gen(g, "gen"), disc(g, "disc");
  m.discriminator(disc, m.generator(gen, input(g, "z", Shape{2, m.latent})));
  int64_t n = 0;
  for (const char* net : {"gen", "disc"})
    for (NodeId id : g.params(net)) n += g.shape(id).elements();
  return n;
}

TEST_CASE("each built-in model written as a layout builds the same graph") {
  for (const Written& w : kBuiltIn) {
    INFO(w.model);
    const GanModel& built_in = find_model(w.model);
    GanModel layout = layout_model(parse_layout(w.input_layout, w.layout));
    CHECK(layout.latent == built_in.latent);
    CHECK(layout.image == built_in.image);
    CHECK(nodes_of(layout) == nodes_of(built_in));
    CHECK(param_count(layout) == param_count(built_in));
  }
}

// The error's three parts: its first line, the string line, the caret line.
struct Refusal {
  std::string first, text, carets;
  size_t column = 0;  // of the first caret within the string
};

Refusal refusal(const std::string& message) {
  std::istringstream in(message);
  Refusal r;
  std::getline(in, r.first);
  std::getline(in, r.text);
  std::getline(in, r.carets);
  size_t eq = r.text.find('=');
  size_t caret = r.carets.find('^');
  if (eq != std::string::npos && caret != std::string::npos) r.column = caret - eq - 1;
  return r;
}

// Checks the first line and that the carets sit under `token` at `column`.
void refused_at(const std::string& message, const std::string& first, size_t column,
                const std::string& token) {
  INFO(message);
  Refusal r = refusal(message);
  CHECK(r.first == first);
  CHECK(r.column == column);
  CHECK(r.carets.find_last_of('^') - r.carets.find('^') + 1 == std::max<size_t>(token.size(), 1));
  std::string shown = r.text.substr(r.text.find('=') + 1);
  CHECK(shown.substr(column, token.size()) == token);
}

std::string layout_error(const std::string& in, const std::string& layout) {
  return test::error_of([&] { parse_layout(in, layout); });
}

const std::string kDisc = "CONV|8|4|4|2|2|1|1|LEAKYRELU,RESHAPE|FLAT,DENSE|1|LINEAR";

TEST_CASE("a bad layer is refused with a caret under its token") {
  std::string g = "DENSE|784|TANH,TRANSCONV|64|4|4|2|2|1";
  refused_at(layout_error("100##1|28|28", g + "##" + kDisc),
             "Layout: TRANSCONV|64|4|4|2|2|1 : expected 9 or 10 fields "
             "(TRANSCONV|filters|kh|kw|sh|sw|ph|pw[|output_padding]|ACT), got 7",
             15, "TRANSCONV|64|4|4|2|2|1");
  refused_at(layout_error("100##1|28|28", "DENS|784|TANH##" + kDisc),
             "Layout: DENS : generator layer 1: unknown layer; expected DENSE, CONV, TRANSCONV, "
             "MAXPOOL, AVGPOOL, RESHAPE, BNORM, UPSAMPLE or an activation (RELU, TANH, SIGMOID, "
             "LINEAR, LEAKYRELU or LEAKYRELU=slope)",
             0, "DENS");
  refused_at(layout_error("100##1|28|28", "DENSE|784|TANH##CONV|8|x|4|2|2|1|1|RELU"),
             "Layout: x : kh of CONV: expected an integer from 1 to 64", 23, "x");
  refused_at(layout_error("100##1|28|28", "DENSE|784|TANH##CONV|8|4|4|0|2|1|1|RELU"),
             "Layout: 0 : sh of CONV: expected an integer from 1 to 64", 27, "0");
  refused_at(layout_error("100##1|28|28", "DENSE|0|TANH##" + kDisc),
             "Layout: 0 : units of DENSE: expected an integer from 1 to 1048576", 6, "0");
  refused_at(layout_error("100##1|28|28", "DENSE|784|SWISH##" + kDisc),
             "Layout: SWISH : activation: expected RELU, TANH, SIGMOID, LINEAR, LEAKYRELU or "
             "LEAKYRELU=slope",
             10, "SWISH");
  refused_at(layout_error("100##1|28|28", "DENSE|784|LEAKYRELU=2##" + kDisc),
             "Layout: 2 : LEAKYRELU's slope: expected a number in [0, 1]", 20, "2");
  refused_at(layout_error("100##1|28|28", "DENSE|784|TANH,,RESHAPE|1|28|28##" + kDisc),
             "Layout: '' : generator layer 2 is empty; expected a layer", 15, "");
  refused_at(layout_error("100##1|28|28", "DENSE|784|TANH,RESHAPE|ROUND##" + kDisc),
             "Layout: ROUND : RESHAPE with one field: expected FLAT", 23, "ROUND");
  refused_at(layout_error("16##1|4|4", "DENSE|4|TANH,RESHAPE|1|2|2,UPSAMPLE|2|2|CUBIC##" + kDisc),
             "Layout: CUBIC : mode of UPSAMPLE: expected NEAREST or BILINEAR", 40, "CUBIC");
}

TEST_CASE("a layout without its two parts is refused") {
  refused_at(layout_error("100##1|28|28", "DENSE|784|TANH"),
             "Layout: DENSE|784|TANH : expected the generator's layers and the discriminator's: "
             "one '##' between the generator's part and the discriminator's, got 0",
             0, "DENSE|784|TANH");
  refused_at(layout_error("100##1|28|28", "BNORM##BNORM##BNORM"),
             "Layout: ## : expected the generator's layers and the discriminator's: one '##' "
             "between the generator's part and the discriminator's, got 2",
             12, "##");
  refused_at(layout_error("100##1|28|28", "##" + kDisc), "Layout: '' : the generator has no layers",
             0, "");
  refused_at(layout_error("100##1|28", "DENSE|784|TANH##" + kDisc),
             "InputLayout: 1|28 : expected the image as C|H|W (3 fields), got 2", 5, "1|28");
  refused_at(layout_error("z##1|28|28", "DENSE|784|TANH##" + kDisc),
             "InputLayout: z : the generator's noise size: expected an integer from 1 to 1048576",
             0, "z");
}

TEST_CASE("a layer whose shapes do not fit is refused at the layer, with a hint") {
  std::string e = layout_error("100##1|28|28",
                               "DENSE|784|TANH,RESHAPE|1|28|28##CONV|8|4|4|2|2|1|"
                               "1|LEAKYRELU,DENSE|1|LINEAR");
  refused_at(e,
             "Layout: DENSE|1|LINEAR : dense 'disc.fc': x must be [N, features], got "
             "[2,8,14,14]",
             61, "DENSE|1|LINEAR");
  CHECK(e.substr(e.rfind('\n') + 1) == "hint: put RESHAPE|FLAT before it");
  refused_at(layout_error("100##1|28|28", "DENSE|784|TANH##" + kDisc),
             "Layout: DENSE|784|TANH : the generator must end in the image shape [2,1,28,28] "
             "(InputLayout 1|28|28 at batch 2), got [2,784]",
             0, "DENSE|784|TANH");
  e = layout_error("100##1|28|28", "DENSE|784|TANH,RESHAPE|1|28|28##RESHAPE|FLAT,DENSE|2|LINEAR");
  refused_at(e,
             "Layout: DENSE|2|LINEAR : the discriminator must end in one logit per image, [2,1] "
             "at batch 2, got [2,2]",
             45, "DENSE|2|LINEAR");
  CHECK(e.substr(e.rfind('\n') + 1) == "hint: end it with RESHAPE|FLAT,DENSE|1|LINEAR");
}

std::string strategy_error(const std::string& s) {
  return test::error_of([&] { parse_training_strategy(s, {}); });
}

TEST_CASE("a bad training strategy is refused at its key or value") {
  refused_at(strategy_error("LearningRate=1e-3,ConvergenceSteps=20"),
             "TrainingStrategy: ConvergenceSteps : unknown key; expected LearningRate, "
             "Optimizer, Momentum or WeightDecay (each may carry a Generator or Discriminator "
             "prefix), BatchSize, MaxEpochs, DSteps or LatentDim",
             18, "ConvergenceSteps");
  refused_at(strategy_error("GeneratorBatchSize=32"),
             "TrainingStrategy: GeneratorBatchSize : BatchSize applies to both networks; "
             "expected it without a prefix",
             0, "GeneratorBatchSize");
  refused_at(strategy_error("BatchSize=32,batchsize=64"),
             "TrainingStrategy: batchsize : given twice", 13, "batchsize");
  refused_at(strategy_error("BatchSize=1"),
             "TrainingStrategy: 1 : BatchSize: expected an integer from 2 to 65536", 10, "1");
  refused_at(strategy_error("Optimizer=RMSPROP"),
             "TrainingStrategy: RMSPROP : Optimizer: expected ADAM or SGD", 10, "RMSPROP");
  refused_at(strategy_error("Momentum=1"),
             "TrainingStrategy: 1 : Momentum: expected a number in [0, 1)", 9, "1");
  refused_at(strategy_error("LearningRate=fast"),
             "TrainingStrategy: fast : LearningRate: expected a number in [1e-12, 10]", 13, "fast");
  refused_at(strategy_error("BatchSize=32,Momentum"),
             "TrainingStrategy: Momentum : expected Key=Value", 13, "Momentum");
  refused_at(strategy_error("BatchSize=32|BatchSize=64"),
             "TrainingStrategy: | : training phases are not supported; expected one phase, "
             "without '|'",
             12, "|");
  std::string s = "BatchSize=32,LatentDim=64";
  refused_at(test::error_of([&] { check_latent_dim(parse_training_strategy(s, {}), s, 100); }),
             "TrainingStrategy: LatentDim=64 : LatentDim 64 differs from the model's noise size "
             "100 (InputLayout)",
             13, "LatentDim=64");
}

TEST_CASE("a training strategy sets each network's optimiser, a prefix overriding") {
  OptimizerOptions base;
  TrainingStrategy s = parse_training_strategy(
      "GeneratorLearningRate=1e-3,LearningRate=5e-4,Optimizer=ADAM,Momentum=0.8,"
      "DiscriminatorOptimizer=SGD,DiscriminatorMomentum=0.9,WeightDecay=1e-4,BatchSize=32,"
      "MaxEpochs=3,DSteps=2,LatentDim=64",
      base);
  CHECK(s.gen.lr == 1e-3);
  CHECK(s.disc.lr == 5e-4);
  CHECK(s.gen.kind == Optimizer::kAdam);
  CHECK(s.gen.beta1 == 0.8);  // Adam's momentum term
  CHECK(s.disc.kind == Optimizer::kSgd);
  CHECK(s.disc.momentum == 0.9);
  CHECK(s.disc.beta1 == base.beta1);
  CHECK(s.gen.weight_decay == 1e-4);
  CHECK(s.disc.weight_decay == 1e-4);
  CHECK(*s.batch == 32);
  CHECK(*s.epochs == 3);
  CHECK(*s.d_steps == 2);
  CHECK(*s.latent == 64);
  CHECK(!parse_training_strategy("", base).batch);
}

TEST_CASE("an options file gives the three keys on lines or colon-separated") {
  LayoutOptions a = parse_options_text(
      "# comment\nInputLayout=100##1|28|28\r\nLayout=A##B\n\nTrainingStrategy=BatchSize=8\n", "f");
  LayoutOptions b =
      parse_options_text("InputLayout=100##1|28|28:Layout=A##B:TrainingStrategy=BatchSize=8", "f");
  for (const LayoutOptions& o : {a, b}) {
    CHECK(o.input_layout == "100##1|28|28");
    CHECK(o.layout == "A##B");
    CHECK(o.training_strategy == "BatchSize=8");
  }
  CHECK(
      test::error_of([] { parse_options_text("Layout=A##B\nErrorStrategy=CROSSENTROPY", "f"); }) ==
      "f:2: 'ErrorStrategy=CROSSENTROPY': expected InputLayout=..., Layout=... or "
      "TrainingStrategy=...");
  CHECK(test::error_of([] { parse_options_text("Layout=A:layout=B", "f"); }) ==
        "f:1: LAYOUT is given twice");
}

TEST_CASE("the parser never crashes on the fuzz corpus") {
  fs::path corpus = fs::path(VKGAN_SOURCE_ROOT) / "tests/fuzz/corpus/layout";
  REQUIRE(fs::is_directory(corpus));
  size_t files = 0, parsed = 0;
  for (const auto& e : fs::directory_iterator(corpus)) {
    std::string text = test::read_file(e.path());
    INFO(e.path().string());
    ++files;
    try {
      LayoutOptions o = parse_options_text(text, e.path().string());
      TrainingStrategy s = parse_training_strategy(o.training_strategy, {});
      LayoutSpec spec = parse_layout(o.input_layout, o.layout);
      check_latent_dim(s, o.training_strategy, spec.latent);
      CHECK(!layout_dsl(spec, "fuzz").empty());
      ++parsed;
    } catch (const Error&) {
    }
  }
  CHECK(files >= 5);
  CHECK(parsed >= 4);  // the valid seeds stay valid
}

TrainConfig dcgan_run(const std::string& dir, bool as_layout, int64_t steps) {
  TrainConfig c;
  c.model = "dcgan28";
  if (as_layout) {
    c.model = "layout";
    c.input_layout = kBuiltIn[0].input_layout;
    c.layout = kBuiltIn[0].layout;
  }
  c.out = test::scratch_dir(dir);
  c.limit = 64;
  c.batch = 8;
  c.max_steps = steps;
  c.log_every = 1;
  c.quiet = true;
  return c;
}

void same_weights(const fs::path& a_file, const fs::path& b_file) {
  auto a = load_safetensors(a_file), b = load_safetensors(b_file);
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    CHECK(a[i].name == b[i].name);
    CHECK(a[i].data == b[i].data);
  }
}

TEST_CASE("dcgan28 as a layout trains to the built-in model's losses and weights exactly") {
  TrainConfig model = dcgan_run("layout-eq-model", false, 4);
  TrainConfig layout = dcgan_run("layout-eq-layout", true, 4);
  train(model);
  train(layout);
  auto rows = test::loss_columns(layout.out / "losses.csv");
  CHECK(rows.size() == 5);
  CHECK(test::loss_columns(model.out / "losses.csv") == rows);
  same_weights(model.out / "checkpoint.safetensors", layout.out / "checkpoint.safetensors");

  // The run folder records the strings; a resume rebuilds the model from them.
  TrainConfig part = dcgan_run("layout-eq-part", true, 2);
  train(part);
  TrainConfig rest = read_run_config(part.out);
  CHECK(rest.layout == kBuiltIn[0].layout);
  CHECK(rest.input_layout == kBuiltIn[0].input_layout);
  rest.max_steps = 4;
  rest.quiet = true;
  CHECK(train(rest).steps == 4);
  CHECK(test::loss_columns(part.out / "losses.csv") == rows);
  same_weights(layout.out / "checkpoint.safetensors", part.out / "checkpoint.safetensors");
}

}  // namespace
}  // namespace vkgan
