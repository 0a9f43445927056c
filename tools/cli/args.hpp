// A small command-line parser for the subcommands: each declares its options
// with a help line and a default; `--help` prints them; anything unknown,
// missing or malformed is a UsageError naming the option. Messages leave the
// command's name to the caller's "vkgan COMMAND: error: " prefix.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/error.hpp"
#include "engine/layout.hpp"
#include "engine/vulkan/context.hpp"

namespace vkgan::cli {

// A command line that cannot run as given: an unknown option, a missing or
// malformed value, a required option left out, options that do not go
// together. vkgan exits with 2 for it, 1 for any other refusal.
class UsageError : public Error {
 public:
  using Error::Error;
};

template <typename... A>
[[noreturn]] void usage_fail(fmt::format_string<A...> f, A&&... args) {
  throw UsageError(fmt::format(f, std::forward<A>(args)...));
}

class Args {
 public:
  Args(std::string command, std::string summary);

  // Declares an option taking a value (`--name VALUE` or `--name=VALUE`).
  Args& option(const std::string& name, const std::string& meta, const std::string& help,
               std::optional<std::string> fallback = std::nullopt);
  // Declares a switch (`--name`).
  Args& flag(const std::string& name, const std::string& help);
  // Accepts positional arguments, described by `meta`.
  Args& positional(const std::string& meta, const std::string& help);

  // Parses; returns false when --help was given (after printing help).
  bool parse(int argc, char** argv);

  bool has(const std::string& name) const;
  std::string str(const std::string& name) const;
  long long integer(const std::string& name, long long min, long long max) const;
  double real(const std::string& name) const;
  bool on(const std::string& name) const;
  const std::vector<std::string>& rest() const { return rest_; }
  std::string help() const;

 private:
  struct Opt {
    std::string meta, help;
    std::optional<std::string> fallback;
    bool is_flag = false;
  };
  std::string command_, summary_, pos_meta_, pos_help_;
  std::vector<std::string> order_;
  std::map<std::string, Opt> opts_;
  std::map<std::string, std::string> given_;
  std::vector<std::string> rest_;
};

// Declares --options, --input-layout, --layout and --training-strategy.
void declare_layout_options(Args& args);
// The TMVA-style strings from those options; a key given both in the
// --options file and as its own option is refused.
LayoutOptions layout_options(const Args& args);

// The environment's context options (VKGAN_VALIDATE, VKGAN_DEVICE), with
// the command's --device, when given, taking precedence.
ContextOptions context_options(const Args& args);

}  // namespace vkgan::cli
