// PNG through libpng's simplified API (png_image): it reports failures in
// image.message rather than longjmp-ing across C++ frames, so no setjmp is
// needed. Encoding goes to memory, then write_file_atomic puts it on disk.
#include "engine/io/png.hpp"

#include <png.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "engine/error.hpp"
#include "engine/io/atomic_file.hpp"

namespace vkgan {
namespace {

// libpng reads at most a million pixels a side by default; staying under it
// keeps every file we write readable. The pixel cap bounds the buffer.
constexpr int64_t kMaxSide = 1000000;
constexpr int64_t kMaxPixels = int64_t(1) << 30;

png_image new_image(int width, int height, uint32_t format) {
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  image.width = png_uint_32(width);
  image.height = png_uint_32(height);
  image.format = format;
  return image;
}

[[noreturn]] void png_failed(const std::filesystem::path& file, const char* doing,
                             png_image& image) {
  std::string message = image.message;
  png_image_free(&image);
  fail("{}: {}: libpng: {}", file.string(), doing, message);
}

std::string encode_png(const std::filesystem::path& file, png_image image,
                       const uint8_t* pixels) {
  // The first call measures the encoded size, the second writes it.
  png_alloc_size_t size = 0;
  if (!png_image_write_to_memory(&image, nullptr, &size, 0, pixels, 0, nullptr))
    png_failed(file, "cannot encode PNG", image);
  std::string bytes(size, '\0');
  if (!png_image_write_to_memory(&image, bytes.data(), &size, 0, pixels, 0, nullptr))
    png_failed(file, "cannot encode PNG", image);
  bytes.resize(size);
  return bytes;
}

std::vector<uint8_t> decode_png(const std::filesystem::path& file, uint32_t format, int* width,
                                int* height) {
  png_image image = new_image(0, 0, 0);
  if (!png_image_begin_read_from_file(&image, file.c_str()))
    png_failed(file, "cannot read PNG", image);
  if (int64_t(image.width) * image.height > kMaxPixels)
    fail("{}: PNG of {}x{} pixels is larger than the {} pixels we decode", file.string(),
         image.width, image.height, kMaxPixels);

  image.format = format;
  std::vector<uint8_t> pixels(PNG_IMAGE_SIZE(image));
  if (!png_image_finish_read(&image, nullptr, pixels.data(), 0, nullptr))
    png_failed(file, "cannot decode PNG", image);
  *width = int(image.width);
  *height = int(image.height);
  png_image_free(&image);
  return pixels;
}

// Copies image `i` into its tile of the grid.
void place_tile(std::vector<uint8_t>& grid, int64_t grid_w, const float* image, int i, int h,
                int w, int cols, int pad) {
  int64_t x0 = pad + int64_t(i % cols) * (w + pad);
  int64_t y0 = pad + int64_t(i / cols) * (h + pad);
  for (int y = 0; y < h; ++y) {
    uint8_t* row = &grid[size_t((y0 + y) * grid_w + x0)];
    for (int x = 0; x < w; ++x) row[x] = pixel_byte(image[int64_t(y) * w + x]);
  }
}

}  // namespace

uint8_t pixel_byte(float v) {
  // NaN fails every comparison, so the first test sends it to 0. The scaling
  // is done in double so float rounding cannot nudge a value across a .5.
  if (!(v > -1.0f)) return 0;
  if (v >= 1.0f) return 255;
  return uint8_t(std::lround((double(v) + 1.0) * 127.5));
}

void log_display(float* values, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    float v = values[i];
    values[i] = v > 0 ? std::clamp((std::log10(v) + 4.0f) / 2.0f - 1.0f, -1.0f, 1.0f) : -1.0f;
  }
}

void write_png_gray(const std::filesystem::path& file, int width, int height,
                    const std::vector<uint8_t>& pixels) {
  VKGAN_ASSERT(width > 0 && height > 0 && pixels.size() == size_t(width) * size_t(height),
               "{}x{} image given {} pixels", width, height, pixels.size());
  png_image image = new_image(width, height, PNG_FORMAT_GRAY);
  write_file_atomic(file, encode_png(file, image, pixels.data()));
}

void write_image_grid_png(const std::filesystem::path& file, const float* images, int n, int h,
                          int w, int cols, int pad) {
  VKGAN_ASSERT(images && n > 0 && h > 0 && w > 0 && cols > 0 && pad >= 0,
               "grid of {} images of {}x{} in {} columns with pad {}", n, h, w, cols, pad);
  int64_t rows = (int64_t(n) + cols - 1) / cols;
  int64_t grid_w = int64_t(cols) * (int64_t(w) + pad) + pad;
  int64_t grid_h = rows * (int64_t(h) + pad) + pad;
  if (grid_w > kMaxSide || grid_h > kMaxSide || grid_w * grid_h > kMaxPixels)
    fail("{}: a grid of {} images of {}x{} in {} columns would be {}x{} pixels, over the limit "
         "of {} a side and {} in all", file.string(), n, h, w, cols, grid_w, grid_h, kMaxSide,
         kMaxPixels);

  std::vector<uint8_t> grid(size_t(grid_w * grid_h), 0);
  for (int i = 0; i < n; ++i)
    place_tile(grid, grid_w, images + int64_t(i) * h * w, i, h, w, cols, pad);
  write_png_gray(file, int(grid_w), int(grid_h), grid);
}

std::vector<uint8_t> read_png_gray(const std::filesystem::path& file, int* width, int* height) {
  return decode_png(file, PNG_FORMAT_GRAY, width, height);
}

std::vector<uint8_t> read_png_rgba(const std::filesystem::path& file, int* width, int* height) {
  return decode_png(file, PNG_FORMAT_RGBA, width, height);
}

}  // namespace vkgan
