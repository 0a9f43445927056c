// upgan28: the GAN for 28x28 single-channel images that upsamples and pools
// instead of striding, as shared/benchmarks/MODELS.md gives it.
#include "engine/model.hpp"

namespace vkgan {
namespace {

Tensor generator(Net& g, Tensor z) {
  Tensor h = g.dense("fc", z, 128 * 7 * 7);
  h = g.relu(g.batch_norm("bn1", g.reshape(h, {-1, 128, 7, 7})));
  h = g.conv2d("conv1", g.upsample_nearest(h, 2), 64, {.kernel = 3, .padding = 1, .bias = false});
  h = g.relu(g.batch_norm("bn2", h));
  h = g.conv2d("conv2", g.upsample_nearest(h, 2), 1, {.kernel = 3, .padding = 1});
  return g.tanh(h);
}

Tensor discriminator(Net& d, Tensor x) {
  Tensor h = d.leaky_relu(d.conv2d("conv1", x, 64, {.kernel = 3, .padding = 1}));
  h = d.max_pool(h, {.kernel = 2, .stride = 2});
  h = d.conv2d("conv2", h, 128, {.kernel = 3, .padding = 1, .bias = false});
  h = d.avg_pool(d.leaky_relu(d.batch_norm("bn2", h)), {.kernel = 2, .stride = 2});
  return d.dense("fc", d.flatten(h), 1);
}

GanModel make() {
  return {"upgan28", "GAN with nearest upsampling and pooling, 28x28x1", 100, Shape{1, 28, 28},
          generator, discriminator};
}

}  // namespace

VKGAN_REGISTER_MODEL(make);

}  // namespace vkgan
