// Compute pipelines built from the embedded SPIR-V. A kernel is a shader plus
// its specialization constants (work-group size, tile shapes, code-path
// flags); each distinct one is built once per context. Every kernel takes its
// tensors at bindings 0..n-1 of set 0, as storage buffers or, where its
// `texel_bindings` mask says so, as R32_SFLOAT uniform texel buffers (read
// only), and its shapes in at most 128 bytes of push constants.
//
// Built pipelines go through a VkPipelineCache that is loaded from and saved
// to $XDG_CACHE_HOME/vkgan (else ~/.cache/vkgan), one file per device and
// driver, so a second start skips the driver's shader compilation.
#pragma once

#include <vulkan/vulkan.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace vkgan {

class Context;

std::span<const uint32_t> shader_spirv(std::string_view name);

inline constexpr uint32_t kMaxPushConstants = 128;

struct Kernel {
  std::string shader;
  uint32_t bindings = 0;
  uint32_t texel_bindings = 0;  // bit i: binding i is a uniform texel buffer
  uint32_t local_size[3] = {1, 1, 1};
  VkDescriptorSetLayout set_layout = VK_NULL_HANDLE;
  VkDescriptorSetLayout push_set_layout = VK_NULL_HANDLE;  // when push descriptors are on
  VkPipelineLayout layout = VK_NULL_HANDLE;
  VkPipeline pipeline = VK_NULL_HANDLE;
};

// The descriptor type of binding `i` under a texel-binding mask.
inline VkDescriptorType descriptor_type(uint32_t texel_bindings, uint32_t i) {
  return texel_bindings >> i & 1 ? VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER
                                 : VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
}

// Specialization constants: ids 0, 1, 2 are the work-group size; ids from 3
// are the shader's own (tile sizes, flags), named in the shader.
struct KernelSpec {
  std::string shader;
  uint32_t bindings;
  uint32_t local_size[3] = {64, 1, 1};
  std::vector<uint32_t> constants;  // values for ids 3, 4, ...
  uint32_t texel_bindings = 0;

  auto key() const {
    return std::tuple(shader, bindings, texel_bindings, local_size[0], local_size[1],
                      local_size[2], constants);
  }
};

class PipelineCache {
 public:
  explicit PipelineCache(Context& ctx);
  ~PipelineCache();

  const Kernel& get(const KernelSpec& spec);

  // Writes the cache file now (it is also written on destruction).
  void save();
  std::filesystem::path file() const { return file_; }
  size_t loaded_bytes() const { return loaded_bytes_; }
  size_t built() const { return kernels_.size(); }

 private:
  Context& ctx_;
  VkPipelineCache cache_ = VK_NULL_HANDLE;
  std::filesystem::path file_;
  size_t loaded_bytes_ = 0;
  std::map<decltype(std::declval<KernelSpec>().key()), std::unique_ptr<Kernel>> kernels_;
};

// The user's cache folder for vkgan.
std::filesystem::path cache_dir();

}  // namespace vkgan
