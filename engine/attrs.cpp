// Typed access to op attributes.
#include "engine/attrs.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "engine/error.hpp"
#include "engine/shape.hpp"

namespace vkgan {

std::string Shape::str() const { return fmt::format("[{}]", fmt::join(dims_, ",")); }

int64_t Attrs::integer(const std::string& name, int64_t fallback) const {
  auto it = values_.find(name);
  if (it == values_.end()) return fallback;
  if (auto* v = std::get_if<int64_t>(&it->second)) return *v;
  if (auto* v = std::get_if<bool>(&it->second)) return *v;
  fail("attribute '{}': expected an integer", name);
}

double Attrs::real(const std::string& name, double fallback) const {
  auto it = values_.find(name);
  if (it == values_.end()) return fallback;
  if (auto* v = std::get_if<double>(&it->second)) return *v;
  if (auto* v = std::get_if<int64_t>(&it->second)) return double(*v);
  fail("attribute '{}': expected a number", name);
}

bool Attrs::boolean(const std::string& name, bool fallback) const {
  auto it = values_.find(name);
  if (it == values_.end()) return fallback;
  if (auto* v = std::get_if<bool>(&it->second)) return *v;
  if (auto* v = std::get_if<int64_t>(&it->second); v && (*v == 0 || *v == 1)) return *v;
  fail("attribute '{}': expected true or false", name);
}

std::vector<int64_t> Attrs::ints(const std::string& name, std::vector<int64_t> fallback) const {
  auto it = values_.find(name);
  if (it == values_.end()) return fallback;
  if (auto* v = std::get_if<std::vector<int64_t>>(&it->second)) return *v;
  if (auto* v = std::get_if<int64_t>(&it->second))
    return std::vector<int64_t>(fallback.empty() ? 1 : fallback.size(), *v);
  fail("attribute '{}': expected a list of integers", name);
}

std::string Attrs::string(const std::string& name, std::string fallback) const {
  auto it = values_.find(name);
  if (it == values_.end()) return fallback;
  if (auto* v = std::get_if<std::string>(&it->second)) return *v;
  fail("attribute '{}': expected a string", name);
}

std::string Attrs::str() const {
  std::string s;
  for (const auto& [k, v] : values_) {
    if (!s.empty()) s += ' ';
    s += k + '=';
    std::visit(
        [&](const auto& x) {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, std::vector<int64_t>>)
            s += fmt::format("[{}]", fmt::join(x, ","));
          else if constexpr (std::is_same_v<T, bool>)
            s += x ? "true" : "false";
          else
            s += fmt::format("{}", x);
        },
        v);
  }
  return s;
}

}  // namespace vkgan
