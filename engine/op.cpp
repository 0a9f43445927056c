// The op registry, filled on first use from ops/registry.cpp.
#include "engine/op.hpp"

#include <map>
#include <mutex>

#include "engine/graph.hpp"

namespace vkgan {

void register_builtin_ops(std::vector<OpDef>& out);  // ops/registry.cpp

namespace {

const std::map<std::string, OpDef, std::less<>>& registry() {
  static const auto table = [] {
    std::vector<OpDef> defs;
    register_builtin_ops(defs);
    std::map<std::string, OpDef, std::less<>> m;
    for (OpDef& d : defs) {
      VKGAN_ASSERT(!m.count(d.name), "op {} registered twice", d.name);
      std::string name = d.name;
      m.emplace(name, std::move(d));
    }
    return m;
  }();
  return table;
}

}  // namespace

const OpDef* find_op(std::string_view name) {
  auto& r = registry();
  auto it = r.find(name);
  return it == r.end() ? nullptr : &it->second;
}

const OpDef& op_def(std::string_view name) {
  if (const OpDef* d = find_op(name)) return *d;
  fail("unknown op '{}'", name);
}

std::vector<std::string> op_names() {
  std::vector<std::string> out;
  for (const auto& [k, v] : registry()) out.push_back(k);
  return out;
}

size_t required_inputs(const OpDef& def) {
  size_t n = 0;
  for (const std::string& s : def.inputs)
    if (!s.ends_with('?') && !s.ends_with("...")) ++n;
  return n;
}

Cost elementwise_cost(const Node& n, const std::vector<Shape>& in, double flops_per_element) {
  Cost c;
  c.flops = flops_per_element * double(n.shape.elements());
  c.bytes = double(n.shape.bytes());
  for (const Shape& s : in) c.bytes += double(s.bytes());
  return c;
}

}  // namespace vkgan
