// Every fuzz target replays its checked-in corpus (tests/fuzz/corpus/<name>):
// no input may crash a reader or escape it as anything but vkgan::Error, and
// the well-formed seeds must still be accepted, so a reader that refused
// everything would fail here.
#include <doctest/doctest.h>

#include <filesystem>

#include "engine/checkpoint.hpp"
#include "engine/io/idx.hpp"
#include "tests/fuzz/targets.hpp"
#include "tests/support.hpp"

namespace vkgan {
namespace {

namespace fs = std::filesystem;

const fs::path kCorpus = fs::path(VKGAN_SOURCE_ROOT) / "tests/fuzz/corpus";

TEST_CASE("every fuzz target survives its whole corpus") {
  for (const fuzz::NamedTarget& t : fuzz::kTargets) {
    fs::path dir = kCorpus / t.name;
    REQUIRE_MESSAGE(fs::is_directory(dir), dir.string());
    size_t files = 0;
    for (const auto& e : fs::directory_iterator(dir)) {
      std::string bytes = test::read_file(e.path());
      INFO(e.path().string());
      CHECK_NOTHROW(t.run(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
      ++files;
    }
    CHECK_MESSAGE(files >= 2, t.name);
  }
}

TEST_CASE("the well-formed corpus seeds are accepted") {
  IdxImages raw = read_idx_images(kCorpus / "idx/images-2x3x4");
  IdxImages gz = read_idx_images(kCorpus / "idx/images-2x3x4.gz");
  CHECK(raw.count == 2);
  CHECK(raw.pixels == gz.pixels);
  CHECK(read_idx_labels(kCorpus / "idx/labels-5").size() == 5);

  std::vector<NamedTensor> tensors;
  CheckpointInfo info = decode_checkpoint(test::read_file(kCorpus / "checkpoint/mlpgan28-small"),
                                          "seed", "mlpgan28", &tensors);
  CHECK(info.step == 4);
  CHECK(info.counters == std::vector<uint32_t>{10, 4, 4});
  CHECK(tensors.size() == 4);
  CHECK(test::error_of([&] {
          decode_checkpoint(test::read_file(kCorpus / "checkpoint/other-model"), "seed",
                            "mlpgan28", &tensors);
        }).find("checkpoint of model dcgan28, expected mlpgan28") != std::string::npos);
}

}  // namespace
}  // namespace vkgan
