// `vkgan opcheck FILE.jsonl...`: runs op conformance cases on a device, as
// shared/conformance/FORMAT.md defines them, and prints PASS/FAIL per case
// and the closing count. A case that cannot be parsed, or names an op the
// engine does not know, is a failed case, never a crash.
#include <fmt/format.h>

#include "engine/conformance.hpp"
#include "engine/op_runner.hpp"
#include "engine/vulkan/context.hpp"
#include "tools/cli/args.hpp"
#include "tools/cli/commands.hpp"

namespace vkgan::cli {
namespace {

OpCall call_for(const ConformanceCase& c) {
  OpCall call{c.op, c.attrs, c.inputs, c.dy, {}};
  if (c.dy)
    for (const auto& [name, t] : c.grads) call.wanted.push_back(name);
  return call;
}

// An expect_error case passes when the op is refused with a message that
// names the op.
bool known_op(const std::string& op) { return op == "batch_norm" || find_op(op); }

std::string check_refusal(Context& ctx, const ConformanceCase& c) {
  if (!known_op(c.op)) return fmt::format("unknown op '{}'", c.op);
  try {
    run_op_device(ctx, call_for(c));
  } catch (const Error& e) {
    std::string msg = e.what();
    if (msg.find(c.op) == std::string::npos)
      return fmt::format("refused, but the message does not name {}: {}", c.op, msg);
    return "";
  }
  return "accepted inputs it must refuse";
}

std::string check_values(Context& ctx, const ConformanceCase& c) {
  OpResult r;
  try {
    r = run_op_device(ctx, call_for(c));
  } catch (const Error& e) {
    return fmt::format("refused: {}", e.what());
  }
  std::vector<std::string> problems;
  auto compare = [&](const std::string& what, const HostTensor& got, const HostTensor& ref) {
    Comparison cmp = compare_tensors(got, ref, c.tol);
    if (!cmp.pass)
      problems.push_back(cmp.reason.empty()
                             ? fmt::format("{}: relative error {:.3g}, tolerance {:.3g}", what,
                                           cmp.rel, c.tol)
                             : fmt::format("{}: {}", what, cmp.reason));
  };
  if (c.output) compare("output", r.output, *c.output);
  if (c.dy)
    for (const auto& [name, ref] : c.grads) compare("grad " + name, r.grads.at(name), ref);
  std::string out;
  for (const auto& p : problems) out += (out.empty() ? "" : "; ") + p;
  return out;
}

}  // namespace

int cmd_opcheck(int argc, char** argv) {
  Args args("opcheck", "Run op conformance cases (JSON lines) on a Vulkan device.");
  args.positional("FILE.jsonl...", "case files, as shared/conformance/FORMAT.md describes")
      .option("device", "N|NAME", "device index or name substring", "")
      .flag("quiet", "print failures and the summary only");
  if (!args.parse(argc, argv)) return 0;
  if (args.rest().empty()) usage_fail("no case file given; see vkgan opcheck --help");

  ContextOptions opts = context_options(args);
  Context ctx(opts);
  size_t passed = 0, failed = 0;
  for (const std::string& file : args.rest()) {
    std::vector<ParsedLine> lines = read_conformance_file(file);
    // An empty case file checks nothing; passing it would hide a lost file.
    if (lines.empty()) {
      ++failed;
      fmt::print("FAIL {}: the file holds no cases\n", file);
    }
    for (const ParsedLine& line : lines) {
      std::string problem = line.error;
      if (line.c) {
        const ConformanceCase& c = *line.c;
        problem = c.expect_error ? check_refusal(ctx, c) : check_values(ctx, c);
      }
      if (problem.empty()) {
        ++passed;
        if (!args.on("quiet")) fmt::print("PASS {}\n", line.name);
      } else {
        ++failed;
        fmt::print("FAIL {}: {}\n", line.name, problem);
      }
    }
  }
  for (const std::string& m : ctx.take_validation_messages()) {
    fmt::print("FAIL validation: {}\n", m);
    ++failed;
  }
  fmt::print("{} passed, {} failed\n", passed, failed);
  return failed ? 1 : 0;
}

}  // namespace vkgan::cli
