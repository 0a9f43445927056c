// A model of one's own, outside the vkgan tree: one file, built against the
// installed headers and library through pkg-config
//   c++ -std=c++20 my_gan.cpp $(pkg-config --cflags --libs vkgan) -o my_gan
// It registers the model and trains it with the library's trainer.
#include <fmt/format.h>

#include "engine/model.hpp"
#include "engine/trainer.hpp"

namespace {

vkgan::Tensor generator(vkgan::Net& g, vkgan::Tensor z) {
  vkgan::Tensor h = g.relu(g.batch_norm("bn", g.dense("fc1", z, 128)));
  return g.reshape(g.tanh(g.dense("fc2", h, 28 * 28)), {-1, 1, 28, 28});
}

vkgan::Tensor discriminator(vkgan::Net& d, vkgan::Tensor x) {
  vkgan::Tensor h = d.leaky_relu(d.dense("fc1", d.flatten(x), 128), 0.2);
  return d.dense("fc2", h, 1);
}

vkgan::GanModel make() {
  return {"my_gan", "a user's own fully connected GAN", 32, vkgan::Shape{1, 28, 28}, generator,
          discriminator};
}

}  // namespace

VKGAN_REGISTER_MODEL(make);

int main(int argc, char** argv) {
  if (argc < 2) {
    fmt::print(stderr, "usage: my_gan OUT_DIR\n");
    return 2;
  }
  vkgan::TrainConfig c;
  c.model = "my_gan";
  c.out = argv[1];
  c.max_steps = 4;
  c.batch = 16;
  c.limit = 128;
  c.log_every = 2;
  c.force = true;
  try {
    vkgan::TrainResult r = vkgan::train(c);
    fmt::print("my_gan: trained {} steps\n", r.steps);
  } catch (const vkgan::Error& e) {
    fmt::print(stderr, "my_gan: {}\n", e.what());
    return 1;
  }
  return 0;
}
