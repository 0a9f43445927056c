// Names of VkResult codes, and the failure path of VK_CHECK.
#include "engine/error.hpp"

#include <mutex>
#include <string_view>

namespace vkgan {

const char* vk_result_name(VkResult r) {
  switch (r) {
#define VKGAN_CASE(x) \
  case x:             \
    return #x;
    VKGAN_CASE(VK_SUCCESS)
    VKGAN_CASE(VK_NOT_READY)
    VKGAN_CASE(VK_TIMEOUT)
    VKGAN_CASE(VK_INCOMPLETE)
    VKGAN_CASE(VK_ERROR_OUT_OF_HOST_MEMORY)
    VKGAN_CASE(VK_ERROR_OUT_OF_DEVICE_MEMORY)
    VKGAN_CASE(VK_ERROR_INITIALIZATION_FAILED)
    VKGAN_CASE(VK_ERROR_DEVICE_LOST)
    VKGAN_CASE(VK_ERROR_MEMORY_MAP_FAILED)
    VKGAN_CASE(VK_ERROR_LAYER_NOT_PRESENT)
    VKGAN_CASE(VK_ERROR_EXTENSION_NOT_PRESENT)
    VKGAN_CASE(VK_ERROR_FEATURE_NOT_PRESENT)
    VKGAN_CASE(VK_ERROR_INCOMPATIBLE_DRIVER)
    VKGAN_CASE(VK_ERROR_TOO_MANY_OBJECTS)
    VKGAN_CASE(VK_ERROR_FORMAT_NOT_SUPPORTED)
    VKGAN_CASE(VK_ERROR_FRAGMENTED_POOL)
    VKGAN_CASE(VK_ERROR_OUT_OF_POOL_MEMORY)
    VKGAN_CASE(VK_ERROR_UNKNOWN)
#undef VKGAN_CASE
    default:
      return "VkResult(unknown)";
  }
}

namespace {
std::mutex lost_device_mutex;
std::string lost_device = "the Vulkan device";
}  // namespace

void set_lost_device_label(std::string label) {
  std::lock_guard lock(lost_device_mutex);
  lost_device = std::move(label);
}

// A lost device is the machine's failure, not the program's: its message
// names the device and the call, without source locations.
void vk_check_failed(VkResult r, const char* call, const char* file, int line) {
  if (r == VK_ERROR_DEVICE_LOST) {
    std::string_view fn(call);
    fn = fn.substr(0, fn.find('('));
    std::lock_guard lock(lost_device_mutex);
    throw VulkanError(
        fmt::format("{} was lost ({} returned VK_ERROR_DEVICE_LOST)", lost_device, fn), r);
  }
  throw VulkanError(
      fmt::format("Vulkan call {} failed with {} ({}:{})", call, vk_result_name(r), file, line),
      r);
}

}  // namespace vkgan
