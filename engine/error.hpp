// Errors. `Error` is a user-facing failure: one line that names what was
// wrong (op, node, shapes, file, offset), printed by the CLI and mapped to a
// non-zero exit; a bad layout string adds the string and a caret line.
// VKGAN_ASSERT is for programmer errors and vk_check for every Vulkan call;
// both throw `InternalError` with the place and the values.
#pragma once

#include <fmt/format.h>
#include <vulkan/vulkan.h>

#include <stdexcept>
#include <string>

namespace vkgan {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class InternalError : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

// Names the device in the message of a later VK_ERROR_DEVICE_LOST ("device 0
// 'llvmpipe ...'"); a Context sets it when it creates its device.
void set_lost_device_label(std::string label);

// A Vulkan call failed; `result` lets callers tell out-of-memory or a lost
// device from other failures.
class VulkanError : public Error {
 public:
  VulkanError(const std::string& what, VkResult result) : Error(what), result_(result) {}
  VkResult result() const { return result_; }

 private:
  VkResult result_;
};

template <typename... Args>
[[noreturn]] void fail(fmt::format_string<Args...> f, Args&&... args) {
  throw Error(fmt::format(f, std::forward<Args>(args)...));
}

const char* vk_result_name(VkResult r);

void vk_check_failed(VkResult r, const char* call, const char* file, int line);

}  // namespace vkgan

#define VK_CHECK(call)                                                   \
  do {                                                                   \
    VkResult vkgan_r_ = (call);                                          \
    if (vkgan_r_ != VK_SUCCESS)                                          \
      ::vkgan::vk_check_failed(vkgan_r_, #call, __FILE__, __LINE__);     \
  } while (0)

#define VKGAN_ASSERT(cond, ...)                                             \
  do {                                                                      \
    if (!(cond))                                                            \
      throw ::vkgan::InternalError(fmt::format("{}:{}: assertion '{}' failed: {}", \
                                               __FILE__, __LINE__, #cond,   \
                                               fmt::format(__VA_ARGS__)));  \
  } while (0)
