// Option parsing for the vkgan subcommands.
#include "tools/cli/args.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/error.hpp"

namespace vkgan::cli {

Args::Args(std::string command, std::string summary)
    : command_(std::move(command)), summary_(std::move(summary)) {}

Args& Args::option(const std::string& name, const std::string& meta, const std::string& help,
                   std::optional<std::string> fallback) {
  order_.push_back(name);
  opts_[name] = {meta, help, std::move(fallback), false};
  return *this;
}

Args& Args::flag(const std::string& name, const std::string& help) {
  order_.push_back(name);
  opts_[name] = {"", help, std::nullopt, true};
  return *this;
}

Args& Args::positional(const std::string& meta, const std::string& help) {
  pos_meta_ = meta;
  pos_help_ = help;
  return *this;
}

std::string Args::help() const {
  std::string s = fmt::format("usage: vkgan {} [options]{}\n\n{}\n\n", command_,
                              pos_meta_.empty() ? "" : " " + pos_meta_, summary_);
  if (!pos_meta_.empty()) s += fmt::format("  {:<24} {}\n", pos_meta_, pos_help_);
  for (const std::string& name : order_) {
    const Opt& o = opts_.at(name);
    std::string left = "--" + name + (o.is_flag ? "" : " " + o.meta);
    std::string def = o.fallback ? fmt::format(" (default: {})", *o.fallback) : "";
    s += fmt::format("  {:<24} {}{}\n", left, o.help, def);
  }
  s += fmt::format("  {:<24} {}\n", "--help", "show this help");
  return s;
}

bool Args::parse(int argc, char** argv) {
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      fmt::print("{}", help());
      return false;
    }
    if (a.rfind("--", 0) != 0 || a == "--") {
      if (pos_meta_.empty())
        usage_fail("unexpected argument '{}'; see vkgan {} --help", a, command_);
      rest_.push_back(a);
      continue;
    }
    std::string name = a.substr(2), value;
    bool inline_value = false;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      inline_value = true;
    }
    auto it = opts_.find(name);
    if (it == opts_.end()) usage_fail("unknown option '--{}'; see vkgan {} --help", name, command_);
    if (it->second.is_flag) {
      if (inline_value) usage_fail("--{} takes no value", name);
      given_[name] = "1";
      continue;
    }
    if (!inline_value) {
      if (i + 1 >= argc) usage_fail("--{} needs a value ({})", name, it->second.meta);
      value = argv[++i];
    }
    given_[name] = value;
  }
  return true;
}

bool Args::has(const std::string& name) const { return given_.count(name) > 0; }

std::string Args::str(const std::string& name) const {
  if (auto it = given_.find(name); it != given_.end()) return it->second;
  const Opt& o = opts_.at(name);
  return o.fallback.value_or("");
}

long long Args::integer(const std::string& name, long long min, long long max) const {
  std::string v = str(name);
  errno = 0;
  char* end = nullptr;
  long long x = std::strtoll(v.c_str(), &end, 10);
  if (v.empty() || *end || errno) usage_fail("--{} expects an integer, got '{}'", name, v);
  if (x < min || x > max) usage_fail("--{} must be between {} and {}, got {}", name, min, max, x);
  return x;
}

double Args::real(const std::string& name) const {
  std::string v = str(name);
  char* end = nullptr;
  double x = std::strtod(v.c_str(), &end);
  if (v.empty() || *end || !std::isfinite(x))
    usage_fail("--{} expects a number, got '{}'", name, v);
  return x;
}

bool Args::on(const std::string& name) const { return has(name); }

void declare_layout_options(Args& args) {
  args.option("options", "FILE", "TMVA-style file of InputLayout=, Layout=, TrainingStrategy=")
      .option("input-layout", "STR", "noise size and image C|H|W, e.g. 100##1|28|28")
      .option("layout", "STR", "generator and discriminator layers, GEN##DISC (see README)")
      .option("training-strategy", "STR", "e.g. LearningRate=2e-4,BatchSize=64,Optimizer=ADAM");
}

LayoutOptions layout_options(const Args& args) {
  LayoutOptions o;
  if (args.has("options")) {
    std::string file = args.str("options");
    std::error_code ec;
    if (std::filesystem::is_directory(file, ec))
      fail("--options {}: is a folder, expected a file of Key=Value lines", file);
    std::ifstream in(file, std::ios::binary);
    if (!in) fail("--options {}: cannot open: {}", file, std::strerror(errno));
    std::stringstream text;
    text << in.rdbuf();
    o = parse_options_text(text.str(), file);
    if (o.layout.empty() && o.input_layout.empty() && o.training_strategy.empty())
      fail("--options {}: sets none of InputLayout, Layout, TrainingStrategy", file);
  }
  auto take = [&](const char* name, const char* key, std::string& slot) {
    if (!args.has(name)) return;
    if (!slot.empty())
      usage_fail("--{} and {} in --options {} both give the {}; keep one", name, key,
                 args.str("options"), key);
    slot = args.str(name);
  };
  take("input-layout", "InputLayout", o.input_layout);
  take("layout", "Layout", o.layout);
  take("training-strategy", "TrainingStrategy", o.training_strategy);
  if (o.layout.empty() != o.input_layout.empty())
    usage_fail("{} needs {} too", o.layout.empty() ? "InputLayout" : "Layout",
               o.layout.empty() ? "Layout (--layout)" : "InputLayout (--input-layout)");
  return o;
}

ContextOptions context_options(const Args& args) {
  ContextOptions o = options_from_env();
  if (args.has("device")) o.device = args.str("device");
  return o;
}

}  // namespace vkgan::cli
