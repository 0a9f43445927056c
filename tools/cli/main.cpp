// vkgan: the command-line program. Dispatches to a subcommand; turns every
// user-facing error into one line on stderr, "vkgan COMMAND: error: ...", and
// an exit code: 2 for a command line that cannot run as given (UsageError),
// 1 for any other refusal or failure, 3 for an internal error.
#include <fmt/format.h>

#include <cstring>
#include <exception>
#include <filesystem>
#include <string_view>

#include "engine/error.hpp"
#include "tools/cli/args.hpp"
#include "tools/cli/commands.hpp"

namespace {

struct Command {
  const char* name;
  int (*run)(int, char**);
  const char* summary;
};

const Command kCommands[] = {
    {"train", vkgan::cli::cmd_train, "train a GAN (the main job)"},
    {"sample", vkgan::cli::cmd_sample, "draw images from a trained generator"},
    {"eval", vkgan::cli::cmd_eval, "judge generated jet images by physics observables"},
    {"bench", vkgan::cli::cmd_bench, "time training iterations (JSON), per-node profile"},
    {"dump", vkgan::cli::cmd_dump, "draw a program's graph with its costs (DOT, SVG, HTML)"},
    {"devices", vkgan::cli::cmd_devices, "list Vulkan devices and their limits"},
    {"opcheck", vkgan::cli::cmd_opcheck, "run op conformance cases on a device"},
};

void usage(FILE* to) {
  fmt::print(to, "usage: vkgan COMMAND [options]   (vkgan COMMAND --help for its options)\n\n");
  for (const Command& c : kCommands) fmt::print(to, "  {:<10} {}\n", c.name, c.summary);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  std::string_view sub = argv[1];
  if (sub == "--help" || sub == "-h" || sub == "help") {
    usage(stdout);
    return 0;
  }
  if (sub == "--version") {
    fmt::print("vkgan {}\n", VKGAN_VERSION);
    return 0;
  }
  for (const Command& c : kCommands) {
    if (sub != c.name) continue;
    try {
      return c.run(argc - 2, argv + 2);
    } catch (const vkgan::cli::UsageError& e) {
      fmt::print(stderr, "vkgan {}: error: {}\n", c.name, e.what());
      return 2;
    } catch (const vkgan::Error& e) {
      fmt::print(stderr, "vkgan {}: error: {}\n", c.name, e.what());
      return 1;
    } catch (const std::filesystem::filesystem_error& e) {
      fmt::print(stderr, "vkgan {}: error: {}: {}\n", c.name, e.path1().string(),
                 e.code().message());
      return 1;
    } catch (const std::exception& e) {
      fmt::print(stderr, "vkgan {}: internal error: {}\n", c.name, e.what());
      return 3;
    }
  }
  std::string names;
  for (const Command& c : kCommands) names += std::string(names.empty() ? "" : ", ") + c.name;
  fmt::print(stderr, "vkgan: unknown command '{}'; commands: {}\n", sub, names);
  return 2;
}
