// Reader for the IDX files of MNIST and Fashion-MNIST (unsigned-byte images
// and labels), raw or gzip-compressed; gzip is told by its magic bytes, not
// by the file name. Every malformed file is a vkgan::Error naming the file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

namespace vkgan {

// `count` images of rows x cols pixels, row-major, image after image.
struct IdxImages {
  uint32_t count = 0, rows = 0, cols = 0;
  std::vector<uint8_t> pixels;
};

// Reads an idx3-ubyte file (magic 0x00000803). Sizes in the header are
// checked against the data before anything is allocated from them. With
// `limit` > 0 only the first `limit` images are read (and the file past
// them is neither read nor checked).
IdxImages read_idx_images(const std::filesystem::path& file, uint64_t limit = 0);

// Reads an idx1-ubyte file (magic 0x00000801): one byte per label.
std::vector<uint8_t> read_idx_labels(const std::filesystem::path& file);

}  // namespace vkgan
