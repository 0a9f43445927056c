// IDX and HDF5 data sets, preprocessing, and epoch shuffles.
#include "engine/dataset.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <numeric>

#include "engine/error.hpp"
#include "engine/io/hdf5.hpp"
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

float Preprocess::forward(float x) const {
  return float(scale * (log1p ? std::log1p(double(x)) : double(x)));
}

float Preprocess::inverse(float y) const {
  double v = double(y) / scale;
  return float(log1p ? std::expm1(v) : v);
}

bool is_hdf5_path(const std::filesystem::path& path) {
  std::string e = path.extension().string();
  for (char& c : e) c = char(std::tolower(static_cast<unsigned char>(c)));
  return e == ".h5" || e == ".hdf5" || e == ".he5";
}

// Training data must be finite after preprocessing, or the first loss would
// be blamed on a network node; `first` is the index of pixels[0]'s image.
void check_finite(const std::vector<float>& pixels, int64_t per, int64_t first,
                  const std::string& source, const Preprocess& p) {
  for (size_t k = 0; k < pixels.size(); ++k)
    if (!std::isfinite(pixels[k]))
      fail("{}: image {} holds a non-finite value ({}) at element {}{}", source,
           first + int64_t(k) / per, pixels[k], int64_t(k) % per,
           p.identity() ? "" : " after --scale/--log1p");
}

Hdf5Sets load_hdf5_dataset(const std::filesystem::path& path, const Hdf5Options& o) {
  auto file = std::make_shared<Hdf5Images>(path, o.key);
  int64_t total = o.limit > 0 ? std::min(o.limit, file->count()) : file->count();
  if (o.holdout < 0 || o.holdout >= total)
    fail("{}: dataset '{}': --holdout {} leaves no training images of {}", path.string(), o.key,
         o.holdout, total);
  Hdf5Sets sets;
  sets.dims = file->dims();
  for (ImageSet* s : {&sets.train, &sets.holdout}) {
    s->source = path.string() + ":" + o.key;
    s->image = file->image();
    s->preprocess = o.preprocess;
  }
  int64_t per = file->image().elements();
  sets.train.count = total - o.holdout;
  sets.holdout.count = o.holdout;

  // Held-out images stay raw: they are judged against inverted samples.
  sets.holdout.pixels.resize(size_t(o.holdout * per));
  file->read(total - o.holdout, o.holdout, sets.holdout.pixels.data());
  if (uint64_t(sets.train.count * per) * sizeof(float) > o.stream_above_bytes) {
    sets.train.file = file;
    sets.train.block = std::max<int64_t>(1, o.block);
    return sets;
  }
  sets.train.pixels.resize(size_t(sets.train.count * per));
  file->read(0, sets.train.count, sets.train.pixels.data());
  if (!o.preprocess.identity())
    for (float& v : sets.train.pixels) v = o.preprocess.forward(v);
  check_finite(sets.train.pixels, per, 0, sets.train.source, o.preprocess);
  return sets;
}

void EpochFeed::start_epoch(int64_t epoch) {
  epoch_ = epoch;
  if (!set_.streamed()) {
    order_ = epoch_order(set_.count, seed_, epoch);
    return;
  }
  int64_t n = (set_.count + set_.block - 1) / set_.block;
  blocks_ = epoch_order(n, seed_, epoch);
  block_start_.assign(1, 0);
  for (int64_t b : blocks_)
    block_start_.push_back(block_start_.back() + std::min(set_.block, set_.count - b * set_.block));
  loaded_ = -1;
}

void EpochFeed::copy(int64_t epoch, int64_t position, float* dst) {
  if (epoch != epoch_) start_epoch(epoch);
  int64_t per = set_.image.elements();
  if (!set_.streamed()) {
    std::copy_n(set_.at(order_[size_t(position)]), per, dst);
    return;
  }
  size_t k = size_t(std::upper_bound(block_start_.begin(), block_start_.end(), position) -
                    block_start_.begin() - 1);
  if (int64_t(k) != loaded_) {
    int64_t first = blocks_[k] * set_.block, n = block_start_[k + 1] - block_start_[k];
    buffer_.resize(size_t(n * per));
    set_.file->read(first, n, buffer_.data());
    if (!set_.preprocess.identity())
      for (float& v : buffer_) v = set_.preprocess.forward(v);
    check_finite(buffer_, per, first, set_.source, set_.preprocess);
    // Each block gets its own shuffle, keyed by the block too.
    within_ = epoch_order(n, seed_ ^ (uint64_t(blocks_[k] + 1) * 0x9E3779B97F4A7C15ull), epoch);
    loaded_ = int64_t(k);
  }
  std::copy_n(buffer_.data() + within_[size_t(position - block_start_[k])] * per, per, dst);
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
