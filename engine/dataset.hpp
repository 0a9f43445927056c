// Training images as float32 NCHW and the per-epoch order drawn from the
// seed. IDX images are scaled to [-1, 1] and held in memory. HDF5 images
// keep their physical values (up to an explicit Preprocess) and stay in
// memory up to a size; above it they are streamed: the epoch order shuffles
// blocks of contiguous images and the images within each block, and one
// block at a time is read (one hyperslab), so every image is read once an
// epoch and memory holds a block.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "engine/shape.hpp"

namespace vkgan {

class Hdf5Images;

// What is done to physics values before training, and undone on generated
// images before they are written or judged: y = scale * (log1p ? log(1 + x)
// : x).
struct Preprocess {
  double scale = 1.0;
  bool log1p = false;
  float forward(float x) const;
  float inverse(float y) const;
  bool identity() const { return scale == 1.0 && !log1p; }
};

struct ImageSet {
  std::string source;
  Shape image;  // [C, H, W]
  int64_t count = 0;
  std::vector<float> pixels;  // count * C * H * W; empty when streamed
  // Streamed sets: the open file, and how many images one block holds.
  std::shared_ptr<const Hdf5Images> file;
  int64_t block = 0;
  Preprocess preprocess;
  bool streamed() const { return file != nullptr; }
  const float* at(int64_t i) const { return pixels.data() + i * image.elements(); }
};

struct Hdf5Options {
  std::string key = "image";
  Preprocess preprocess;
  int64_t limit = 0;    // use at most this many images (0: all)
  int64_t holdout = 0;  // the last `holdout` images go to a separate set
  // Streamed when the float32 images would take more than this.
  uint64_t stream_above_bytes = uint64_t(1) << 30;
  int64_t block = 1024;  // images a streamed block holds
};

// The training images of an HDF5 file and, with holdout > 0, the held-out
// images (always in memory, never trained on). Errors name the file and key.
struct Hdf5Sets {
  ImageSet train, holdout;
  std::vector<int64_t> dims;  // the dataset's shape as stored
};
Hdf5Sets load_hdf5_dataset(const std::filesystem::path& path, const Hdf5Options& options);

// Whether `path` names an HDF5 file (by its extension: .h5, .hdf5, .he5).
bool is_hdf5_path(const std::filesystem::path& path);

// Copies the image at `position` of an epoch's order, in memory or from the
// current block of a streamed set; positions go up through an epoch.
class EpochFeed {
 public:
  EpochFeed(const ImageSet& set, uint64_t seed) : set_(set), seed_(seed) {}
  void copy(int64_t epoch, int64_t position, float* dst);

 private:
  void start_epoch(int64_t epoch);
  const ImageSet& set_;
  uint64_t seed_;
  int64_t epoch_ = -1;
  std::vector<int64_t> order_;                 // in memory: image order
  std::vector<int64_t> blocks_, block_start_;  // streamed: block order, positions
  int64_t loaded_ = -1;                        // streamed: the block in memory
  std::vector<int64_t> within_;
  std::vector<float> buffer_;
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
