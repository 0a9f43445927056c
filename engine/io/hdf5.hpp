// Image data sets in HDF5 files through the HDF5 C library: one float32 or
// float64 dataset of shape [N, H, W] or [N, C, H, W], read as float32 by
// ranges of images (hyperslabs), and written as chunked, compressed float32.
// HDF5's own error printing is off; its innermost reason goes into our Error.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "engine/shape.hpp"

namespace vkgan {

// One open dataset. Errors name the file and the key: a missing key lists
// the datasets the file holds; a non-float type, a rank other than 3 or 4,
// a file HDF5 cannot open give HDF5's reason in one line.
class Hdf5Images {
 public:
  Hdf5Images(const std::filesystem::path& file, const std::string& key);
  ~Hdf5Images();
  Hdf5Images(const Hdf5Images&) = delete;
  Hdf5Images& operator=(const Hdf5Images&) = delete;

  const std::filesystem::path& file() const { return file_; }
  const std::string& key() const { return key_; }
  const std::vector<int64_t>& dims() const { return dims_; }  // as stored
  int64_t count() const { return dims_[0]; }
  Shape image() const;  // [C, H, W], C = 1 for a rank-3 dataset
  const char* type_name() const { return double_ ? "float64" : "float32"; }
  bool chunked() const { return chunked_; }

  // Images [first, first + n) as float32, image after image, into dst.
  void read(int64_t first, int64_t n, float* dst) const;

 private:
  std::filesystem::path file_;
  std::string key_;
  std::vector<int64_t> dims_;
  bool double_ = false, chunked_ = false;
  int64_t file_id_ = -1, dataset_id_ = -1;
};

// Writes `dims` ([N, H, W] or [N, C, H, W]) float32 values as dataset `key`
// of a new HDF5 file, chunked by images, deflate and shuffle; through a
// temporary file in the same folder, flushed and renamed over `file` as
// write_file_atomic does (engine/io/atomic_file.hpp).
void write_hdf5_images(const std::filesystem::path& file, const std::string& key,
                       const std::vector<int64_t>& dims, const float* data);

// The names of the datasets in `file` (top level and in groups, as paths).
std::vector<std::string> hdf5_dataset_names(const std::filesystem::path& file);

}  // namespace vkgan
