// The Vulkan instance, the chosen physical device, its logical device and
// one compute queue. Only core Vulkan 1.1 compute is required; optional
// features are probed here, each with a fallback, and any of them can be
// switched off with VKGAN_DISABLE=name,... (see `kOptionalFeatures`).
//
// With VKGAN_VALIDATE=1 the Khronos validation layer (with synchronization
// validation) is enabled and every message it sends is kept; tests fail on
// any of them.
#pragma once

#include <vulkan/vulkan.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace vkgan {

// Names accepted by VKGAN_DISABLE.
inline constexpr const char* kOptionalFeatures[] = {"push_descriptor", "pipeline_cache",
                                                    "timestamps", "texel_buffers"};

struct DeviceLimits {
  uint32_t max_work_group_count[3];
  uint32_t max_work_group_size[3];
  uint32_t max_work_group_invocations;
  uint32_t max_shared_memory;
  uint32_t max_push_constants;
  uint64_t max_storage_buffer_range;
  uint64_t min_storage_buffer_offset_alignment;
  uint64_t max_texel_buffer_elements;
  uint64_t min_texel_buffer_offset_alignment;
  uint64_t non_coherent_atom_size;
  uint64_t max_memory_allocation;
  uint32_t subgroup_size;
  float timestamp_period_ns;
  bool timestamps;
};

struct DeviceInfo {
  uint32_t index;
  std::string name;
  std::string type;  // "discrete", "integrated", "virtual", "cpu", "other"
  uint32_t vendor_id;
  uint32_t device_id;
  std::string driver;  // driver name and info, when the device reports them
  uint32_t driver_version;
  uint32_t api_version;
  DeviceLimits limits;
  std::vector<std::pair<uint64_t, bool>> heaps;  // size, device-local
  bool compute;  // has a queue family with compute, which vkgan needs
  bool push_descriptor;
  uint8_t pipeline_cache_uuid[VK_UUID_SIZE];
};

struct Features {
  bool push_descriptor = false;
  bool pipeline_cache = true;
  bool timestamps = false;
  // Kernels may read tensors as R32_SFLOAT uniform texel buffers; on lavapipe
  // a texel fetch of per-invocation addresses gathers the lanes without a
  // branch, where a storage-buffer load is a branchy loop over the lanes.
  bool texel_buffers = false;
};

struct ContextOptions {
  std::string device;  // index or name substring; empty: best available
  bool validate = false;
  // Extra alignment for sub-allocations, above what the device requires;
  // lets tests check that binding offsets are honoured.
  uint64_t min_alignment = 0;
};

// Reads VKGAN_VALIDATE and VKGAN_DEVICE from the environment.
ContextOptions options_from_env();

class Allocator;
class PipelineCache;

class Context {
 public:
  explicit Context(const ContextOptions& options = options_from_env());
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  VkInstance instance() const { return instance_; }
  VkPhysicalDevice physical() const { return physical_; }
  VkDevice device() const { return device_; }
  VkQueue queue() const { return queue_; }
  uint32_t queue_family() const { return queue_family_; }
  const DeviceInfo& info() const { return info_; }
  const DeviceLimits& limits() const { return info_.limits; }
  const Features& features() const { return features_; }
  uint64_t storage_alignment() const;

  Allocator& allocator() { return *allocator_; }
  PipelineCache& pipelines() { return *pipelines_; }

  // Validation messages received since the last call; empty when off.
  std::vector<std::string> take_validation_messages();
  bool validating() const { return messenger_ != VK_NULL_HANDLE; }

  PFN_vkCmdPushDescriptorSetKHR push_descriptor_fn = nullptr;

 private:
  friend VkBool32 VKAPI_CALL on_validation_message(VkDebugUtilsMessageSeverityFlagBitsEXT,
                                                   VkDebugUtilsMessageTypeFlagsEXT,
                                                   const VkDebugUtilsMessengerCallbackDataEXT*,
                                                   void*);
  void create_instance(bool validate);
  void create_device();

  VkInstance instance_ = VK_NULL_HANDLE;
  VkDebugUtilsMessengerEXT messenger_ = VK_NULL_HANDLE;
  VkPhysicalDevice physical_ = VK_NULL_HANDLE;
  VkDevice device_ = VK_NULL_HANDLE;
  VkQueue queue_ = VK_NULL_HANDLE;
  uint32_t queue_family_ = 0;
  DeviceInfo info_{};
  Features features_;
  ContextOptions options_;
  std::mutex messages_mutex_;
  std::vector<std::string> messages_;
  std::unique_ptr<Allocator> allocator_;
  std::unique_ptr<PipelineCache> pipelines_;
};

// Every physical device, in the loader's order (the index `--device` takes).
std::vector<DeviceInfo> list_devices();

// Fails, naming each device, when none of `devices` has a compute queue.
void require_compute(const std::vector<DeviceInfo>& devices);

// True when `name` is listed in VKGAN_DISABLE.
bool feature_disabled(const char* name);

}  // namespace vkgan
