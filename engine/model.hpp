// GAN models: a generator and a discriminator written in the DSL, with the
// noise size and the image shape they take. Models register themselves by
// name (VKGAN_REGISTER_MODEL in their own file under models/), so adding a
// model is adding one file.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "engine/dsl.hpp"

namespace vkgan {

struct GanModel {
  std::string name;
  std::string summary;
  int64_t latent = 100;
  Shape image;  // [C, H, W]
  // z [N, latent] -> images [N, C, H, W]
  std::function<Tensor(Net&, Tensor)> generator;
  // images [N, C, H, W] -> logits [N, 1]
  std::function<Tensor(Net&, Tensor)> discriminator;
};

void register_model(GanModel model);
// Throws Error listing the known models when `name` is not one.
const GanModel& find_model(const std::string& name);
std::vector<std::string> model_names();

struct ModelRegistrar {
  explicit ModelRegistrar(GanModel (*make)()) { register_model(make()); }
};

}  // namespace vkgan

#define VKGAN_REGISTER_MODEL(fn) \
  static const ::vkgan::ModelRegistrar vkgan_model_registrar_##fn(fn)
