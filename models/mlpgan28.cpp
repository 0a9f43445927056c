// mlpgan28: a small fully connected GAN for 28x28 single-channel images;
// quick to train, for smoke tests and first experiments.
#include "engine/model.hpp"

namespace vkgan {
namespace {

Tensor generator(Net& g, Tensor z) {
  Tensor h = g.leaky_relu(g.dense("fc1", z, 256));
  h = g.tanh(g.dense("fc2", h, 28 * 28));
  return g.reshape(h, {-1, 1, 28, 28});
}

Tensor discriminator(Net& d, Tensor x) {
  Tensor h = d.leaky_relu(d.dense("fc1", d.flatten(x), 256));
  return d.dense("fc2", h, 1);
}

GanModel make() {
  return {"mlpgan28", "fully connected GAN, 28x28x1", 64, Shape{1, 28, 28}, generator,
          discriminator};
}

}  // namespace

VKGAN_REGISTER_MODEL(make);

}  // namespace vkgan
