// Names of VkResult codes, and the failure path of VK_CHECK.
#include "engine/error.hpp"

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

void vk_check_failed(VkResult r, const char* call, const char* file, int line) {
  std::string what = fmt::format("Vulkan call {} failed with {} ({}:{})", call,
                                 vk_result_name(r), file, line);
  if (r == VK_ERROR_DEVICE_LOST) what += "; the device was lost";
  throw VulkanError(what, r);
}

}  // namespace vkgan
