// PNG output for generated samples: 8-bit grayscale files and image grids
// built from float images in [-1, 1] (the generator's tanh range). Files are
// replaced atomically; libpng failures become vkgan::Error.
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

namespace vkgan {

// Maps [-1, 1] to 0..255 as round((v + 1) * 127.5). Values outside the range
// clamp to its ends and NaN maps to 0, so no input can wrap around.
uint8_t pixel_byte(float v);

// Maps physics values that span decades onto [-1, 1] for display: log10(v)
// over the four decades below 1 (1e-4 black, 1 white); zero and below black.
void log_display(float* values, size_t n);

// Writes width x height row-major gray bytes as an 8-bit grayscale PNG.
void write_png_gray(const std::filesystem::path& file, int width, int height,
                    const std::vector<uint8_t>& pixels);

// Lays out n single-channel h x w images (image after image, row-major) in a
// grid of `cols` columns and ceil(n / cols) rows, with `pad` pixels of value
// 0 between and around the tiles, and writes it as a grayscale PNG. The grid
// is always `cols` tiles wide, even when n < cols.
void write_image_grid_png(const std::filesystem::path& file, const float* images, int n, int h,
                          int w, int cols, int pad = 2);

// Decodes any PNG to 8-bit gray, row-major; for tests and tools.
std::vector<uint8_t> read_png_gray(const std::filesystem::path& file, int* width, int* height);

// Decodes any PNG to 8-bit RGBA, 4 bytes a pixel, row-major.
std::vector<uint8_t> read_png_rgba(const std::filesystem::path& file, int* width, int* height);

}  // namespace vkgan
