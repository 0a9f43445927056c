// Training checkpoints: every network's parameters (named as in the model,
// "gen.fc.w") and Adam moments ("adam_m/gen.fc.w", "adam_v/gen.fc.w") in one
// safetensors file, with the step, the seed and the device's step counters
// as metadata. Written atomically; verified (checksum, names, shapes) on load.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "engine/io/safetensors.hpp"
#include "engine/workspace.hpp"

namespace vkgan {

struct CheckpointInfo {
  std::string model;
  int64_t step = 0;
  uint64_t seed = 0;
  std::vector<uint32_t> counters;
  std::map<std::string, std::string> metadata;  // everything stored
};

void save_checkpoint(const std::filesystem::path& file, Workspace& ws, const CheckpointInfo& info);

// Checks a checkpoint's bytes (format, checksums, metadata, model) and
// returns its metadata and tensors; `label` names it in errors.
CheckpointInfo decode_checkpoint(std::string_view bytes, const std::string& label,
                                 const std::string& expect_model,
                                 std::vector<NamedTensor>* tensors);

// Loads into `ws` (whose networks must already exist). Throws Error naming
// the file and the first tensor that is missing or has another shape.
CheckpointInfo load_checkpoint(const std::filesystem::path& file, Workspace& ws,
                               const std::string& expect_model);

}  // namespace vkgan
