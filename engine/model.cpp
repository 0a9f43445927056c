// The model registry.
#include "engine/model.hpp"

#include <map>

namespace vkgan {
namespace {

std::map<std::string, GanModel>& models() {
  static std::map<std::string, GanModel> m;
  return m;
}

}  // namespace

void register_model(GanModel model) {
  VKGAN_ASSERT(!models().count(model.name), "model {} registered twice", model.name);
  std::string name = model.name;
  models().emplace(name, std::move(model));
}

const GanModel& find_model(const std::string& name) {
  auto it = models().find(name);
  if (it != models().end()) return it->second;
  std::string known;
  for (const auto& n : model_names()) known += (known.empty() ? "" : ", ") + n;
  fail("unknown model '{}'; known models: {}", name, known);
}

std::vector<std::string> model_names() {
  std::vector<std::string> out;
  for (const auto& [k, v] : models()) out.push_back(k);
  return out;
}

}  // namespace vkgan
