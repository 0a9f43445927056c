// Hdf5Images and write_hdf5_images on the HDF5 C API. Every HDF5 call that
// can fail is checked; the error stack is walked for its innermost message
// (HDF5 prints nothing itself) and then cleared.
#include "engine/io/hdf5.hpp"

#include <hdf5.h>

#include <algorithm>

#include "engine/error.hpp"
#include "engine/io/atomic_file.hpp"

namespace vkgan {
namespace {

namespace fs = std::filesystem;

// Off in every entry point: the setting is per thread in thread-safe builds.
void quiet_hdf5() { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }

// The most specific message on HDF5's error stack, e.g. "file signature not
// found" or "truncated file: eof = 1000, ...".
std::string hdf5_reason() {
  std::string reason;
  H5Ewalk2(
      H5E_DEFAULT, H5E_WALK_UPWARD,
      [](unsigned n, const H5E_error2_t* e, void* out) -> herr_t {
        if (n == 0 && e->desc) *static_cast<std::string*>(out) = e->desc;
        return 0;
      },
      &reason);
  H5Eclear2(H5E_DEFAULT);
  return reason.empty() ? "unknown HDF5 error" : reason;
}

// Closes an HDF5 id with the matching H5?close when it goes out of scope.
struct Id {
  hid_t id = -1;
  herr_t (*close)(hid_t) = nullptr;
  Id(hid_t i, herr_t (*c)(hid_t)) : id(i), close(c) {}
  ~Id() {
    if (id >= 0) close(id);
  }
  Id(const Id&) = delete;
  operator hid_t() const { return id; }
};

hid_t open_file(const fs::path& file) {
  quiet_hdf5();
  if (!fs::exists(file)) fail("{}: no such file", file.string());
  hid_t f = H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (f < 0) fail("{}: cannot open as HDF5: {}", file.string(), hdf5_reason());
  return f;
}

std::vector<std::string> dataset_names(hid_t f) {
  std::vector<std::string> names;
  H5Lvisit(
      f, H5_INDEX_NAME, H5_ITER_INC,
      [](hid_t g, const char* name, const auto*, void* out) -> herr_t {
        hid_t o = H5Oopen(g, name, H5P_DEFAULT);
        if (o < 0) return 0;
        if (H5Iget_type(o) == H5I_DATASET)
          static_cast<std::vector<std::string>*>(out)->push_back(name);
        H5Oclose(o);
        return 0;
      },
      &names);
  H5Eclear2(H5E_DEFAULT);
  return names;
}

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const std::string& x : v) s += (s.empty() ? "" : ", ") + x;
  return s.empty() ? "none" : s;
}

std::string dims_str(const std::vector<int64_t>& d) {
  std::string s = "[";
  for (size_t i = 0; i < d.size(); ++i) s += (i ? "," : "") + std::to_string(d[i]);
  return s + "]";
}

}  // namespace

Hdf5Images::Hdf5Images(const fs::path& file, const std::string& key) : file_(file), key_(key) {
  file_id_ = open_file(file);
  std::string where = fmt::format("{}: dataset '{}'", file.string(), key);
  htri_t exists = key.empty() ? 0 : H5Lexists(file_id_, key.c_str(), H5P_DEFAULT);
  if (exists > 0) dataset_id_ = H5Dopen2(file_id_, key.c_str(), H5P_DEFAULT);
  if (dataset_id_ < 0) {
    H5Eclear2(H5E_DEFAULT);
    std::string names = joined(dataset_names(file_id_));
    H5Fclose(file_id_);
    fail("{}: no dataset '{}'; the file holds: {}", file.string(), key, names);
  }
  auto fail_here = [&](const std::string& why) {
    H5Dclose(dataset_id_);
    H5Fclose(file_id_);
    throw Error(where + ": " + why);
  };

  Id type(H5Dget_type(dataset_id_), H5Tclose);
  size_t size = H5Tget_size(type);
  if (H5Tget_class(type) != H5T_FLOAT || (size != 4 && size != 8))
    fail_here(fmt::format("expected float32 or float64 values, got {} of {} bytes",
                          H5Tget_class(type) == H5T_INTEGER ? "integers" : "a non-float type",
                          size));
  double_ = size == 8;

  Id space(H5Dget_space(dataset_id_), H5Sclose);
  int rank = H5Sget_simple_extent_ndims(space);
  hsize_t d[H5S_MAX_RANK];
  H5Sget_simple_extent_dims(space, d, nullptr);
  for (int i = 0; i < rank; ++i) dims_.push_back(int64_t(d[i]));
  if (rank != 3 && rank != 4)
    fail_here(fmt::format("images are [N,H,W] or [N,C,H,W], got shape {}", dims_str(dims_)));
  if (dims_[0] < 1) fail_here("holds no images (shape " + dims_str(dims_) + ")");
  // Epoch orders are built over the images (or blocks of them); a count
  // past this is a damaged or mistaken header, not a data set.
  if (dims_[0] > int64_t(1) << 31)
    fail_here(fmt::format("claims {} images (shape {}); at most 2^31 are read from one dataset",
                          dims_[0], dims_str(dims_)));

  Id plist(H5Dget_create_plist(dataset_id_), H5Pclose);
  chunked_ = H5Pget_layout(plist) == H5D_CHUNKED;
}

Hdf5Images::~Hdf5Images() {
  if (dataset_id_ >= 0) H5Dclose(dataset_id_);
  if (file_id_ >= 0) H5Fclose(file_id_);
}

Shape Hdf5Images::image() const {
  if (dims_.size() == 3) return Shape{1, dims_[1], dims_[2]};
  return Shape{dims_[1], dims_[2], dims_[3]};
}

void Hdf5Images::read(int64_t first, int64_t n, float* dst) const {
  quiet_hdf5();
  VKGAN_ASSERT(first >= 0 && n >= 0 && first + n <= count(), "images {}+{} of {}", first, n,
               count());
  if (n == 0) return;
  std::vector<hsize_t> start(dims_.size(), 0), extent(dims_.begin(), dims_.end());
  start[0] = hsize_t(first);
  extent[0] = hsize_t(n);
  Id file_space(H5Dget_space(dataset_id_), H5Sclose);
  Id mem_space(H5Screate_simple(int(extent.size()), extent.data(), nullptr), H5Sclose);
  // Decompression failures (a damaged chunk) show here, not at open.
  if (H5Sselect_hyperslab(file_space, H5S_SELECT_SET, start.data(), nullptr, extent.data(),
                          nullptr) < 0 ||
      H5Dread(dataset_id_, H5T_NATIVE_FLOAT, mem_space, file_space, H5P_DEFAULT, dst) < 0)
    fail("{}: dataset '{}': cannot read images {}..{}: {}", file_.string(), key_, first,
         first + n - 1, hdf5_reason());
}

std::vector<std::string> hdf5_dataset_names(const fs::path& file) {
  Id f(open_file(file), H5Fclose);
  return dataset_names(f);
}

void write_hdf5_images(const fs::path& file, const std::string& key,
                       const std::vector<int64_t>& dims, const float* data) {
  quiet_hdf5();
  VKGAN_ASSERT(dims.size() == 3 || dims.size() == 4, "rank {}", dims.size());
  fs::path tmp = temporary_path(file);
  auto fail_write = [&](const char* doing) {
    std::string why = hdf5_reason();
    std::error_code ec;
    fs::remove(tmp, ec);
    fail("{}: cannot {}: {}", file.string(), doing, why);
  };
  {
    Id f(H5Fcreate(tmp.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose);
    if (f < 0) fail_write("create the file");
    std::vector<hsize_t> extent(dims.begin(), dims.end()), chunk = extent;
    // About 1 MiB a chunk, whole images, so a reader decompresses little
    // more than the range it asks for.
    hsize_t per_image = 1;
    for (size_t i = 1; i < dims.size(); ++i) per_image *= hsize_t(dims[i]);
    chunk[0] = std::clamp<hsize_t>((1 << 18) / std::max<hsize_t>(per_image, 1), 1, extent[0]);
    Id space(H5Screate_simple(int(extent.size()), extent.data(), nullptr), H5Sclose);
    Id plist(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
    if (H5Pset_chunk(plist, int(chunk.size()), chunk.data()) < 0 || H5Pset_shuffle(plist) < 0 ||
        H5Pset_deflate(plist, 4) < 0)
      fail_write("set chunking and compression");
    // A key like "jets/image" creates its groups.
    Id links(H5Pcreate(H5P_LINK_CREATE), H5Pclose);
    H5Pset_create_intermediate_group(links, 1);
    Id ds(H5Dcreate2(f, key.c_str(), H5T_IEEE_F32LE, space, links, plist, H5P_DEFAULT), H5Dclose);
    if (ds < 0) fail_write(fmt::format("create dataset '{}'", key).c_str());
    if (H5Dwrite(ds, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0)
      fail_write("write the images");
    // Closing reports no error: a full disk shows here.
    if (H5Fflush(f, H5F_SCOPE_GLOBAL) < 0) fail_write("flush the file");
  }
  commit_temporary(tmp, file);
}

}  // namespace vkgan
