// The training job end to end on real Fashion-MNIST images: run folder
// contents, checkpoint round trips and rejection, and resumption that
// reproduces an uninterrupted run exactly.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/checkpoint.hpp"
#include "engine/dataset.hpp"
#include "engine/io/safetensors.hpp"
#include "engine/trainer.hpp"
#include "tests/support.hpp"

namespace vkgan {
namespace {

namespace fs = std::filesystem;

TrainConfig small_run(const std::string& dir, int64_t steps) {
  TrainConfig c;
  c.model = "mlpgan28";
  c.out = test::scratch_dir(dir);
  c.limit = 256;
  c.batch = 16;
  c.epochs = 2;
  c.max_steps = steps;
  c.log_every = 3;
  c.quiet = true;
  c.force = true;
  return c;
}

TEST_CASE("a short training run writes samples, losses, plot, config and checkpoint") {
  TrainConfig c = small_run("train-short", 20);
  TrainResult r = train(c);
  CHECK(r.steps == 20);
  CHECK(fs::exists(c.out / "config.json"));
  CHECK(fs::exists(c.out / "losses.png"));
  CHECK(fs::exists(c.out / "samples" / "epoch-001.png"));  // 256/16 = 16 steps an epoch
  CHECK(fs::exists(c.out / "samples" / "step-000020.png"));
  auto rows = test::loss_columns(c.out / "losses.csv");
  CHECK(rows.size() == 21);
  CHECK(rows[0] == "step,epoch,loss_d,loss_g,d_real,d_fake");
  std::map<std::string, std::string> meta;
  auto tensors = load_safetensors(c.out / "checkpoint.safetensors", &meta);
  CHECK(meta.at("vkgan.step") == "20");
  CHECK(meta.at("vkgan.model") == "mlpgan28");
  CHECK(tensors.size() == 3 * 8);  // 8 parameters, each with two Adam moments
}

TEST_CASE("a resumed run reproduces the uninterrupted run's losses and weights") {
  TrainConfig whole = small_run("train-whole", 24);
  train(whole);
  TrainConfig part = small_run("train-part", 10);
  train(part);
  TrainConfig rest = read_run_config(part.out);
  rest.max_steps = 24;
  rest.quiet = true;
  TrainResult r = train(rest);
  CHECK(r.steps == 24);
  CHECK(test::loss_columns(whole.out / "losses.csv") ==
        test::loss_columns(part.out / "losses.csv"));
  auto a = load_safetensors(whole.out / "checkpoint.safetensors");
  auto b = load_safetensors(part.out / "checkpoint.safetensors");
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    CHECK(a[i].name == b[i].name);
    CHECK(a[i].data == b[i].data);
  }
}

TEST_CASE("a truncated checkpoint is refused and the run folder is left as it was") {
  TrainConfig c = small_run("train-truncated", 4);
  train(c);
  fs::path ck = c.out / "checkpoint.safetensors";
  std::string good = test::read_file(ck);
  std::ofstream(ck, std::ios::binary | std::ios::trunc) << good.substr(0, good.size() / 2);
  std::string csv = test::read_file(c.out / "losses.csv");
  TrainConfig again = read_run_config(c.out);
  again.max_steps = 8;
  again.quiet = true;
  CHECK_THROWS_WITH(train(again), doctest::Contains("checkpoint.safetensors"));
  CHECK(test::read_file(c.out / "losses.csv") == csv);
}

TEST_CASE("a resumed run removes the temporary files of a killed one") {
  TrainConfig c = small_run("train-stale", 4);
  train(c);
  fs::path stale = c.out / ("checkpoint.safetensors.tmp." + std::to_string(test::dead_pid()));
  std::ofstream(stale) << "half a checkpoint";
  TrainConfig again = read_run_config(c.out);
  again.max_steps = 6;
  again.quiet = true;
  CHECK(train(again).steps == 6);
  CHECK(!fs::exists(stale));
}

TEST_CASE("a checkpoint whose metadata was changed is refused") {
  TrainConfig c = small_run("train-tampered", 4);
  train(c);
  fs::path ck = c.out / "checkpoint.safetensors";
  std::map<std::string, std::string> meta;
  auto tensors = load_safetensors(ck, &meta);
  meta["vkgan.counters"][0] = meta["vkgan.counters"][0] == '9' ? '8' : '9';
  save_safetensors(ck, tensors, meta);
  TrainConfig again = read_run_config(c.out);
  again.max_steps = 8;
  again.quiet = true;
  CHECK_THROWS_WITH(train(again), doctest::Contains("metadata checksum mismatch"));
}

TEST_CASE("a diverging run names the step and node of the first non-finite value") {
  TrainConfig c = small_run("train-diverge", 16);  // one epoch: one checkpoint
  train(c);
  std::string ck = test::read_file(c.out / "checkpoint.safetensors");
  std::string csv = test::read_file(c.out / "losses.csv");
  // A step of 1e30 makes the discriminator's first layer give ~1e32 and
  // its second overflow in the G step that follows.
  TrainConfig again = read_run_config(c.out);
  again.lr = 1e30;
  again.max_steps = 24;
  again.quiet = true;
  std::string msg = test::error_of([&] { train(again); });
  INFO(msg);
  CHECK(msg.find("training diverged at step 17:") == 0);
  CHECK(msg.find("in the G step at node 'disc.") != std::string::npos);
  CHECK(msg.find("the checkpoint of step 16 is kept") != std::string::npos);
  CHECK(test::read_file(c.out / "checkpoint.safetensors") == ck);
  CHECK(test::read_file(c.out / "losses.csv") == csv);
}

TEST_CASE("--force over a previous run removes its checkpoint before training") {
  TrainConfig c = small_run("train-force", 16);
  train(c);
  TrainConfig again = small_run("train-force-unused", 24);
  again.out = c.out;
  again.lr = 1e30;  // diverges at its first step, before any checkpoint
  CHECK(test::error_of([&] { train(again); }).find("no checkpoint had been written yet") !=
        std::string::npos);
  CHECK(!fs::exists(c.out / "checkpoint.safetensors"));
  CHECK(!fs::exists(c.out / "samples"));
  CHECK(read_run_config(c.out).lr == 1e30);
}

TEST_CASE("a run folder that is not a vkgan run is refused unless forced") {
  std::string dir = test::scratch_dir("train-foreign");
  std::ofstream(fs::path(dir) / "notes.txt") << "mine";
  TrainConfig c = small_run("train-foreign-unused", 2);
  c.out = dir;
  c.force = false;
  CHECK_THROWS_WITH(train(c), doctest::Contains("is not a vkgan run"));
  CHECK(fs::exists(fs::path(dir) / "notes.txt"));
  CHECK(!fs::exists(fs::path(dir) / "config.json"));
}

TEST_CASE("epoch orders are permutations that differ between epochs") {
  auto a = epoch_order(1000, 7, 0), b = epoch_order(1000, 7, 1);
  CHECK(a != b);
  CHECK(a == epoch_order(1000, 7, 0));
  std::sort(a.begin(), a.end());
  for (int64_t i = 0; i < 1000; ++i) CHECK(a[size_t(i)] == i);
}

}  // namespace
}  // namespace vkgan
