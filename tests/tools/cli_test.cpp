// The vkgan program refuses bad input with one line naming what was wrong,
// a non-zero exit, and nothing written.
#include <doctest/doctest.h>
#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "tests/support.hpp"

namespace vkgan {
namespace {

namespace fs = std::filesystem;

struct Outcome {
  int code = -1;
  std::string err;
};

// Runs vkgan with `args` (a shell-quoted string); captures stderr.
Outcome vkgan(const std::string& args) {
  std::string cmd = std::string(VKGAN_CLI) + " " + args + " 2>&1 >/dev/null";
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

TEST_CASE("the command line refuses bad options with one line") {
  refused("frobnicate", "unknown command 'frobnicate'", 2);
  refused("train --epochz 3", "unknown option '--epochz'");
  refused("train --batch", "--batch needs a value");
  refused("train --batch ten", "--batch expects an integer, got 'ten'");
  refused("train --batch 0", "--batch must be between 2 and");
  refused("train --epochs -1", "--epochs must be between 1 and");
  refused("train --lr -0.1", "--lr must be positive");
  refused("train --model dcgan29", "unknown model 'dcgan29'; known models: dcgan28");
  refused("train --loss wasserstein", "unknown loss 'wasserstein'");
  refused("opcheck", "no case file given");
  refused("sample", "--checkpoint FILE is required");
  refused("train --resume runs/x --batch 32", "--batch cannot change a resumed run");
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

TEST_CASE("help describes every subcommand") {
  for (const char* sub : {"train", "sample", "bench", "opcheck", "devices"}) {
    Outcome o = vkgan(std::string(sub) + " --help");
    CHECK(o.code == 0);
  }
}

}  // namespace
}  // namespace vkgan
