// The conformance case reader and pass rule: the public case file, field by
// field round trips, refusals of malformed and hostile lines, and compare.
#include "engine/conformance.hpp"

#include <doctest/doctest.h>

#include <cfloat>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>

#include "engine/error.hpp"
#include "tests/support.hpp"

namespace vkgan {
namespace {

namespace fs = std::filesystem;

// The public cases live in shared/ beside the checkout, not in it, so look
// upward from this source file and from the working directory.
// VKGAN_CONFORMANCE_CASES names the file directly.
fs::path public_cases() {
  if (const char* env = std::getenv("VKGAN_CONFORMANCE_CASES")) return env;
  const fs::path rel = fs::path("shared") / "conformance" / "public.jsonl";
  std::error_code ec;
  for (fs::path start : {fs::absolute(__FILE__, ec).parent_path(), fs::current_path(ec)})
    for (fs::path dir = start; !dir.empty(); dir = dir.parent_path()) {
      if (fs::exists(dir / rel, ec)) return dir / rel;
      if (dir == dir.parent_path()) break;
    }
  return {};
}

// The message a line is refused with, or "" when it parses.
std::string refusal(const std::string& line, size_t line_number = 12) {
  try {
    parse_conformance_case(line, line_number);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

const std::string kGood =
    R"({"name": "dense/tiny", "op": "dense", "attrs": {}, )"
    R"("inputs": {"x": {"shape": [1, 2], "data": [1, 2]}, )"
    R"("w": {"shape": [1, 2], "data": [0.5, -0.5]}}, )"
    R"("output": {"shape": [1, 1], "data": [-0.5]}})";

TEST_CASE("every public conformance case parses, with the counts of the README") {
  fs::path file = public_cases();
  REQUIRE_MESSAGE(!file.empty(), "shared/conformance/public.jsonl not found above "
                                 "the source or working directory; set "
                                 "VKGAN_CONFORMANCE_CASES to its path");
  std::vector<ParsedLine> lines = read_conformance_file(file);
  REQUIRE(lines.size() == 79);

  // op -> {valid, expect_error}, from README.md
  std::map<std::string, std::pair<int, int>> want = {
      {"conv2d", {9, 4}},          {"conv_transpose2d", {10, 1}},
      {"upsample_nearest2d", {4, 0}}, {"upsample_bilinear2d", {4, 0}},
      {"max_pool2d", {7, 1}},      {"avg_pool2d", {5, 0}},
      {"dense", {4, 1}},           {"batch_norm", {5, 0}},
      {"relu", {2, 0}},            {"sigmoid", {2, 0}},
      {"tanh", {2, 0}},            {"leaky_relu", {3, 0}},
      {"add", {2, 1}},             {"concat", {3, 0}},
      {"bce_with_logits", {3, 0}}, {"bce", {3, 0}},
      {"mse", {3, 0}}};
  std::map<std::string, std::pair<int, int>> got;
  int errors = 0;
  for (const ParsedLine& p : lines) {
    CAPTURE(p.name);
    REQUIRE_MESSAGE(p.c, p.error);
    CHECK(p.error.empty());
    CHECK(p.name == p.c->name);
    const ConformanceCase& c = *p.c;
    if (c.expect_error) {
      ++got[c.op].second;
      ++errors;
      CHECK(!c.output);
      continue;
    }
    ++got[c.op].first;
    REQUIRE(c.output);
    REQUIRE(c.dy);
    CHECK(c.dy->shape == c.output->shape);
    CHECK(!c.grads.empty());
    CHECK(c.inputs.front().first == "x");
  }
  CHECK(errors == 8);
  CHECK(got == want);
}

TEST_CASE("a hand-written conformance case keeps every field, in file order") {
  const std::string line =
      R"({"name": "conv2d/mini", "op": "conv2d", "comment": {"ignored": [1.5]},)"
      R"( "attrs": {"stride": [2, 1], "groups": 2, "eps": 1e-05, "ceil_mode": true,)"
      R"( "reduction": "sum", "empty": []},)"
      R"( "inputs": {"x": {"shape": [2, 2], "data": [1, -2.5, "nan", "inf"]},)"
      R"( "w": {"shape": [3], "data": [0.1, "-inf", 3e38]}, "b": {"shape": [], "data": [7]}},)"
      R"( "output": {"shape": [], "data": [0.25]}, "dy": {"shape": [], "data": [1]},)"
      R"( "grads": {"w": {"shape": [3], "data": [1, 2, 3]}, "b": {"shape": [], "data": [4]}},)"
      R"( "tol": 0.002})";
  ConformanceCase c = parse_conformance_case(line, 1);

  CHECK(c.name == "conv2d/mini");
  CHECK(c.op == "conv2d");
  CHECK(c.attrs.ints("stride", {}) == std::vector<int64_t>{2, 1});
  CHECK(std::get<int64_t>(c.attrs.values().at("groups")) == 2);
  CHECK(std::get<double>(c.attrs.values().at("eps")) == 1e-05);
  CHECK(std::get<bool>(c.attrs.values().at("ceil_mode")));
  CHECK(std::get<std::string>(c.attrs.values().at("reduction")) == "sum");
  CHECK(std::get<std::vector<int64_t>>(c.attrs.values().at("empty")).empty());
  CHECK(c.attrs.values().size() == 6);

  REQUIRE(c.inputs.size() == 3);
  CHECK(c.inputs[0].first == "x");
  CHECK(c.inputs[1].first == "w");
  CHECK(c.inputs[2].first == "b");
  const HostTensor& x = c.inputs[0].second;
  CHECK(x.shape == Shape{2, 2});
  CHECK(x.data[0] == 1.0f);
  CHECK(x.data[1] == -2.5f);
  CHECK(std::isnan(x.data[2]));
  CHECK(x.data[3] == INFINITY);
  CHECK(c.inputs[1].second.data[0] == 0.1f);  // rounded to float32 as the file asks
  CHECK(c.inputs[1].second.data[1] == -INFINITY);
  CHECK(c.inputs[1].second.data[2] == 3e38f);
  CHECK(c.inputs[2].second.shape.rank() == 0);
  CHECK(c.inputs[2].second.data == std::vector<float>{7});

  REQUIRE(c.output);
  CHECK(c.output->data == std::vector<float>{0.25f});
  REQUIRE(c.dy);
  CHECK(c.dy->data == std::vector<float>{1});
  REQUIRE(c.grads.size() == 2);
  CHECK(c.grads[0].first == "w");
  CHECK(c.grads[0].second.data == std::vector<float>{1, 2, 3});
  CHECK(c.grads[1].first == "b");
  CHECK(c.tol == 0.002);
  CHECK(!c.expect_error);
}

TEST_CASE("a conformance case without dy checks the forward output alone") {
  ConformanceCase c = parse_conformance_case(kGood, 3);
  CHECK(c.output);
  CHECK(!c.dy);
  CHECK(c.grads.empty());
  CHECK(c.tol == 1e-4);
}

TEST_CASE("an expect_error conformance case carries its message and no output") {
  const std::string head =
      R"({"name": "add/bad", "op": "add", "inputs": {"x": {"shape": [0], "data": []}}, )";
  ConformanceCase flag = parse_conformance_case(head + R"("expect_error": true})", 1);
  CHECK(flag.expect_error);
  CHECK(flag.expected_error.empty());
  CHECK(!flag.output);

  ConformanceCase text = parse_conformance_case(head + R"("expect_error": "shapes differ"})", 1);
  CHECK(text.expect_error);
  CHECK(text.expected_error == "shapes differ");

  CHECK(refusal(head + R"("expect_error": true, "output": {"shape": [], "data": [1]}})") ==
        "line 12: output: an expect_error case has none");
  CHECK(refusal(head + R"("expect_error": 1})").find("line 12: expect_error:") == 0);
}

TEST_CASE("a malformed conformance case is refused with its line and field") {
  const std::string inputs_head = R"({"name": "n", "op": "relu", "inputs": )";
  const std::string tail = R"(, "output": {"shape": [], "data": [0]}})";
  auto with_x = [&](const std::string& x) { return inputs_head + R"({"x": )" + x + "}" + tail; };
  auto with_attrs = [&](const std::string& attrs) {
    return R"({"name": "n", "op": "relu", "attrs": )" + attrs +
           R"(, "inputs": {"x": {"shape": [1], "data": [0]}})" + tail;
  };

  SUBCASE("not JSON") { CHECK(refusal("{\"name\": nope}").find("line 12: not valid JSON") == 0); }
  SUBCASE("not an object") {
    CHECK(refusal("[1, 2]") == "line 12: a case must be a JSON object, got array");
  }
  SUBCASE("missing name") {
    CHECK(refusal(R"({"op": "relu", "inputs": {}})") == "line 12: name: missing");
  }
  SUBCASE("name of the wrong type") {
    CHECK(refusal(R"({"name": 3, "op": "relu", "inputs": {}})") ==
          "line 12: name: expected a string, got number");
  }
  SUBCASE("missing inputs") {
    CHECK(refusal(R"({"name": "n", "op": "relu"})") == "line 12: inputs: missing");
  }
  SUBCASE("data length mismatch") {
    CHECK(refusal(with_x(R"({"shape": [3, 4], "data": [1,2,3,4,5,6,7,8,9,10,11]})")) ==
          "line 12: inputs.x: data has 11 values, shape [3,4] needs 12");
  }
  SUBCASE("negative dimension") {
    CHECK(refusal(with_x(R"({"shape": [2, -1], "data": []})")) ==
          "line 12: inputs.x: shape[1] is -1, dimensions must be non-negative");
  }
  SUBCASE("fractional dimension") {
    CHECK(refusal(with_x(R"({"shape": [2.5], "data": []})")) ==
          "line 12: inputs.x: shape[0] is not an integer (got number)");
  }
  SUBCASE("huge shape") {
    CHECK(refusal(with_x(R"({"shape": [65536, 65536, 65536], "data": []})")) ==
          "line 12: inputs.x: shape has more than 2^31 elements (at shape[1])");
    CHECK(refusal(with_x(R"({"shape": [18446744073709551615], "data": []})"))
              .find("line 12: inputs.x: shape[0] is 18446744073709551615") == 0);
    CHECK(refusal(with_x(R"({"shape": [2147483648, 2147483648, 0], "data": []})")) ==
          "line 12: inputs.x: shape has more than 2^31 elements (at shape[1])");
  }
  SUBCASE("data that is not a number") {
    CHECK(refusal(with_x(R"({"shape": [2], "data": [1, "one"]})")) ==
          "line 12: inputs.x: data[1] is not a number (got string)");
    CHECK(refusal(with_x(R"({"shape": [1], "data": [null]})")) ==
          "line 12: inputs.x: data[0] is not a number (got null)");
  }
  SUBCASE("tensor without data") {
    CHECK(refusal(with_x(R"({"shape": [1]})")) == "line 12: inputs.x: no \"data\"");
  }
  SUBCASE("attribute of an unsupported type") {
    CHECK(refusal(with_attrs(R"({"pad": {"h": 1}})")) ==
          "line 12: attrs.pad: an attribute must be a number, a boolean, a string or a "
          "list of integers, got object");
    CHECK(refusal(with_attrs(R"({"scale": [1.5, 2]})")) ==
          "line 12: attrs.scale: [0] is number, a list attribute must hold integers");
    CHECK(refusal(with_attrs(R"({"x": null})")).find("line 12: attrs.x: ") == 0);
    CHECK(refusal(with_attrs("[1]")) == "line 12: attrs: expected an object, got array");
  }
  SUBCASE("bad tolerance") {
    CHECK(refusal(R"({"name": "n", "op": "relu", "inputs": {}, "tol": "big"})") ==
          "line 12: tol: expected a number, got string");
    CHECK(refusal(R"({"name": "n", "op": "relu", "inputs": {}, "tol": -1})") ==
          "line 12: tol: -1 is not a finite non-negative number");
  }
  SUBCASE("no output and no expect_error") {
    CHECK(refusal(inputs_head + "{}}") ==
          "line 12: output: missing, and the case has no expect_error");
  }
  SUBCASE("dy or grads that do not fit") {
    const std::string head = inputs_head + R"({"x": {"shape": [2], "data": [1, 2]}}, )" +
                             R"("output": {"shape": [2], "data": [1, 2]})";
    CHECK(refusal(head + R"(, "dy": {"shape": [1], "data": [1]}})") ==
          "line 12: dy: shape [1] does not match the output's [2]");
    CHECK(refusal(head + R"(, "grads": {"x": {"shape": [2], "data": [1, 2]}}})") ==
          "line 12: grads: given without dy, so there is nothing to check them against");
    const std::string dy = R"(, "dy": {"shape": [2], "data": [1, 1]})";
    CHECK(refusal(head + dy + R"(, "grads": {"z": {"shape": [2], "data": [1, 2]}}})") ==
          "line 12: grads.z: there is no input of that name");
    CHECK(refusal(head + dy + R"(, "grads": {"x": {"shape": [1, 2], "data": [1, 2]}}})") ==
          "line 12: grads.x: shape [1,2] does not match the input's [2]");
  }
}

TEST_CASE("hostile conformance lines are refused with an error, never a crash") {
  // Every prefix of a valid line is malformed JSON, and must say so.
  for (size_t n = 0; n < kGood.size(); ++n) {
    CAPTURE(n);
    CHECK(refusal(kGood.substr(0, n)).find("line 12: ") == 0);
  }

  std::string deep(100000, '[');
  CHECK(refusal(deep).find("not valid JSON") != std::string::npos);
  CHECK(refusal(deep + std::string(100000, ']')) ==
        "line 12: a case must be a JSON object, got array");
  CHECK(refusal(std::string("{\"name\": \"\xff\"}")).find("not valid JSON") != std::string::npos);
  CHECK(refusal(std::string("\0{}", 3)).find("not valid JSON") != std::string::npos);

  std::string many = "{";
  for (int i = 0; i < 5000; ++i) many += fmt::format("\"k{}\": 0,", i);
  many.back() = '}';
  CHECK(refusal(many) == "line 12: an object has more than 1024 keys");

  // A key with a newline must not break the one-line message.
  std::string odd = refusal(R"({"name": "n", "op": "o", "inputs": {"a\nb": 3}})");
  CHECK(odd == "line 12: inputs.a\\x0ab: expected a tensor {\"shape\", \"data\"}, got number");

  // Beyond double, nlohmann refuses the number; beyond float32 only, it
  // rounds to infinity (or FLT_MAX) as a float32 store would.
  CHECK(refusal(R"({"name": "n", "x": [1e999]})") ==
        "line 12: not valid JSON: number overflow parsing '1e999'");
  ConformanceCase big = parse_conformance_case(
      R"({"name": "n", "op": "o", "inputs": {"x": {"shape": [3], "data": [-1e300, 4e38, )"
      R"(3.4028235e38]}}, "output": {"shape": [], "data": [0]}})",
      1);
  CHECK(big.inputs[0].second.data[0] == -INFINITY);
  CHECK(big.inputs[0].second.data[1] == INFINITY);
  CHECK(big.inputs[0].second.data[2] == FLT_MAX);
}

TEST_CASE("a conformance file is read past its bad lines") {
  fs::path file = fs::path(test::scratch_dir("conformance")) / "cases.jsonl";
  {
    std::ofstream out(file);
    out << kGood << "\n"
        << "\n"
        << "   \r\n"
        << R"({"name": "named/bad", "op": "relu", "inputs": 3})" << "\n"
        << "not json at all\n"
        << kGood << "\r\n";
  }
  std::vector<ParsedLine> lines = read_conformance_file(file);
  REQUIRE(lines.size() == 4);
  CHECK(lines[0].c);
  CHECK(lines[0].name == "dense/tiny");
  CHECK(!lines[1].c);
  CHECK(lines[1].name == "named/bad");
  CHECK(lines[1].error == "line 4: inputs: expected an object of tensors, got number");
  CHECK(!lines[2].c);
  CHECK(lines[2].name == "line 5");
  CHECK(lines[2].error.find("line 5: not valid JSON") == 0);
  CHECK(lines[3].c);
  CHECK(lines[3].error.empty());
}

TEST_CASE("a missing conformance file is an error naming it") {
  fs::path file = fs::path(test::scratch_dir("conformance-missing")) / "absent.jsonl";
  CHECK_THROWS_WITH_AS(read_conformance_file(file),
                       doctest::Contains("absent.jsonl"), Error);
}

HostTensor tensor(Shape shape, std::vector<float> data) {
  return {std::move(shape), std::move(data)};
}

TEST_CASE("the conformance pass rule accepts equal and close tensors, not far ones") {
  HostTensor ref = tensor({2, 2}, {1, 2, 3, 4});

  Comparison same = compare_tensors(ref, ref, 1e-4);
  CHECK(same.pass);
  CHECK(same.rel == 0);
  CHECK(same.reason.empty());

  Comparison close = compare_tensors(tensor({2, 2}, {1, 2, 3, 4.0001f}), ref, 1e-4);
  CHECK(close.pass);
  CHECK(close.rel == doctest::Approx(1e-4 / std::sqrt(30.0)).epsilon(1e-2));

  Comparison far = compare_tensors(tensor({2, 2}, {1, 2, 3, 5}), ref, 1e-4);
  CHECK(!far.pass);
  CHECK(far.rel == doctest::Approx(1 / std::sqrt(30.0)));
  CHECK(far.reason == "rel 0.183 > tol 0.0001; largest |got-ref| 1 at 3");

  // The loose per-case tolerance lets it through; all-zero references divide by 1e-30.
  CHECK(compare_tensors(tensor({2, 2}, {1, 2, 3, 5}), ref, 0.2).pass);
  CHECK(compare_tensors(tensor({}, {0}), tensor({}, {0}), 0).pass);
  CHECK(!compare_tensors(tensor({}, {1e-20f}), tensor({}, {0}), 1e-4).pass);
}

TEST_CASE("the conformance pass rule fails on NaN, infinity and a shape mismatch") {
  HostTensor ref = tensor({2, 3}, {1, 2, 3, 4, 5, 6});

  Comparison with_nan = compare_tensors(tensor({2, 3}, {1, 2, 3, 4, NAN, 6}), ref, 1e9);
  CHECK(!with_nan.pass);
  CHECK(with_nan.reason.find("non-finite value at 4") == 0);
  CHECK(!compare_tensors(tensor({2, 3}, {INFINITY, 2, 3, 4, 5, 6}), ref, 1e9).pass);

  Comparison shape = compare_tensors(tensor({2, 4}, std::vector<float>(8)), ref, 1e9);
  CHECK(!shape.pass);
  CHECK(shape.reason == "shape [2,4] expected [2,3]");
  CHECK(std::isinf(shape.rel));
}

}  // namespace
}  // namespace vkgan
