// Tests for the HDF5 image reader and writer on small files written here
// with the HDF5 API (both ranks, both float types, chunked and compressed or
// not), each error it must name, preprocessing, and streamed epochs.
#include "engine/io/hdf5.hpp"

#include <doctest/doctest.h>
#include <hdf5.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "engine/dataset.hpp"
#include "tests/support.hpp"

namespace vkgan {
namespace {

namespace fs = std::filesystem;
using test::error_of;

// Pixel k of image i holds i + k / 1000, so every value says where it is.
double value_at(int64_t i, int64_t k) { return double(i) + double(k) / 1000.0; }

// Writes dataset `key` of shape `dims` with HDF5 type `type` (values from
// value_at, converted by HDF5), chunked and deflate+shuffle when `compress`.
void write_file(const fs::path& file, const std::string& key, const std::vector<hsize_t>& dims,
                hid_t type, bool compress) {
  hsize_t per = 1;
  for (size_t i = 1; i < dims.size(); ++i) per *= dims[i];
  std::vector<double> data;
  for (hsize_t i = 0; i < dims[0]; ++i)
    for (hsize_t k = 0; k < per; ++k) data.push_back(value_at(int64_t(i), int64_t(k)));
  hid_t f = H5Fcreate(file.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  REQUIRE(f >= 0);
  hid_t space = H5Screate_simple(int(dims.size()), dims.data(), nullptr);
  hid_t plist = H5Pcreate(H5P_DATASET_CREATE);
  if (compress) {
    std::vector<hsize_t> chunk = dims;
    chunk[0] = 2;
    H5Pset_chunk(plist, int(chunk.size()), chunk.data());
    H5Pset_shuffle(plist);
    H5Pset_deflate(plist, 6);
  }
  hid_t links = H5Pcreate(H5P_LINK_CREATE);
  H5Pset_create_intermediate_group(links, 1);
  hid_t ds = H5Dcreate2(f, key.c_str(), type, space, links, plist, H5P_DEFAULT);
  H5Pclose(links);
  REQUIRE(ds >= 0);
  if (H5Tget_class(type) == H5T_FLOAT)
    H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data());
  H5Dclose(ds);
  H5Pclose(plist);
  H5Sclose(space);
  H5Fclose(f);
}

TEST_CASE("hdf5 images read back in both ranks, both float types, compressed or not") {
  std::string dir = test::scratch_dir("hdf5-read");
  struct Case {
    std::vector<hsize_t> dims;
    hid_t type;
    bool compress;
  };
  for (const Case& c :
       {Case{{5, 3, 4}, H5T_IEEE_F32LE, false}, Case{{5, 3, 4}, H5T_IEEE_F64LE, true},
        Case{{5, 2, 3, 4}, H5T_IEEE_F64LE, false}, Case{{5, 2, 3, 4}, H5T_IEEE_F32BE, true}}) {
    fs::path file = fs::path(dir) / "x.h5";
    write_file(file, "jets/image", c.dims, c.type, c.compress);
    Hdf5Images h(file, "jets/image");
    INFO("rank " << c.dims.size() << " compressed " << c.compress << " " << h.type_name());
    CHECK(h.count() == 5);
    CHECK(h.chunked() == c.compress);
    Shape want = c.dims.size() == 3 ? Shape{1, 3, 4} : Shape{2, 3, 4};
    CHECK(h.image() == want);
    std::vector<float> got(size_t(2 * want.elements()));
    h.read(2, 2, got.data());
    for (int64_t i = 0; i < 2; ++i)
      for (int64_t k = 0; k < want.elements(); ++k)
        CHECK(got[size_t(i * want.elements() + k)] == doctest::Approx(value_at(2 + i, k)));
  }
}

TEST_CASE("hdf5 files are known by their extension in any case") {
  for (const char* name : {"a.h5", "b.H5", "c.hdf5", "d.HDF5", "e.he5"}) CHECK(is_hdf5_path(name));
  for (const char* name : {"a.png", "b.h5.png", "h5", "c.h55"}) CHECK_FALSE(is_hdf5_path(name));
}

TEST_CASE("hdf5 errors name the file and the key, in one line") {
  std::string dir = test::scratch_dir("hdf5-errors");
  fs::path file = fs::path(dir) / "x.h5";
  write_file(file, "image", {4, 3, 3}, H5T_IEEE_F32LE, false);
  std::string e = error_of([&] { Hdf5Images(file, "images"); });
  CHECK(e.find("x.h5: no dataset 'images'; the file holds: image") != std::string::npos);

  write_file(file, "flat", {4, 9}, H5T_IEEE_F32LE, false);
  e = error_of([&] { Hdf5Images(file, "flat"); });
  CHECK(e.find("dataset 'flat': images are [N,H,W] or [N,C,H,W], got shape [4,9]") !=
        std::string::npos);

  write_file(file, "counts", {4, 3, 3}, H5T_STD_I32LE, false);
  e = error_of([&] { Hdf5Images(file, "counts"); });
  CHECK(e.find("dataset 'counts': expected float32 or float64 values, got integers of 4 bytes") !=
        std::string::npos);

  std::ofstream(fs::path(dir) / "text.h5") << "not an HDF5 file at all";
  e = error_of([&] { Hdf5Images(fs::path(dir) / "text.h5", "image"); });
  CHECK(e.find("text.h5: cannot open as HDF5: ") != std::string::npos);
  CHECK(e.find('\n') == std::string::npos);

  write_file(file, "image", {40, 9, 9}, H5T_IEEE_F32LE, false);
  fs::resize_file(file, fs::file_size(file) / 2);
  e = error_of([&] { Hdf5Images(file, "image"); });
  INFO(e);
  CHECK(e.find("x.h5: cannot open as HDF5: truncated file") != std::string::npos);

  e = error_of([&] { Hdf5Images(fs::path(dir) / "none.h5", "image"); });
  CHECK(e.find("none.h5: no such file") != std::string::npos);
}

TEST_CASE("an hdf5 dataset claiming more than 2^31 images is refused, not allocated for") {
  std::string dir = test::scratch_dir("hdf5-huge");
  fs::path file = fs::path(dir) / "huge.h5";
  // Chunked and never written: the file is small whatever the shape says.
  std::vector<hsize_t> dims{hsize_t(1) << 40, 33, 33}, chunk{1024, 33, 33};
  hid_t f = H5Fcreate(file.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  hid_t space = H5Screate_simple(3, dims.data(), nullptr);
  hid_t plist = H5Pcreate(H5P_DATASET_CREATE);
  H5Pset_chunk(plist, 3, chunk.data());
  hid_t ds = H5Dcreate2(f, "image", H5T_IEEE_F32LE, space, H5P_DEFAULT, plist, H5P_DEFAULT);
  REQUIRE(ds >= 0);
  H5Dclose(ds);
  H5Pclose(plist);
  H5Sclose(space);
  H5Fclose(f);
  std::string e = error_of([&] { Hdf5Images(file, "image"); });
  CHECK(e.find("claims 1099511627776 images (shape [1099511627776,33,33]); at most 2^31") !=
        std::string::npos);
}

TEST_CASE("hdf5 images written by vkgan read back, under the key, atomically") {
  std::string dir = test::scratch_dir("hdf5-write");
  fs::path file = fs::path(dir) / "gen.h5";
  std::vector<float> data(3 * 2 * 5);
  for (size_t i = 0; i < data.size(); ++i) data[i] = float(i) * 0.5f;
  write_hdf5_images(file, "image", {3, 2, 5}, data.data());
  CHECK(hdf5_dataset_names(file) == std::vector<std::string>{"image"});
  Hdf5Images h(file, "image");
  CHECK(h.dims() == std::vector<int64_t>{3, 2, 5});
  CHECK(h.chunked());
  std::vector<float> got(data.size());
  h.read(0, 3, got.data());
  CHECK(got == data);
  for (const auto& e : fs::directory_iterator(dir))
    CHECK(e.path().filename().string().find(".tmp.") == std::string::npos);
}

TEST_CASE("hdf5 images are flushed to disk, file and folder, before they replace a file") {
  std::string dir = test::scratch_dir("hdf5-flush");
  fs::path file = fs::path(dir) / "gen.h5";
  std::vector<float> data(2 * 3 * 3, 0.25f);
  test::take_synced_paths();
  write_hdf5_images(file, "image", {2, 3, 3}, data.data());
  std::vector<std::string> synced = test::take_synced_paths();
  INFO("fsync'd: " << fmt::format("{}", fmt::join(synced, ", ")));
  // The temporary file before its rename, then the folder after it.
  auto tmp = std::find_if(synced.begin(), synced.end(), [&](const std::string& p) {
    return p.rfind(file.string() + ".tmp.", 0) == 0;
  });
  CHECK(tmp != synced.end());
  CHECK(std::find(tmp, synced.end(), dir) != synced.end());
}

TEST_CASE("hdf5 data sets keep physics values, preprocess them, and hold images out") {
  std::string dir = test::scratch_dir("hdf5-set");
  fs::path file = fs::path(dir) / "x.h5";
  write_file(file, "image", {10, 2, 2}, H5T_IEEE_F32LE, true);
  Hdf5Options o;
  o.holdout = 3;
  o.preprocess = {2.0, true};
  Hdf5Sets s = load_hdf5_dataset(file, o);
  CHECK(s.train.count == 7);
  CHECK(s.holdout.count == 3);
  CHECK(s.train.at(1)[3] == doctest::Approx(2.0 * std::log1p(value_at(1, 3))));
  CHECK(o.preprocess.inverse(s.train.at(1)[3]) == doctest::Approx(value_at(1, 3)));
  // Held-out images are the file's last, raw.
  CHECK(s.holdout.at(0)[1] == doctest::Approx(value_at(7, 1)));
  o.holdout = 10;
  std::string e = error_of([&] { load_hdf5_dataset(file, o); });
  CHECK(e.find("--holdout 10 leaves no training images of 10") != std::string::npos);
}

TEST_CASE("a streamed hdf5 data set gives every image once an epoch, as in memory") {
  std::string dir = test::scratch_dir("hdf5-stream");
  fs::path file = fs::path(dir) / "x.h5";
  write_file(file, "image", {23, 1, 2}, H5T_IEEE_F64LE, true);
  Hdf5Options o;
  o.stream_above_bytes = 0;
  o.block = 5;
  o.preprocess.scale = 10;
  ImageSet streamed = load_hdf5_dataset(file, o).train;
  REQUIRE(streamed.streamed());
  EpochFeed feed(streamed, 7);
  for (int64_t epoch = 0; epoch < 2; ++epoch) {
    std::multiset<int64_t> seen;
    std::vector<int64_t> order;
    for (int64_t p = 0; p < 23; ++p) {
      float px[2];
      feed.copy(epoch, p, px);
      CHECK(px[1] == doctest::Approx(10 * value_at(int64_t(px[0] / 10 + 0.5), 1)));
      seen.insert(int64_t(px[0] / 10 + 0.5));
      order.push_back(int64_t(px[0] / 10 + 0.5));
    }
    CHECK(seen.size() == 23);
    CHECK(std::set<int64_t>(seen.begin(), seen.end()).size() == 23);
    CHECK(!std::is_sorted(order.begin(), order.end()));
  }
}

}  // namespace
}  // namespace vkgan
