// Reading op conformance cases and the pass rule. Input is untrusted (the
// parser is fuzzed): every failure is an Error naming the field, and sizes
// are checked before anything is allocated from them.
#include "engine/conformance.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <fstream>
#include <limits>

#include "engine/error.hpp"

namespace vkgan {
namespace {

// Ordered, because an op takes its inputs by position in the file.
using Json = nlohmann::ordered_json;

// Beyond this a shape is corrupt rather than large: no case comes near it,
// and it keeps every product of dimensions well inside int64_t.
constexpr int64_t kMaxElements = int64_t(1) << 31;

// ordered_json finds a key by linear search, so an object with very many
// keys would take quadratic time; no case object has more than a dozen.
constexpr size_t kMaxKeysPerObject = 1024;

// Text from the file, made safe to put in a one-line message: control
// characters escaped, long text cut at a character boundary.
std::string printable(std::string_view s, size_t limit = 80) {
  bool cut = s.size() > limit;
  if (cut) {
    size_t end = limit;
    while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
    s = s.substr(0, end);
  }
  std::string out;
  for (char ch : s) {
    auto u = static_cast<unsigned char>(ch);
    if (u < 0x20 || u == 0x7F)
      out += fmt::format("\\x{:02x}", u);
    else
      out += ch;
  }
  return cut ? out + "..." : out;
}

// nlohmann's message starts with its own id ("[json.exception...] ") and,
// for syntax errors, a position that is always line 1 here; keep the rest.
std::string json_reason(const std::string& what) {
  size_t start = what.find("] ");
  start = start == std::string::npos ? 0 : start + 2;
  if (size_t column = what.find("column ", start); column != std::string::npos)
    if (size_t colon = what.find(": ", column); colon != std::string::npos) start = colon + 2;
  return printable(std::string_view(what).substr(start), 160);
}

Json parse_json(std::string_view text) {
  std::vector<size_t> keys;  // keys seen so far in each open object
  auto guard = [&keys](int, Json::parse_event_t event, Json&) {
    if (event == Json::parse_event_t::object_start) keys.push_back(0);
    if (event == Json::parse_event_t::object_end && !keys.empty()) keys.pop_back();
    if (event == Json::parse_event_t::key && !keys.empty() &&
        ++keys.back() > kMaxKeysPerObject)
      fail("an object has more than {} keys", kMaxKeysPerObject);
    return true;
  };
  try {
    return Json::parse(text.begin(), text.end(), guard);
  } catch (const Json::parse_error& e) {
    fail("not valid JSON at byte {}: {}", e.byte, json_reason(e.what()));
  } catch (const Json::out_of_range& e) {  // a number like 1e999
    fail("not valid JSON: {}", json_reason(e.what()));
  }
}

// Rounds as a float32 store would: a finite double beyond float's range is
// undefined behaviour to convert, so overflow is spelled out.
float to_float(double v) {
  constexpr double kRoundsToInf = 0x1.ffffffp127;  // FLT_MAX + half an ulp
  if (std::fabs(v) <= FLT_MAX) return static_cast<float>(v);
  if (std::fabs(v) < kRoundsToInf) return std::copysign(FLT_MAX, static_cast<float>(v));
  return std::copysign(std::numeric_limits<float>::infinity(), static_cast<float>(v));
}

float read_value(const Json& v, const std::string& field, size_t i) {
  if (v.is_number_float()) return to_float(v.get<double>());
  if (v.is_number_unsigned()) return static_cast<float>(v.get<uint64_t>());
  if (v.is_number_integer()) return static_cast<float>(v.get<int64_t>());
  if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    if (s == "nan") return std::numeric_limits<float>::quiet_NaN();
    if (s == "inf") return std::numeric_limits<float>::infinity();
    if (s == "-inf") return -std::numeric_limits<float>::infinity();
  }
  fail("{}: data[{}] is not a number (got {})", field, i, v.type_name());
}

// One dimension: a non-negative integer no larger than kMaxElements.
int64_t read_dim(const Json& d, const std::string& field, size_t i) {
  if (d.is_number_unsigned()) {
    if (d.get<uint64_t>() > uint64_t(kMaxElements))
      fail("{}: shape[{}] is {}, more than 2^31", field, i, d.get<uint64_t>());
    return static_cast<int64_t>(d.get<uint64_t>());
  }
  if (d.is_number_integer())  // a signed integer here is always negative
    fail("{}: shape[{}] is {}, dimensions must be non-negative", field, i,
         d.get<int64_t>());
  fail("{}: shape[{}] is not an integer (got {})", field, i, d.type_name());
}

// Zero dimensions are skipped in the size check, since Shape::elements()
// multiplies left to right and would overflow on [2^31, 2^31, 2^31, 0].
Shape read_shape(const Json& j, const std::string& field) {
  if (!j.is_array()) fail("{}: shape must be a list of integers, got {}", field, j.type_name());
  std::vector<int64_t> dims;
  int64_t nonzero_product = 1;
  for (size_t i = 0; i < j.size(); ++i) {
    int64_t d = read_dim(j[i], field, i);
    nonzero_product *= std::max<int64_t>(d, 1);
    if (nonzero_product > kMaxElements)
      fail("{}: shape has more than 2^31 elements (at shape[{}])", field, i);
    dims.push_back(d);
  }
  return Shape(std::move(dims));
}

HostTensor read_tensor(const Json& j, const std::string& field) {
  if (!j.is_object())
    fail("{}: expected a tensor {{\"shape\", \"data\"}}, got {}", field, j.type_name());
  auto shape_it = j.find("shape");
  auto data_it = j.find("data");
  if (shape_it == j.end()) fail("{}: no \"shape\"", field);
  if (data_it == j.end()) fail("{}: no \"data\"", field);

  Shape shape = read_shape(*shape_it, field);
  const Json& data = *data_it;
  if (!data.is_array()) fail("{}: data must be a list of numbers, got {}", field, data.type_name());
  if (data.size() != static_cast<uint64_t>(shape.elements()))
    fail("{}: data has {} values, shape {} needs {}", field, data.size(), shape,
         shape.elements());

  HostTensor t{std::move(shape), {}};
  t.data.reserve(data.size());
  for (size_t i = 0; i < data.size(); ++i) t.data.push_back(read_value(data[i], field, i));
  return t;
}

// "inputs" and "grads": name -> tensor, in file order.
std::vector<std::pair<std::string, HostTensor>> read_tensors(const Json& j,
                                                             const std::string& field) {
  if (!j.is_object()) fail("{}: expected an object of tensors, got {}", field, j.type_name());
  std::vector<std::pair<std::string, HostTensor>> out;
  for (const auto& [name, value] : j.items())
    out.emplace_back(name, read_tensor(value, field + "." + printable(name)));
  return out;
}

std::vector<int64_t> read_int_list(const Json& j, const std::string& field) {
  std::vector<int64_t> out;
  for (size_t i = 0; i < j.size(); ++i) {
    const Json& v = j[i];
    if (!v.is_number_integer())
      fail("{}: [{}] is {}, a list attribute must hold integers", field, i, v.type_name());
    if (v.is_number_unsigned() && v.get<uint64_t>() > uint64_t(INT64_MAX))
      fail("{}: [{}] does not fit in int64", field, i);
    out.push_back(v.get<int64_t>());
  }
  return out;
}

AttrValue read_attr(const Json& v, const std::string& field) {
  switch (v.type()) {
    case Json::value_t::boolean: return v.get<bool>();
    case Json::value_t::number_integer: return v.get<int64_t>();
    case Json::value_t::number_unsigned:
      if (v.get<uint64_t>() > uint64_t(INT64_MAX)) fail("{}: does not fit in int64", field);
      return v.get<int64_t>();
    case Json::value_t::number_float: return v.get<double>();
    case Json::value_t::string: return v.get<std::string>();
    case Json::value_t::array: return read_int_list(v, field);
    default:
      fail("{}: an attribute must be a number, a boolean, a string or a list of "
           "integers, got {}", field, v.type_name());
  }
}

Attrs read_attrs(const Json& j) {
  if (!j.is_object()) fail("attrs: expected an object, got {}", j.type_name());
  Attrs attrs;
  for (const auto& [name, value] : j.items())
    attrs.set(name, read_attr(value, "attrs." + printable(name)));
  return attrs;
}

std::string required_string(const Json& root, const char* key) {
  auto it = root.find(key);
  if (it == root.end()) fail("{}: missing", key);
  if (!it->is_string()) fail("{}: expected a string, got {}", key, it->type_name());
  if (it->get_ref<const std::string&>().empty()) fail("{}: is empty", key);
  return it->get<std::string>();
}

double read_tol(const Json& j) {
  if (!j.is_number()) fail("tol: expected a number, got {}", j.type_name());
  double tol = j.get<double>();
  if (!std::isfinite(tol) || tol < 0) fail("tol: {} is not a finite non-negative number", tol);
  return tol;
}

// grads[k] is dL/d inputs[k], so it needs an input k of the same shape.
void check_grads(const ConformanceCase& c) {
  for (const auto& entry : c.grads) {
    // NOTE: not a structured binding, which clang before 16 cannot capture.
    const std::string& name = entry.first;
    const HostTensor& grad = entry.second;
    auto input = std::find_if(c.inputs.begin(), c.inputs.end(),
                              [&](const auto& in) { return in.first == name; });
    if (input == c.inputs.end()) fail("grads.{}: there is no input of that name", printable(name));
    if (grad.shape != input->second.shape)
      fail("grads.{}: shape {} does not match the input's {}", printable(name), grad.shape,
           input->second.shape);
  }
}

// Either expect_error, or an output with optional dy and grads.
void read_outcome(const Json& root, ConformanceCase& c) {
  if (auto it = root.find("expect_error"); it != root.end()) {
    if (it->is_string()) c.expected_error = it->get<std::string>();
    else if (!it->is_boolean())
      fail("expect_error: expected true or a message, got {}", it->type_name());
    c.expect_error = it->is_string() || it->get<bool>();
  }
  if (c.expect_error) {
    for (const char* key : {"output", "dy", "grads"})
      if (root.contains(key)) fail("{}: an expect_error case has none", key);
    return;
  }

  auto output = root.find("output");
  if (output == root.end()) fail("output: missing, and the case has no expect_error");
  c.output = read_tensor(*output, "output");
  if (auto it = root.find("dy"); it != root.end()) {
    c.dy = read_tensor(*it, "dy");
    if (c.dy->shape != c.output->shape)
      fail("dy: shape {} does not match the output's {}", c.dy->shape, c.output->shape);
  }
  if (auto it = root.find("grads"); it != root.end()) {
    if (!c.dy) fail("grads: given without dy, so there is nothing to check them against");
    c.grads = read_tensors(*it, "grads");
    check_grads(c);
  }
}

ConformanceCase build_case(const Json& root) {
  if (!root.is_object()) fail("a case must be a JSON object, got {}", root.type_name());
  ConformanceCase c;
  c.name = required_string(root, "name");
  c.op = required_string(root, "op");
  if (auto it = root.find("attrs"); it != root.end()) c.attrs = read_attrs(*it);

  auto inputs = root.find("inputs");
  if (inputs == root.end()) fail("inputs: missing");
  c.inputs = read_tensors(*inputs, "inputs");
  if (auto it = root.find("tol"); it != root.end()) c.tol = read_tol(*it);
  read_outcome(root, c);
  return c;
}

// Runs one step of reading a line and puts the line number in front of any
// failure. A json exception here would be a bug in this file (a get<> of the
// wrong type), but it must still reach the caller as an Error.
template <typename F>
auto at_line(size_t line_number, F&& step) {
  try {
    return step();
  } catch (const Error& e) {
    fail("line {}: {}", line_number, e.what());
  } catch (const Json::exception& e) {
    fail("line {}: {}", line_number, printable(e.what(), 160));
  }
}

bool is_blank(std::string_view line) {
  return line.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

ParsedLine parse_line(std::string_view text, size_t line_number) {
  ParsedLine p{std::nullopt, fmt::format("line {}", line_number), ""};
  try {
    Json root = at_line(line_number, [&] { return parse_json(text); });
    auto name = root.is_object() ? root.find("name") : root.end();
    if (name != root.end() && name->is_string() && !name->get_ref<const std::string&>().empty())
      p.name = name->get<std::string>();
    p.c = at_line(line_number, [&] { return build_case(root); });
  } catch (const Error& e) {
    p.error = e.what();
  }
  return p;
}

}  // namespace

ConformanceCase parse_conformance_case(std::string_view line, size_t line_number) {
  return at_line(line_number, [&] { return build_case(parse_json(line)); });
}

std::vector<ParsedLine> read_conformance_file(const std::filesystem::path& file) {
  std::error_code ec;
  if (std::filesystem::is_directory(file, ec))
    fail("{}: is a directory, expected a .jsonl case file", file.string());
  std::ifstream in(file, std::ios::binary);
  if (!in) fail("{}: cannot open the conformance case file", file.string());

  std::vector<ParsedLine> out;
  std::string line;
  size_t line_number = 1;
  for (; std::getline(in, line); ++line_number)
    if (!is_blank(line)) out.push_back(parse_line(line, line_number));
  if (in.bad()) fail("{}: read failed at line {}", file.string(), line_number);
  return out;
}

Comparison compare_tensors(const HostTensor& got, const HostTensor& ref, double tol) {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  if (got.shape != ref.shape)
    return {false, kInf, fmt::format("shape {} expected {}", got.shape, ref.shape)};
  if (got.data.size() != ref.data.size())
    return {false, kInf, fmt::format("{} values, expected {}", got.data.size(), ref.data.size())};

  // Sums in double: float32 squares of large tensors lose the small errors.
  double diff2 = 0, ref2 = 0, worst = 0;
  size_t worst_at = 0;
  for (size_t i = 0; i < got.data.size(); ++i) {
    if (!std::isfinite(got.data[i]))
      return {false, kInf, fmt::format("non-finite value at {} ({})", i, got.data[i])};
    if (!std::isfinite(ref.data[i]))
      return {false, kInf, fmt::format("non-finite reference value at {}", i)};
    double d = double(got.data[i]) - double(ref.data[i]);
    diff2 += d * d;
    ref2 += double(ref.data[i]) * double(ref.data[i]);
    if (std::fabs(d) > worst) {
      worst = std::fabs(d);
      worst_at = i;
    }
  }

  double rel = std::sqrt(diff2) / std::max(std::sqrt(ref2), 1e-30);
  if (rel <= tol) return {true, rel, ""};
  return {false, rel,
          fmt::format("rel {:.3g} > tol {:.3g}; largest |got-ref| {:.3g} at {}", rel, tol,
                      worst, worst_at)};
}

}  // namespace vkgan
