// The built-in models on real Fashion-MNIST images: a few training steps on
// lavapipe with validation on, and the memory plan of their training steps.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>

#include "engine/dataset.hpp"
#include "engine/gan.hpp"
#include "engine/trainer.hpp"
#include "engine/vulkan/context.hpp"
#include "tests/support.hpp"

namespace vkgan {
namespace {

namespace fs = std::filesystem;

std::vector<float> real_batch(int64_t n) {
  ImageSet set = load_idx_dataset(default_fashion_mnist() / "t10k-images-idx3-ubyte.gz", n);
  return set.pixels;
}

void check_model_learns(Context& ctx, const std::string& name) {
  GanOptions o;
  o.batch = 16;
  Gan gan(ctx, find_model(name), o);
  Program& d = *gan.d_step().program;
  d.write(gan.d_step().x, real_batch(16));
  // D steps alone on one fixed real batch: D's loss must fall.
  std::vector<float> losses;
  for (int i = 0; i < 8; ++i) {
    d.run();
    losses.push_back(d.read(gan.d_step().loss)[0]);
  }
  for (float l : losses) CHECK(std::isfinite(l));
  INFO(name << " D losses: first " << losses.front() << " last " << losses.back());
  CHECK(losses.back() < losses.front());
  // Then whole iterations: every loss stays finite.
  for (int i = 0; i < 3; ++i) {
    d.run();
    gan.g_step().program->run();
    CHECK(std::isfinite(gan.g_step().program->read(gan.g_step().loss)[0]));
  }
}

TEST_CASE_FIXTURE(test::GpuTest, "dcgan28 trains a few steps on real images") {
  check_model_learns(ctx, "dcgan28");
}

TEST_CASE_FIXTURE(test::GpuTest, "upgan28 trains a few steps on real images") {
  check_model_learns(ctx, "upgan28");
}

TEST_CASE_FIXTURE(test::GpuTest,
                  "the dcgan28 memory plan shares memory and never overlaps live tensors") {
  GanOptions o;
  Gan gan(ctx, find_model("dcgan28"), o);
  for (GanStep* s : {&gan.d_step(), &gan.g_step()}) {
    const Program& p = *s->program;
    CHECK(p.stats().planned_bytes < p.stats().naive_bytes);
    std::vector<TensorPlacement> all;
    for (const auto& [id, placement] : p.placements()) all.push_back(placement);
    size_t clashes = 0;
    for (size_t i = 0; i < all.size(); ++i)
      for (size_t j = i + 1; j < all.size(); ++j) {
        const TensorPlacement &a = all[i], &b = all[j];
        bool live_together = a.first <= b.last && b.first <= a.last;
        bool share_bytes = a.offset < b.offset + b.bytes && b.offset < a.offset + a.bytes;
        clashes += live_together && share_bytes;
      }
    CHECK(clashes == 0);
  }
  MESSAGE("D step arena " << gan.d_step().program->stats().planned_bytes / 1024 << " KiB of "
                          << gan.d_step().program->stats().naive_bytes / 1024 << " KiB");
}

// Whole training runs through the trainer (staging uploads, fences, the log
// ring, checkpoints) with the validation layer on, which the suite always
// sets: each model's run must draw no message from it.
TEST_CASE("fifty training iterations of every model draw no validation message") {
  const fs::path jets = fs::path(VKGAN_SOURCE_ROOT) / "../shared/data/jets/quark-200gev-seed1.h5";
  for (const std::string& name : model_names()) {
    TrainConfig c;
    c.model = name;
    c.out = test::scratch_dir("validated-" + name);
    c.force = true;
    c.quiet = true;
    c.batch = 4;
    c.limit = 40;  // 10 iterations an epoch: several epoch ends and checkpoints
    c.epochs = 5;
    c.max_steps = 50;
    if (find_model(name).image != Shape{1, 28, 28}) {
      if (!fs::exists(jets) || find_model(name).image != Shape{1, 33, 33}) {
        MESSAGE("skipped " << name << ": no data set of its image shape here");
        continue;
      }
      c.data = jets;
    }
    INFO(name);
    TrainResult r = train(c);
    CHECK(r.steps == 50);
    CHECK(r.validation_messages == 0);
  }
}

TEST_CASE("an unknown model lists the known ones") {
  CHECK_THROWS_WITH(find_model("dcgan29"), doctest::Contains("known models: dcgan28"));
}

}  // namespace
}  // namespace vkgan
