// The safetensors checkpoint format: an 8-byte little-endian header length N,
// N bytes of JSON naming each tensor's dtype, shape and data_offsets (from the
// start of the data section), then the raw little-endian data. We write F32
// only, and store a CRC-32 of the data section as metadata "vkgan.crc32".
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "engine/shape.hpp"

namespace vkgan {

struct NamedTensor {
  std::string name;
  Shape shape;
  std::vector<float> data;
};

// Lays the tensors out contiguously in the given order. `metadata` is stored
// in "__metadata__", with "vkgan.crc32" (lowercase hex) added or replaced.
// The header is padded with spaces to a multiple of 8 bytes.
std::string encode_safetensors(const std::vector<NamedTensor>& tensors,
                               std::map<std::string, std::string> metadata);

// Checks everything before trusting it: lengths, JSON, dtypes, that offsets
// tile the data section exactly, shapes against offsets, and the checksum when
// one is stored. Errors name `file_label` and the tensor or byte at fault.
// Tensors come back in data-offset order; `metadata` receives __metadata__.
std::vector<NamedTensor> decode_safetensors(std::string_view bytes, const std::string& file_label,
                                            std::map<std::string, std::string>* metadata = nullptr);

// encode_safetensors, then write_file_atomic.
void save_safetensors(const std::filesystem::path& file, const std::vector<NamedTensor>& tensors,
                      std::map<std::string, std::string> metadata);

// A whole file's bytes; errors name the file and the byte where reading failed.
std::string read_file_bytes(const std::filesystem::path& file);

std::vector<NamedTensor> load_safetensors(const std::filesystem::path& file,
                                          std::map<std::string, std::string>* metadata = nullptr);

}  // namespace vkgan
