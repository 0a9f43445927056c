// Training images in memory, as float32 NCHW scaled to [-1, 1], and the
// per-epoch order drawn from the seed.
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

#include "engine/shape.hpp"

namespace vkgan {

struct ImageSet {
  std::string source;
  Shape image;  // [C, H, W]
  int64_t count = 0;
  std::vector<float> pixels;  // count * C * H * W
  const float* at(int64_t i) const { return pixels.data() + i * image.elements(); }
};

// An IDX image file, or a folder holding train-images-idx3-ubyte(.gz).
// Bytes 0..255 map to [-1, 1]. At most `limit` images when limit > 0.
ImageSet load_idx_dataset(const std::filesystem::path& path, int64_t limit = 0);

// Where Debian's dataset-fashion-mnist package puts Fashion-MNIST.
std::filesystem::path default_fashion_mnist();

// The order of the images in `epoch` (a Fisher-Yates shuffle keyed by the
// seed and the epoch, the same on every platform).
std::vector<int64_t> epoch_order(int64_t count, uint64_t seed, int64_t epoch);

}  // namespace vkgan
