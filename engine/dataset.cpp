// IDX data sets and epoch shuffles.
#include "engine/dataset.hpp"

#include <numeric>

#include "engine/error.hpp"
#include "engine/io/idx.hpp"

namespace vkgan {
namespace {

uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

std::filesystem::path images_file(const std::filesystem::path& path) {
  if (!std::filesystem::is_directory(path)) return path;
  for (const char* name : {"train-images-idx3-ubyte.gz", "train-images-idx3-ubyte"})
    if (std::filesystem::exists(path / name)) return path / name;
  fail("{}: no train-images-idx3-ubyte(.gz) in this folder", path.string());
}

}  // namespace

std::filesystem::path default_fashion_mnist() { return "/usr/share/datasets/fashion-mnist"; }

ImageSet load_idx_dataset(const std::filesystem::path& path, int64_t limit) {
  if (!std::filesystem::exists(path))
    fail("{}: no such file or folder{}", path.string(),
         path == default_fashion_mnist() ? "; hint: apt-get install dataset-fashion-mnist" : "");
  std::filesystem::path file = images_file(path);
  IdxImages idx = read_idx_images(file, uint64_t(std::max<int64_t>(limit, 0)));
  ImageSet set;
  set.source = file.string();
  set.image = Shape{1, int64_t(idx.rows), int64_t(idx.cols)};
  set.count = limit > 0 ? std::min<int64_t>(limit, idx.count) : int64_t(idx.count);
  size_t n = size_t(set.count) * idx.rows * idx.cols;
  set.pixels.resize(n);
  for (size_t i = 0; i < n; ++i) set.pixels[i] = float(idx.pixels[i]) / 127.5f - 1.0f;
  return set;
}

std::vector<int64_t> epoch_order(int64_t count, uint64_t seed, int64_t epoch) {
  std::vector<int64_t> order(static_cast<size_t>(count));
  std::iota(order.begin(), order.end(), 0);
  uint64_t state = seed * 0x100000001B3ull ^ uint64_t(epoch);
  for (int64_t i = count - 1; i > 0; --i) {
    int64_t j = int64_t(splitmix64(state) % uint64_t(i + 1));
    std::swap(order[size_t(i)], order[size_t(j)]);
  }
  return order;
}

}  // namespace vkgan
