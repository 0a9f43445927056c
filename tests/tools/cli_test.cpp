// The vkgan program refuses bad input with one line naming what was wrong,
// a non-zero exit, and nothing written.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "engine/io/hdf5.hpp"
#include "engine/io/safetensors.hpp"
#include "tests/support.hpp"

extern char** environ;

namespace vkgan {
namespace {

namespace fs = std::filesystem;

struct Outcome {
  int code = -1;
  std::string err;
};

// Runs vkgan with `args` (a shell-quoted string) and the environment
// assignments `env`; captures stderr.
Outcome vkgan(const std::string& args, const std::string& env = "") {
  std::string cmd = env + " " + VKGAN_CLI + " " + args + " 2>&1 >/dev/null";
  Outcome o;
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p);
  std::array<char, 4096> buf;
  while (fgets(buf.data(), buf.size(), p)) o.err += buf.data();
  int status = pclose(p);
  o.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return o;
}

size_t lines(const std::string& s) { return size_t(std::count(s.begin(), s.end(), '\n')); }

void refused(const std::string& args, const std::string& message, int code = 1) {
  Outcome o = vkgan(args);
  INFO("vkgan " << args << " said: " << o.err);
  CHECK(o.code == code);
  CHECK(lines(o.err) == 1);
  CHECK(o.err.find(message) != std::string::npos);
}

TEST_CASE("the command line refuses bad options with one line and exit code 2") {
  refused("frobnicate", "unknown command 'frobnicate'", 2);
  refused("train --epochz 3", "unknown option '--epochz'", 2);
  refused("train --batch", "--batch needs a value", 2);
  refused("train --batch ten", "--batch expects an integer, got 'ten'", 2);
  refused("train --batch 0", "--batch must be between 2 and", 2);
  refused("train --epochs -1", "--epochs must be between 1 and", 2);
  refused("train --lr -0.1", "--lr must be positive", 2);
  refused("train --quiet=yes", "--quiet takes no value", 2);
  refused("train extra", "unexpected argument 'extra'", 2);
  refused("opcheck", "no case file given", 2);
  refused("sample", "--checkpoint FILE is required", 2);
  refused("train --resume runs/x --batch 32", "--batch cannot change a resumed run", 2);
  refused("dump --program e-step", "--program 'e-step' is not one of", 2);
  // Names the engine does not know are refused as bad input, not bad usage.
  refused("train --model dcgan29", "unknown model 'dcgan29'; known models: dcgan28");
  refused("train --loss wasserstein", "unknown loss 'wasserstein'");
  // The command is named once, by the line's prefix.
  CHECK(vkgan("train --batch ten").err ==
        "vkgan train: error: --batch expects an integer, got 'ten'\n");
  CHECK(vkgan("sample --checkpoint run/checkpoint.safetensors --n 0").err ==
        "vkgan sample: error: --n must be between 1 and 4194304, got 0\n");
  CHECK(vkgan("eval --real x.h5").err == "vkgan eval: error: --generated FILE is required\n");
}

TEST_CASE("bad data is refused before anything is written") {
  std::string dir = test::scratch_dir("cli-data");
  fs::path out = fs::path(dir) / "run";
  std::ofstream(fs::path(dir) / "bad.idx") << std::string("\x00\x00\x09\x03", 4) << "junk";
  refused("train --data " + dir + "/missing --out " + out.string(), "missing: no such file");
  refused("train --data " + dir + "/bad.idx --out " + out.string(), "bad IDX magic");
  CHECK(!fs::exists(out));
}

TEST_CASE("an output folder that is not a vkgan run is refused unless forced") {
  std::string dir = test::scratch_dir("cli-out");
  std::ofstream(fs::path(dir) / "thesis.tex") << "precious";
  refused("train --model mlpgan28 --out " + dir, "is not a vkgan run");
  CHECK(fs::exists(fs::path(dir) / "thesis.tex"));
  CHECK(!fs::exists(fs::path(dir) / "config.json"));
}

TEST_CASE("a device that does not exist is refused, listing the devices") {
  refused("train --model mlpgan28 --device 42 --out " + test::scratch_dir("cli-dev") + "/run",
          "device '42' not found; devices: 0: ");
}

// Starts vkgan with `args`, its output to `log`; returns the process id.
pid_t spawn_vkgan(std::vector<std::string> args, const std::string& log) {
  args.insert(args.begin(), VKGAN_CLI);
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t io;
  posix_spawn_file_actions_init(&io);
  posix_spawn_file_actions_addopen(&io, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&io, 1, 2);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, VKGAN_CLI, &io, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&io);
  REQUIRE(rc == 0);
  return pid;
}

TEST_CASE("a run killed at random points and resumed ends with the uninterrupted weights") {
  std::string dir = test::scratch_dir("cli-kill");
  std::string log = dir + "/log.txt";
  // Four steps an epoch: a checkpoint every four steps, so kills land in
  // iterations, in checkpoint writes and in start-up.
  auto run_args = [](const std::string& out) {
    return std::vector<std::string>{"train", "--model", "mlpgan28", "--limit", "64", "--batch",
                                    "16", "--epochs", "20", "--log-every", "2", "--quiet",
                                    "--out", out};
  };
  auto finish = [&](pid_t pid) {
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    return status;
  };
  auto t0 = std::chrono::steady_clock::now();
  int status = finish(spawn_vkgan(run_args(dir + "/whole"), log));
  double whole_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  REQUIRE_MESSAGE(WIFEXITED(status), test::read_file(log));
  REQUIRE_MESSAGE(WEXITSTATUS(status) == 0, test::read_file(log));

  // Kill points are drawn relative to how long a whole run took here, so
  // they land inside runs on a fast machine and a slow one alike. A run
  // that ends before its kill comes, with fewer than three kills behind it,
  // starts the sequence over.
  fs::path out = dir + "/killed";
  std::mt19937 rng(20261204);
  std::uniform_real_distribution<double> delay(0.02 * whole_ms, 0.4 * whole_ms);
  int kills = 0, runs = 0;
  while (runs < 40) {
    bool resumable = fs::exists(out / "checkpoint.safetensors");
    std::vector<std::string> args = resumable ? std::vector<std::string>{"train", "--resume",
                                                                         out.string(), "--quiet"}
                                              : run_args(out.string());
    pid_t pid = spawn_vkgan(args, log);
    ++runs;
    if (kills < 6) {
      std::this_thread::sleep_for(std::chrono::duration<double, std::milli>(delay(rng)));
      kill(pid, SIGKILL);
    }
    status = finish(pid);
    if (WIFSIGNALED(status)) {
      ++kills;
      continue;
    }
    REQUIRE_MESSAGE(WEXITSTATUS(status) == 0, test::read_file(log));
    if (kills >= 3) break;
    fs::remove_all(out);
    kills = 0;
  }
  MESSAGE(kills << " kills over " << runs << " runs");
  CHECK(kills >= 3);

  CHECK(test::loss_columns(out / "losses.csv") == test::loss_columns(dir + "/whole/losses.csv"));
  auto a = load_safetensors(dir + "/whole/checkpoint.safetensors");
  auto b = load_safetensors(out / "checkpoint.safetensors");
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    CHECK(a[i].name == b[i].name);
    CHECK(a[i].data == b[i].data);
  }
  for (const auto& e : fs::directory_iterator(out))
    CHECK_MESSAGE(e.path().filename().string().find(".tmp.") == std::string::npos,
                  e.path().string());
}

TEST_CASE("bad HDF5 data is refused in one line, with no HDF5 error stack") {
  std::string dir = test::scratch_dir("cli-hdf5");
  std::string out = " --out " + dir + "/run";
  std::vector<float> px(4 * 33 * 33, 0.5f);
  write_hdf5_images(fs::path(dir) / "jets.h5", "image", {4, 33, 33}, px.data());
  std::ofstream(fs::path(dir) / "text.h5") << "plain text";
  refused("train --model jetgan33 --data " + dir + "/text.h5" + out, "cannot open as HDF5");
  refused("train --model jetgan33 --data " + dir + "/jets.h5 --key pt" + out,
          "no dataset 'pt'; the file holds: image");
  refused("train --model dcgan28 --data " + dir + "/jets.h5" + out,
          "images are [1,33,33], model dcgan28 takes [1,28,28]");
  refused("train --model jetgan33 --data " + dir + "/jets.h5 --eval-every 1" + out,
          "--eval-every needs held-out images");
  refused("train --model jetgan33 --data " + dir + "/jets.h5 --scale 0" + out,
          "--scale must be a positive number between 1e-37 and 1e37, got 0", 2);
  refused("train --model jetgan33 --data " + dir + "/jets.h5 --scale 1e-320" + out,
          "--scale must be a positive number between 1e-37 and 1e37, got 1e-320", 2);
  std::vector<float> bad = px;
  bad[33 * 33 + 5] = std::numeric_limits<float>::quiet_NaN();
  write_hdf5_images(fs::path(dir) / "nan.h5", "image", {4, 33, 33}, bad.data());
  refused("train --model jetgan33 --data " + dir + "/nan.h5" + out,
          "nan.h5:image: image 1 holds a non-finite value (nan) at element 5");
  refused("eval --real " + dir + "/jets.h5 --generated " + dir + "/nan.h5 --out " + dir + "/e",
          "nan.h5:image: image 1 holds a non-finite");
  refused("eval --real " + dir + "/jets.h5 --generated " + dir + "/jets.h5 --threshold -1 --out " +
              dir + "/e",
          "--threshold must be a non-negative number, got -1", 2);
  refused("eval --generated " + dir + "/jets.h5", "--real FILE is required", 2);
  refused("eval --real " + dir + "/jets.h5 --generated " + dir + "/text.h5 --out " + dir + "/e",
          "text.h5: cannot open as HDF5");
  CHECK(!fs::exists(fs::path(dir) / "run"));
}

// The real jet images stay outside the project (../shared/data/README.md).
const fs::path kJets = fs::path(VKGAN_SOURCE_ROOT) / "../shared/data/jets/quark-200gev-seed1.h5";

TEST_CASE("jetgan33 trains on real jet images, samples to HDF5, and eval judges it") {
  if (!fs::exists(kJets)) {
    MESSAGE("skipped: no real jet images at " << kJets.string());
    return;
  }
  std::string dir = test::scratch_dir("cli-jets");
  fs::path run = fs::path(dir) / "run";
  // 32 training images in batches of 8: one epoch is 4 steps, then an eval
  // of 100 generated images against the 100 held out.
  std::string data = " --data " + kJets.string(), out = " --out " + run.string();
  Outcome o = vkgan("train --model jetgan33 --limit 132 --holdout 100 --batch 8 --epochs 1" + data +
                    out + " --eval-every 1 --quiet");
  INFO(o.err);
  REQUIRE(o.code == 0);
  CHECK(fs::exists(run / "eval/epoch-001/eval.json"));
  CHECK(fs::exists(run / "samples/epoch-001.png"));

  fs::path gen = fs::path(dir) / "gen.h5";
  std::string checkpoint = (run / "checkpoint.safetensors").string();
  o = vkgan("sample --checkpoint " + checkpoint + " --n 300 --out " + gen.string());
  REQUIRE(o.code == 0);
  Hdf5Images g(gen, "image");
  CHECK(g.dims() == std::vector<int64_t>{300, 33, 33});
  std::vector<float> px(size_t(300 * 33 * 33));
  g.read(0, 300, px.data());
  CHECK(*std::min_element(px.begin(), px.end()) >= 0.0f);

  fs::path ev = fs::path(dir) / "eval";
  o = vkgan("eval --real " + kJets.string() + " --limit 400 --generated " + gen.string() +
            " --out " + ev.string());
  REQUIRE(o.code == 0);
  for (const char* f : {"eval.json", "eval.md", "average.png", "pixel_intensity.png",
                        "multiplicity.png", "mass_over_pt.png", "girth.png", "tau21.png"})
    CHECK_MESSAGE(fs::exists(ev / f), f);
  std::string table = test::read_file(ev / "eval.md");
  CHECK(table.find("| tau21 |") != std::string::npos);
  CHECK(table.find("| mass_over_pt |") != std::string::npos);
}

// The checkpoint of a one-step mlpgan28 run, trained once per test process.
std::string tiny_checkpoint() {
  static const fs::path run = [] {
    fs::path r = fs::path(test::scratch_dir("cli-tiny")) / "run";
    Outcome o = vkgan("train --model mlpgan28 --limit 32 --batch 16 --max-steps 1 --quiet --out " +
                      r.string());
    INFO(o.err);
    REQUIRE(o.code == 0);
    return r;
  }();
  return (run / "checkpoint.safetensors").string();
}

TEST_CASE("sample removes the temporary file of a killed sample beside its output") {
  fs::path dir = test::scratch_dir("cli-sample-stale");
  fs::path stale = dir / ("gen.h5.tmp." + std::to_string(test::dead_pid()));
  std::ofstream(stale) << "half an HDF5 file";
  Outcome o = vkgan("sample --checkpoint " + tiny_checkpoint() + " --n 3 --out " +
                    (dir / "gen.h5").string());
  INFO(o.err);
  REQUIRE(o.code == 0);
  CHECK(!fs::exists(stale));
  CHECK(Hdf5Images(dir / "gen.h5", "image").count() == 3);
}

TEST_CASE("sample draws a single image, into a PNG or an HDF5 file") {
  fs::path dir = test::scratch_dir("cli-sample-one");
  for (const char* out : {"one.png", "one.h5"}) {
    Outcome o =
        vkgan("sample --checkpoint " + tiny_checkpoint() + " --n 1 --out " + (dir / out).string());
    INFO(out << ": " << o.err);
    CHECK(o.code == 0);
  }
  CHECK(fs::exists(dir / "one.png"));
  CHECK(Hdf5Images(dir / "one.h5", "image").count() == 1);
}

// The dcgan28-sized layouts below train fast enough on lavapipe at batch 4.
const char* kMlpOptions =
    "InputLayout=64##1|28|28:Layout=DENSE|256|LEAKYRELU,DENSE|784|TANH,RESHAPE|1|28|28##"
    "RESHAPE|FLAT,DENSE|256|LEAKYRELU,DENSE|1|LINEAR:TrainingStrategy=BatchSize=4,"
    "GeneratorOptimizer=SGD,GeneratorLearningRate=0.01,GeneratorMomentum=0.9,WeightDecay=1e-4";

TEST_CASE("a bad layout string is refused with the token under a caret") {
  Outcome o = vkgan(
      "train --input-layout '100##1|28|28' --layout "
      "'DENSE|6272|LINEAR,TRANSCONV|64|4|4|2|2|1##RESHAPE|FLAT,DENSE|1|LINEAR' --out /nonexistent");
  INFO(o.err);
  CHECK(o.code == 1);
  CHECK(o.err ==
        "vkgan train: error: Layout: TRANSCONV|64|4|4|2|2|1 : expected 9 or 10 fields "
        "(TRANSCONV|filters|kh|kw|sh|sw|ph|pw[|output_padding]|ACT), got 7\n"
        "  Layout=DENSE|6272|LINEAR,TRANSCONV|64|4|4|2|2|1##RESHAPE|FLAT,DENSE|1|LINEAR\n"
        "                           ^^^^^^^^^^^^^^^^^^^^^^\n");
  refused("train --layout 'DENSE|1|LINEAR##DENSE|1|LINEAR'",
          "Layout needs InputLayout (--input-layout) too", 2);
  refused("train --print-dsl", "--print-dsl needs a Layout", 2);
  refused(
      "train --model dcgan28 --input-layout '1##1|1|1' --layout 'DENSE|1|LINEAR,RESHAPE|1|1|1##"
      "RESHAPE|FLAT,DENSE|1|LINEAR'",
      "--model dcgan28 and a Layout both give the model; keep one", 2);
  std::string dir = test::scratch_dir("cli-layout-bad");
  std::ofstream(fs::path(dir) / "opts.txt") << kMlpOptions;
  refused("train --options " + dir + "/opts.txt --layout 'A##B'",
          "--layout and Layout in --options " + dir + "/opts.txt both give the Layout", 2);
  refused("train --options " + dir, "--options " + dir + ": is a folder");
  std::ofstream(fs::path(dir) / "empty.txt") << "\n";
  refused("train --options " + dir + "/empty.txt",
          "empty.txt: sets none of InputLayout, Layout, TrainingStrategy");
  Outcome twice = vkgan("train --options " + dir + "/opts.txt --batch 8 --out " + dir + "/run");
  CHECK(twice.code == 2);
  CHECK(twice.err.find("TrainingStrategy: BatchSize=4 : also given as --batch; keep one") !=
        std::string::npos);
  CHECK(!fs::exists(fs::path(dir) / "run"));
}

TEST_CASE("a layout from an options file trains, resumes, samples and dumps") {
  std::string dir = test::scratch_dir("cli-layout");
  std::ofstream(fs::path(dir) / "opts.txt") << kMlpOptions;
  std::string run = dir + "/run";
  Outcome t =
      vkgan("train --options " + dir + "/opts.txt --limit 32 --max-steps 3 --quiet --out " + run);
  INFO(t.err);
  REQUIRE(t.code == 0);
  std::string json = test::read_file(fs::path(run) / "config.json");
  CHECK(json.find("\"layout\": \"DENSE|256|LEAKYRELU,") != std::string::npos);
  CHECK(json.find("\"kind\": \"sgd\"") != std::string::npos);
  CHECK(vkgan("train --resume " + run + " --max-steps 5 --quiet").code == 0);
  CHECK(
      vkgan("sample --checkpoint " + run + "/checkpoint.safetensors --n 4 --out " + dir + "/s.png")
          .code == 0);
  CHECK(fs::exists(fs::path(dir) / "s.png"));
  CHECK(
      vkgan("dump --run " + run + " --program d-step --format txt --out " + dir + "/d.txt").code ==
      0);
  std::string table = test::read_file(fs::path(dir) / "d.txt");
  CHECK(table.find("disc.fc2") != std::string::npos);
  CHECK(vkgan("dump --options " + dir + "/opts.txt --format txt --out " + dir + "/g.txt").code ==
        0);
  std::string gtable = test::read_file(fs::path(dir) / "g.txt");
  CHECK(gtable.find("gen.sgd") != std::string::npos);
}

TEST_CASE("--print-dsl prints a model file that names the layout's layers") {
  std::string dir = test::scratch_dir("cli-print-dsl");
  std::ofstream(fs::path(dir) / "opts.txt") << kMlpOptions;
  std::string cmd = std::string(VKGAN_CLI) + " train --options " + dir +
                    "/opts.txt --print-dsl --model mine 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p);
  std::string out;
  std::array<char, 4096> buf;
  while (fgets(buf.data(), buf.size(), p)) out += buf.data();
  CHECK(pclose(p) == 0);
  CHECK(out.find("  h = g.dense(\"fc1\", h, 256);\n  h = g.leaky_relu(h);\n") != std::string::npos);
  CHECK(out.find("return {\"mine\", ") != std::string::npos);
  CHECK(out.find("VKGAN_REGISTER_MODEL(make);") != std::string::npos);
}

// The environment that puts the test layer tests/fault_layer between vkgan
// and the driver, with the fault `fault` (its VKGAN_FAULT). The validation
// layer, when VKGAN_VALIDATE is set, still loads from the system's paths.
std::string with_fault(const std::string& fault) {
  return std::string("VK_ADD_LAYER_PATH=") + VKGAN_FAULT_LAYER_DIR +
         " VK_INSTANCE_LAYERS=VK_LAYER_VKGAN_fault VKGAN_FAULT=" + fault;
}

TEST_CASE("a device without a compute queue is named in one line and nothing is written") {
  std::string dir = test::scratch_dir("cli-no-compute");
  std::string train = "train --model mlpgan28 --limit 32 --batch 16 --out " + dir + "/run";
  for (const std::string& args : {std::string("devices"), train}) {
    Outcome o = vkgan(args, with_fault("no_compute"));
    INFO("vkgan " << args << " said: " << o.err);
    CHECK(o.code == 1);
    CHECK(lines(o.err) == 1);
    CHECK(o.err.find(": error: no Vulkan device has a compute queue: device 0 '") !=
          std::string::npos);
    CHECK(o.err.find("' (cpu) has none\n") != std::string::npos);
  }
  CHECK(fs::is_empty(dir));
}

TEST_CASE("exhausted device memory is reported with the size asked and the heap's") {
  std::string dir = test::scratch_dir("cli-oom");
  Outcome o = vkgan("train --model mlpgan28 --limit 32 --batch 16 --out " + dir + "/run",
                    with_fault("out_of_memory"));
  INFO(o.err);
  CHECK(o.code == 1);
  CHECK(lines(o.err) == 1);
  CHECK(o.err.find("vkgan train: error: device memory exhausted: asked for a block of 64.0 MiB "
                   "with 0.0 MiB already in use; heap 0 holds ") == 0);
  CHECK(fs::is_empty(dir));
}

TEST_CASE("a device lost during training keeps the last checkpoint, and the run resumes from it") {
  std::string dir = test::scratch_dir("cli-lost");
  // Four steps an epoch, a checkpoint after each.
  auto run = [](const fs::path& out) {
    return "train --model mlpgan28 --limit 64 --batch 16 --epochs 5 --log-every 2 --quiet --out " +
           out.string();
  };
  // The layer loaded with no fault due passes the real work through.
  fs::path whole = fs::path(dir) / "whole", lost = fs::path(dir) / "lost";
  Outcome o = vkgan(run(whole), with_fault("lose_device_after=1000000"));
  REQUIRE_MESSAGE(o.code == 0, o.err);
  // About 15 submits an epoch: lost in the third epoch, after two checkpoints.
  o = vkgan(run(lost), with_fault("lose_device_after=60"));
  INFO(o.err);
  CHECK(o.code == 1);
  CHECK(lines(o.err) == 1);
  std::map<std::string, std::string> meta;
  load_safetensors(lost / "checkpoint.safetensors", &meta);
  int64_t kept = std::stoll(meta.at("vkgan.step"));
  CHECK(kept >= 4);
  CHECK(kept < 20);
  CHECK(o.err.find("vkgan train: error: device 0 '") == 0);
  size_t at = o.err.find("' was lost at step ");
  REQUIRE(at != std::string::npos);
  CHECK(std::stoll(o.err.substr(at + 19)) > kept);
  std::string tail = "; the checkpoint of step " + std::to_string(kept) +
                     " is kept; resume with vkgan train --resume " + lost.string() + "\n";
  CHECK(o.err.find(tail) != std::string::npos);
  // Every line of losses.csv whole: one row a step, none torn.
  std::vector<std::string> rows = test::loss_columns(lost / "losses.csv");
  REQUIRE(rows.size() >= size_t(kept) + 1);
  for (size_t i = 1; i < rows.size(); ++i) {
    CHECK(rows[i].rfind(std::to_string(i) + ",", 0) == 0);
    CHECK(std::count(rows[i].begin(), rows[i].end(), ',') == 5);
  }

  // Resumed on the device as it is, the run ends as the whole one did.
  o = vkgan("train --resume " + lost.string() + " --quiet");
  REQUIRE_MESSAGE(o.code == 0, o.err);
  CHECK(test::loss_columns(lost / "losses.csv") == test::loss_columns(whole / "losses.csv"));
  auto a = load_safetensors(whole / "checkpoint.safetensors");
  auto b = load_safetensors(lost / "checkpoint.safetensors");
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) CHECK(a[i].data == b[i].data);
}

TEST_CASE("a device lost outside the training loop is named in one line, files left as they were") {
  std::string dir = test::scratch_dir("cli-lost-early");
  fs::path run = fs::path(dir) / "run";
  Outcome o = vkgan("train --model mlpgan28 --limit 32 --batch 16 --max-steps 4 --quiet --out " +
                    run.string());
  REQUIRE_MESSAGE(o.code == 0, o.err);
  std::string before = test::read_file(run / "checkpoint.safetensors");
  const std::string device = "error: device 0 '";
  // While the networks are built, and while a checkpoint is loaded.
  for (const char* fault : {"lose_device_after=2", "lose_device_after=12"}) {
    o = vkgan("train --resume " + run.string() + " --epochs 3 --quiet", with_fault(fault));
    INFO(fault << ": " << o.err);
    CHECK(o.code == 1);
    CHECK(lines(o.err) == 1);
    CHECK(o.err.find(device) != std::string::npos);
    CHECK(o.err.find(".cpp") == std::string::npos);
    CHECK(test::read_file(run / "checkpoint.safetensors") == before);
  }
  o = vkgan("bench --ceiling --blocks 1", with_fault("lose_device_after=2"));
  CHECK(o.code == 1);
  CHECK(o.err.find("vkgan bench: " + device) == 0);
  CHECK(o.err.ends_with("' was lost (vkQueueSubmit returned VK_ERROR_DEVICE_LOST)\n"));
}

TEST_CASE("a dump that cannot be written leaves the earlier file whole") {
  std::string dir = test::scratch_dir("cli-dump-atomic");
  fs::path dot = fs::path(dir) / "g.dot";
  std::string args = "dump --model mlpgan28 --batch 8 --out " + dot.string();
  REQUIRE(vkgan(args).code == 0);
  std::string before = test::read_file(dot);
  REQUIRE(before.size() > 4096);
  // A 4 KiB file-size limit makes the second write fail part-way.
  Outcome o = vkgan(args, "trap '' XFSZ; ulimit -f 4;");
  INFO(o.err);
  CHECK(o.code == 1);
  CHECK(lines(o.err) == 1);
  CHECK(test::read_file(dot) == before);
  CHECK(std::distance(fs::directory_iterator(dir), fs::directory_iterator()) == 1);
}

TEST_CASE("bench --ceiling refuses the options that only time a model") {
  for (const char* extra :
       {"--model dcgan28", "--batch 8", "--iters 2", "--warmup 1", "--profile"}) {
    Outcome o = vkgan(std::string("bench --ceiling ") + extra);
    INFO(extra << ": " << o.err);
    CHECK(o.code == 2);
    CHECK(lines(o.err) == 1);
    CHECK(o.err.find("does not apply to --ceiling") != std::string::npos);
  }
}

TEST_CASE("help describes every subcommand") {
  for (const char* sub : {"train", "sample", "bench", "opcheck", "devices", "eval"}) {
    Outcome o = vkgan(std::string(sub) + " --help");
    CHECK(o.code == 0);
  }
}

}  // namespace
}  // namespace vkgan
