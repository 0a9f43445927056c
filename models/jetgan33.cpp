// jetgan33: a GAN for 33x33 single-channel jet images (pixel = share of the
// jet's pT, ~98% of pixels zero). The generator ends in relu, so pixels are
// non-negative and exact zeros are easy to make; the discriminator's first
// convolution has stride 1, so it sees single lit pixels before any
// downsampling. docs/models.md gives the table.
#include "engine/model.hpp"

namespace vkgan {
namespace {

Tensor generator(Net& g, Tensor z) {
  Tensor h = g.dense("fc", z, 32 * 11 * 11);
  h = g.relu(g.batch_norm("bn1", g.reshape(h, {-1, 32, 11, 11})));
  // k3 s3: each 11x11 cell becomes a 3x3 patch, (11 - 1) * 3 + 3 = 33.
  h = g.conv_transpose2d("deconv1", h, 16, {.kernel = 3, .stride = 3, .bias = false});
  h = g.relu(g.batch_norm("bn2", h));
  h = g.conv2d("conv2", h, 1, {.kernel = 3, .stride = 1, .padding = 1});
  return g.relu(h);
}

Tensor discriminator(Net& d, Tensor x) {
  Tensor h = d.leaky_relu(d.conv2d("conv1", x, 16, {.kernel = 3, .stride = 1, .padding = 1}));
  h = d.conv2d("conv2", h, 32, {.kernel = 4, .stride = 2, .padding = 1, .bias = false});
  h = d.leaky_relu(d.batch_norm("bn2", h));
  h = d.conv2d("conv3", h, 64, {.kernel = 4, .stride = 2, .padding = 1, .bias = false});
  h = d.leaky_relu(d.batch_norm("bn3", h));
  return d.dense("fc", d.flatten(h), 1);
}

GanModel make() {
  GanModel m{"jetgan33", "jet images 33x33x1: relu output, stride-1 first D layer"};
  m.latent = 64;
  m.image = Shape{1, 33, 33};
  m.generator = generator;
  m.discriminator = discriminator;
  return m;
}

}  // namespace

VKGAN_REGISTER_MODEL(make);

}  // namespace vkgan
