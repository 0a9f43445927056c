// Tests for PNG output: the float-to-byte mapping at and beyond its edges,
// and image grids that must come back from libpng byte for byte.
#include "engine/io/png.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>

#include "engine/error.hpp"
#include "tests/support.hpp"

namespace vkgan {
namespace {

namespace fs = std::filesystem;

using test::error_of;

}  // namespace

TEST_CASE("pixel_byte maps [-1, 1] to png bytes 0..255, clamping, with NaN as 0") {
  constexpr float kInf = std::numeric_limits<float>::infinity();
  CHECK(pixel_byte(-1.0f) == 0);
  CHECK(pixel_byte(1.0f) == 255);
  CHECK(pixel_byte(0.0f) == 128);  // 127.5 rounds away from zero
  CHECK(pixel_byte(-0.5f) == 64);
  CHECK(pixel_byte(0.5f) == 191);
  CHECK(pixel_byte(-0.999f) == 0);
  CHECK(pixel_byte(-0.996f) == 1);
  CHECK(pixel_byte(0.999f) == 255);
  CHECK(pixel_byte(2.0f) == 255);
  CHECK(pixel_byte(-7.0f) == 0);
  CHECK(pixel_byte(kInf) == 255);
  CHECK(pixel_byte(-kInf) == 0);
  CHECK(pixel_byte(std::nanf("")) == 0);
  CHECK(pixel_byte(-std::nanf("")) == 0);
  CHECK(pixel_byte(std::numeric_limits<float>::max()) == 255);
  CHECK(pixel_byte(std::numeric_limits<float>::lowest()) == 0);
}

TEST_CASE("pixel_byte never decreases across the png value range") {
  int last = 0;
  for (int i = -3000; i <= 3000; ++i) {
    int b = pixel_byte(float(i) / 1000.0f);
    REQUIRE_MESSAGE(b >= last, "at v = ", float(i) / 1000.0f);
    last = b;
  }
  CHECK(last == 255);
}

TEST_CASE("write_image_grid_png lays 2 images of 3x3 in a padded grid that reads back exactly") {
  std::string dir = test::scratch_dir("png-grid");
  std::vector<float> images(18);
  for (int i = 0; i < 18; ++i) images[size_t(i)] = -1.0f + 2.0f * float(i + 1) / 18.0f;

  fs::path file = fs::path(dir) / "grid.png";
  write_image_grid_png(file, images.data(), 2, 3, 3, 2, 2);
  int w = 0, h = 0;
  std::vector<uint8_t> got = read_png_gray(file, &w, &h);
  CHECK(w == 2 * 3 + 3 * 2);
  CHECK(h == 3 + 2 * 2);

  // Tile i starts at column 2 + 5 * i, row 2; everything else is 0.
  std::vector<uint8_t> expected(size_t(w * h), 0);
  for (int i = 0; i < 2; ++i)
    for (int y = 0; y < 3; ++y)
      for (int x = 0; x < 3; ++x) {
        float v = images[size_t(9 * i + 3 * y + x)];
        expected[size_t((2 + y) * w + 2 + 5 * i + x)] = pixel_byte(v);
      }
  CHECK(got == expected);
}

TEST_CASE("write_image_grid_png keeps cols tiles a row and adds rows for the rest of the png") {
  std::string dir = test::scratch_dir("png-rows");
  std::vector<float> images(5 * 4 * 2, 1.0f);
  fs::path file = fs::path(dir) / "rows.png";
  write_image_grid_png(file, images.data(), 5, 4, 2, 3, 1);
  int w = 0, h = 0;
  std::vector<uint8_t> got = read_png_gray(file, &w, &h);
  CHECK(w == 3 * 2 + 4);
  CHECK(h == 2 * 4 + 3);
  size_t lit = std::count(got.begin(), got.end(), uint8_t(255));
  CHECK(lit == 5u * 4 * 2);
  CHECK(got[size_t((1 + 4 + 1) * w + 1 + 2 * 3)] == 0);  // the missing sixth tile
}

TEST_CASE("write_png_gray round-trips bytes and read_png_gray rejects a non-png file") {
  std::string dir = test::scratch_dir("png-gray");
  std::vector<uint8_t> pixels(7 * 5);
  for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = uint8_t(i * 7);
  fs::path file = fs::path(dir) / "g.png";
  write_png_gray(file, 7, 5, pixels);
  int w = 0, h = 0;
  CHECK(read_png_gray(file, &w, &h) == pixels);
  CHECK(w == 7);
  CHECK(h == 5);

  fs::path text = fs::path(dir) / "not.png";
  std::ofstream(text) << "hello, not a picture\n";
  std::string err = error_of([&] { read_png_gray(text, &w, &h); });
  CHECK(err.find(text.string() + ": cannot read PNG: libpng: ") == 0);
  CHECK(error_of([&] { read_png_gray(fs::path(dir) / "none.png", &w, &h); })
            .find("No such file") != std::string::npos);
}

}  // namespace vkgan
