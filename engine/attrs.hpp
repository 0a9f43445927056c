// Op attributes: a small map from name to an integer, a real, a boolean, a
// list of integers or a string. Ops read them with typed getters that give
// a default when absent and name the op and attribute when the type is wrong.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

namespace vkgan {

using AttrValue = std::variant<int64_t, double, bool, std::vector<int64_t>, std::string>;

class Attrs {
 public:
  Attrs() = default;
  Attrs(std::initializer_list<std::pair<const std::string, AttrValue>> init) : values_(init) {}

  Attrs& set(const std::string& name, AttrValue v) {
    values_[name] = std::move(v);
    return *this;
  }
  bool has(const std::string& name) const { return values_.count(name) > 0; }

  // Each throws Error("'<name>': expected <type>") on a type mismatch; an
  // integer is accepted where a real is asked for, and a single integer
  // where a pair is asked for (it is repeated).
  int64_t integer(const std::string& name, int64_t fallback) const;
  double real(const std::string& name, double fallback) const;
  bool boolean(const std::string& name, bool fallback) const;
  std::vector<int64_t> ints(const std::string& name, std::vector<int64_t> fallback) const;
  std::string string(const std::string& name, std::string fallback) const;

  const std::map<std::string, AttrValue>& values() const { return values_; }
  std::string str() const;  // "stride=[2,2] padding=[1,1]"

 private:
  std::map<std::string, AttrValue> values_;
};

}  // namespace vkgan
