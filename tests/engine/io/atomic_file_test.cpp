// Crash-safe replacement of files and folders, and the clean-up of what a
// killed writer left: temporaries named after their writer's process id.
#include "engine/io/atomic_file.hpp"

#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "tests/support.hpp"

namespace vkgan {
namespace {

namespace fs = std::filesystem;

TEST_CASE("temporaries of ended processes are removed, those of running ones kept") {
  fs::path dir = test::scratch_dir("atomic-stale");
  std::string dead = std::to_string(test::dead_pid()), alive = std::to_string(getpid());
  std::ofstream(dir / ("gen.h5.tmp." + dead)) << "half an HDF5 file";
  std::ofstream(dir / ("grid.png.tmp." + alive)) << "being written";
  fs::create_directories(dir / ("eval.tmp." + dead) / "plots");
  std::ofstream(dir / ("eval.tmp." + dead) / "eval.json") << "{}";
  // Not of vkgan's making: no process id after ".tmp.".
  std::ofstream(dir / "notes.tmp.txt") << "mine";
  std::ofstream(dir / "gen.h5") << "the intact file";

  remove_dead_temporaries(dir);
  CHECK(!fs::exists(dir / ("gen.h5.tmp." + dead)));
  CHECK(!fs::exists(dir / ("eval.tmp." + dead)));
  CHECK(fs::exists(dir / ("grid.png.tmp." + alive)));
  CHECK(fs::exists(dir / "notes.tmp.txt"));
  CHECK(test::read_file(dir / "gen.h5") == "the intact file");
}

}  // namespace
}  // namespace vkgan
