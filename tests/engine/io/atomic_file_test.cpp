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

TEST_CASE("in a run folder, temporaries of ended processes are removed, running ones' kept") {
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

TEST_CASE("beside an output, only that output's temporaries of ended processes are removed") {
  fs::path dir = test::scratch_dir("atomic-stale-of");
  std::string dead = std::to_string(test::dead_pid()), alive = std::to_string(getpid());
  for (std::string name : {"gen.h5.tmp.", "grid.png.tmp.", "thesis.tmp."})
    std::ofstream(dir / (name + dead)) << "left by a killed writer";
  std::ofstream(dir / ("gen.h5.tmp." + alive)) << "being written";
  for (std::string name : {"eval.tmp.", "eval.old.tmp.", "evaluation.tmp."})
    fs::create_directories(dir / (name + dead) / "plots");

  remove_dead_temporaries_of(dir / "gen.h5");
  remove_dead_temporaries_of(dir / "eval");
  CHECK(!fs::exists(dir / ("gen.h5.tmp." + dead)));
  CHECK(!fs::exists(dir / ("eval.tmp." + dead)));
  CHECK(!fs::exists(dir / ("eval.old.tmp." + dead)));
  CHECK(fs::exists(dir / ("gen.h5.tmp." + alive)));
  CHECK(fs::exists(dir / ("grid.png.tmp." + dead)));
  CHECK(fs::exists(dir / ("thesis.tmp." + dead)));
  CHECK(fs::exists(dir / ("evaluation.tmp." + dead)));
}

TEST_CASE("a folder is replaced whole by its finished temporary") {
  fs::path dir = test::scratch_dir("atomic-folder");
  fs::path out = dir / "eval";
  fs::create_directories(out);
  std::ofstream(out / "old-only.png") << "old";
  std::ofstream(out / "eval.json") << "old";
  fs::path tmp = temporary_path(out);
  fs::create_directories(tmp);
  std::ofstream(tmp / "eval.json") << "new";

  commit_temporary(tmp, out);
  CHECK(test::read_file(out / "eval.json") == "new");
  CHECK(!fs::exists(out / "old-only.png"));
  CHECK(!fs::exists(tmp));
  CHECK(std::distance(fs::directory_iterator(dir), fs::directory_iterator()) == 1);
}

}  // namespace
}  // namespace vkgan
