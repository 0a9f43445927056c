// Op conformance cases (shared/conformance/FORMAT.md): reads the .jsonl case
// files into host tensors and attributes, and applies the pass rule. Every
// malformed input is a vkgan::Error naming the line and the field.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/attrs.hpp"
#include "engine/shape.hpp"

namespace vkgan {

// One case. `inputs` and `grads` keep the file's order (x, w, b; x, target),
// because an op takes its inputs by position.
struct ConformanceCase {
  std::string name;  // "conv2d/s2p1"
  std::string op;    // "conv2d"
  Attrs attrs;
  std::vector<std::pair<std::string, HostTensor>> inputs;
  std::optional<HostTensor> output;  // absent for expect_error cases
  std::optional<HostTensor> dy;      // absent: the case checks the forward only
  std::vector<std::pair<std::string, HostTensor>> grads;  // keyed by input name
  double tol = 1e-4;
  bool expect_error = false;
  std::string expected_error;  // expect_error's value when it is a string
};

// Parses one line (line_number counts from 1 and only labels errors). Throws
// Error with a one-line reason naming the line and the field:
// "line 12: inputs.x: data has 11 values, shape [3,4] needs 12".
ConformanceCase parse_conformance_case(std::string_view line, size_t line_number);

// One non-blank line of a case file: either `c`, or `error` holding why the
// line was refused. `name` is the case's name when that much could be read,
// else "line N", so a runner can report the line as a failed case.
struct ParsedLine {
  std::optional<ConformanceCase> c;
  std::string name;
  std::string error;
};

// Reads a whole .jsonl file, carrying on past bad lines. A file that cannot
// be opened or read throws Error naming it.
std::vector<ParsedLine> read_conformance_file(const std::filesystem::path& file);

// The pass rule: rel = ||got - ref||_2 / max(||ref||_2, 1e-30), summed in
// double, passes when rel <= tol. A shape mismatch or a NaN or infinity in
// `got` fails whatever rel says, with rel set to infinity.
struct Comparison {
  bool pass;
  double rel;
  std::string reason;  // empty on a pass; "shape [2,3] expected [2,4]"
};
Comparison compare_tensors(const HostTensor& got, const HostTensor& ref, double tol);

}  // namespace vkgan
