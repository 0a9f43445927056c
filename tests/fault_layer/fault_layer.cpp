// A Vulkan layer for tests only: the device faults lavapipe cannot produce
// by itself, chosen by the environment variable VKGAN_FAULT:
//   no_compute            queue families are reported without the compute bit
//   lose_device_after=N   N submits go through; from the next one on, every
//                         submit and wait returns VK_ERROR_DEVICE_LOST
//   out_of_memory         vkAllocateMemory returns VK_ERROR_OUT_OF_DEVICE_MEMORY
// Every other call goes down the chain unchanged, so real work still runs.
// Enabled with VK_ADD_LAYER_PATH=<this folder in the build folder> and
// VK_INSTANCE_LAYERS=VK_LAYER_VKGAN_fault; it stacks with the validation layer.
#include <vulkan/vk_layer.h>
#include <vulkan/vulkan.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string>

namespace {

struct Fault {
  bool no_compute = false, out_of_memory = false;
  long lose_after = -1;  // submits before the device is lost; -1: never
};

Fault read_fault() {
  Fault f;
  const char* v = std::getenv("VKGAN_FAULT");
  std::string s = v ? v : "";
  const std::string lose = "lose_device_after=";
  if (s == "no_compute") {
    f.no_compute = true;
  } else if (s == "out_of_memory") {
    f.out_of_memory = true;
  } else if (s.rfind(lose, 0) == 0) {
    const char* digits = s.c_str() + lose.size();
    char* end = nullptr;
    long n = std::strtol(digits, &end, 10);
    if (end != digits && !*end && n >= 0) f.lose_after = n;
  }
  // A misspelt fault would let a test pass without its fault: say so.
  if (!s.empty() && !f.no_compute && !f.out_of_memory && f.lose_after < 0)
    std::fprintf(stderr,
                 "VK_LAYER_VKGAN_fault: VKGAN_FAULT '%s' is not one of no_compute, "
                 "lose_device_after=N, out_of_memory\n",
                 s.c_str());
  return f;
}

const Fault& fault() {
  static const Fault f = read_fault();
  return f;
}

// The next layer's entry points, found by the loader's dispatch key: the
// first word of a dispatchable handle, shared by an instance and its physical
// devices, and by a device and its queues.
void* key(const void* handle) { return *static_cast<void* const*>(handle); }

struct Instance {
  VkInstance handle = VK_NULL_HANDLE;
  PFN_vkGetInstanceProcAddr gipa = nullptr;
  PFN_vkDestroyInstance destroy = nullptr;
  PFN_vkGetPhysicalDeviceQueueFamilyProperties families = nullptr;
  PFN_vkGetPhysicalDeviceQueueFamilyProperties2 families2 = nullptr;
};

struct Device {
  PFN_vkGetDeviceProcAddr gdpa = nullptr;
  PFN_vkDestroyDevice destroy = nullptr;
  PFN_vkQueueSubmit submit = nullptr;
  PFN_vkQueueWaitIdle queue_wait_idle = nullptr;
  PFN_vkDeviceWaitIdle device_wait_idle = nullptr;
  PFN_vkWaitForFences wait_for_fences = nullptr;
  PFN_vkAllocateMemory allocate_memory = nullptr;
  long submits = 0;
  bool lost = false;
};

std::mutex mutex;
std::map<void*, Instance> instances;
std::map<void*, Device> devices;

Instance& instance_of(const void* handle) {
  std::lock_guard<std::mutex> lock(mutex);
  return instances.at(key(handle));
}

Device& device_of(const void* handle) {
  std::lock_guard<std::mutex> lock(mutex);
  return devices.at(key(handle));
}

// The loader's link in a create-info chain: the next layer's entry points.
template <typename Info>
Info* link_of(const void* next, VkStructureType type) {
  for (auto* i = static_cast<const Info*>(next); i; i = static_cast<const Info*>(i->pNext))
    if (i->sType == type && i->function == VK_LAYER_LINK_INFO) return const_cast<Info*>(i);
  return nullptr;
}

template <typename F>
F next(PFN_vkGetInstanceProcAddr gipa, VkInstance i, const char* name) {
  return reinterpret_cast<F>(gipa(i, name));
}

template <typename F>
F next(PFN_vkGetDeviceProcAddr gdpa, VkDevice d, const char* name) {
  return reinterpret_cast<F>(gdpa(d, name));
}

VKAPI_ATTR VkResult VKAPI_CALL CreateInstance(const VkInstanceCreateInfo* ci,
                                              const VkAllocationCallbacks* alloc, VkInstance* out) {
  auto* link =
      link_of<VkLayerInstanceCreateInfo>(ci->pNext, VK_STRUCTURE_TYPE_LOADER_INSTANCE_CREATE_INFO);
  if (!link) return VK_ERROR_INITIALIZATION_FAILED;
  PFN_vkGetInstanceProcAddr gipa = link->u.pLayerInfo->pfnNextGetInstanceProcAddr;
  link->u.pLayerInfo = link->u.pLayerInfo->pNext;
  auto create = next<PFN_vkCreateInstance>(gipa, VK_NULL_HANDLE, "vkCreateInstance");
  VkResult r = create(ci, alloc, out);
  if (r != VK_SUCCESS) return r;
  Instance in;
  in.handle = *out;
  in.gipa = gipa;
  in.destroy = next<PFN_vkDestroyInstance>(gipa, *out, "vkDestroyInstance");
  in.families = next<PFN_vkGetPhysicalDeviceQueueFamilyProperties>(
      gipa, *out, "vkGetPhysicalDeviceQueueFamilyProperties");
  in.families2 = next<PFN_vkGetPhysicalDeviceQueueFamilyProperties2>(
      gipa, *out, "vkGetPhysicalDeviceQueueFamilyProperties2");
  std::lock_guard<std::mutex> lock(mutex);
  instances[key(*out)] = in;
  return r;
}

VKAPI_ATTR void VKAPI_CALL DestroyInstance(VkInstance i, const VkAllocationCallbacks* alloc) {
  void* k = key(i);
  instance_of(i).destroy(i, alloc);
  std::lock_guard<std::mutex> lock(mutex);
  instances.erase(k);
}

VKAPI_ATTR void VKAPI_CALL QueueFamilies(VkPhysicalDevice pd, uint32_t* n,
                                         VkQueueFamilyProperties* props) {
  instance_of(pd).families(pd, n, props);
  for (uint32_t i = 0; props && fault().no_compute && i < *n; ++i)
    props[i].queueFlags &= ~VkQueueFlags(VK_QUEUE_COMPUTE_BIT);
}

VKAPI_ATTR void VKAPI_CALL QueueFamilies2(VkPhysicalDevice pd, uint32_t* n,
                                          VkQueueFamilyProperties2* props) {
  instance_of(pd).families2(pd, n, props);
  for (uint32_t i = 0; props && fault().no_compute && i < *n; ++i)
    props[i].queueFamilyProperties.queueFlags &= ~VkQueueFlags(VK_QUEUE_COMPUTE_BIT);
}

VKAPI_ATTR VkResult VKAPI_CALL CreateDevice(VkPhysicalDevice pd, const VkDeviceCreateInfo* ci,
                                            const VkAllocationCallbacks* alloc, VkDevice* out) {
  auto* link =
      link_of<VkLayerDeviceCreateInfo>(ci->pNext, VK_STRUCTURE_TYPE_LOADER_DEVICE_CREATE_INFO);
  if (!link) return VK_ERROR_INITIALIZATION_FAILED;
  PFN_vkGetInstanceProcAddr gipa = link->u.pLayerInfo->pfnNextGetInstanceProcAddr;
  PFN_vkGetDeviceProcAddr gdpa = link->u.pLayerInfo->pfnNextGetDeviceProcAddr;
  link->u.pLayerInfo = link->u.pLayerInfo->pNext;
  auto create = next<PFN_vkCreateDevice>(gipa, instance_of(pd).handle, "vkCreateDevice");
  VkResult r = create(pd, ci, alloc, out);
  if (r != VK_SUCCESS) return r;
  Device d;
  d.gdpa = gdpa;
  d.destroy = next<PFN_vkDestroyDevice>(gdpa, *out, "vkDestroyDevice");
  d.submit = next<PFN_vkQueueSubmit>(gdpa, *out, "vkQueueSubmit");
  d.queue_wait_idle = next<PFN_vkQueueWaitIdle>(gdpa, *out, "vkQueueWaitIdle");
  d.device_wait_idle = next<PFN_vkDeviceWaitIdle>(gdpa, *out, "vkDeviceWaitIdle");
  d.wait_for_fences = next<PFN_vkWaitForFences>(gdpa, *out, "vkWaitForFences");
  d.allocate_memory = next<PFN_vkAllocateMemory>(gdpa, *out, "vkAllocateMemory");
  std::lock_guard<std::mutex> lock(mutex);
  devices[key(*out)] = d;
  return r;
}

// The key is read before the handle it lives in is freed.
VKAPI_ATTR void VKAPI_CALL DestroyDevice(VkDevice dev, const VkAllocationCallbacks* alloc) {
  void* k = key(dev);
  device_of(dev).destroy(dev, alloc);
  std::lock_guard<std::mutex> lock(mutex);
  devices.erase(k);
}

bool is_lost(Device& d) {
  std::lock_guard<std::mutex> lock(mutex);
  return d.lost;
}

VKAPI_ATTR VkResult VKAPI_CALL QueueSubmit(VkQueue q, uint32_t n, const VkSubmitInfo* submits,
                                           VkFence fence) {
  Device& d = device_of(q);
  {
    std::lock_guard<std::mutex> lock(mutex);
    if (!d.lost && fault().lose_after >= 0 && d.submits++ >= fault().lose_after) {
      // What the driver still runs finishes first: the application frees
      // its objects after a lost device, and none may still be in use.
      d.queue_wait_idle(q);
      d.lost = true;
    }
    if (d.lost) return VK_ERROR_DEVICE_LOST;
  }
  return d.submit(q, n, submits, fence);
}

VKAPI_ATTR VkResult VKAPI_CALL WaitForFences(VkDevice dev, uint32_t n, const VkFence* fences,
                                             VkBool32 all, uint64_t timeout) {
  Device& d = device_of(dev);
  return is_lost(d) ? VK_ERROR_DEVICE_LOST : d.wait_for_fences(dev, n, fences, all, timeout);
}

VKAPI_ATTR VkResult VKAPI_CALL QueueWaitIdle(VkQueue q) {
  Device& d = device_of(q);
  return is_lost(d) ? VK_ERROR_DEVICE_LOST : d.queue_wait_idle(q);
}

VKAPI_ATTR VkResult VKAPI_CALL DeviceWaitIdle(VkDevice dev) {
  Device& d = device_of(dev);
  return is_lost(d) ? VK_ERROR_DEVICE_LOST : d.device_wait_idle(dev);
}

VKAPI_ATTR VkResult VKAPI_CALL AllocateMemory(VkDevice dev, const VkMemoryAllocateInfo* info,
                                              const VkAllocationCallbacks* alloc,
                                              VkDeviceMemory* out) {
  if (fault().out_of_memory) return VK_ERROR_OUT_OF_DEVICE_MEMORY;
  return device_of(dev).allocate_memory(dev, info, alloc, out);
}

VKAPI_ATTR PFN_vkVoidFunction VKAPI_CALL GetDeviceProcAddr(VkDevice dev, const char* name);

// This layer's own entry points; `device_level` ones are also what
// vkGetDeviceProcAddr hands out.
struct Entry {
  const char* name;
  PFN_vkVoidFunction fn;
  bool device_level;
};

#define VKGAN_ENTRY(name, fn, device) \
  { name, reinterpret_cast<PFN_vkVoidFunction>(fn), device }
const Entry kEntries[] = {
    VKGAN_ENTRY("vkCreateInstance", CreateInstance, false),
    VKGAN_ENTRY("vkDestroyInstance", DestroyInstance, false),
    VKGAN_ENTRY("vkCreateDevice", CreateDevice, false),
    VKGAN_ENTRY("vkGetPhysicalDeviceQueueFamilyProperties", QueueFamilies, false),
    VKGAN_ENTRY("vkGetPhysicalDeviceQueueFamilyProperties2", QueueFamilies2, false),
    VKGAN_ENTRY("vkGetPhysicalDeviceQueueFamilyProperties2KHR", QueueFamilies2, false),
    VKGAN_ENTRY("vkGetDeviceProcAddr", GetDeviceProcAddr, true),
    VKGAN_ENTRY("vkDestroyDevice", DestroyDevice, true),
    VKGAN_ENTRY("vkQueueSubmit", QueueSubmit, true),
    VKGAN_ENTRY("vkWaitForFences", WaitForFences, true),
    VKGAN_ENTRY("vkQueueWaitIdle", QueueWaitIdle, true),
    VKGAN_ENTRY("vkDeviceWaitIdle", DeviceWaitIdle, true),
    VKGAN_ENTRY("vkAllocateMemory", AllocateMemory, true),
};
#undef VKGAN_ENTRY

PFN_vkVoidFunction own(const char* name, bool device_only) {
  for (const Entry& e : kEntries)
    if ((e.device_level || !device_only) && std::strcmp(e.name, name) == 0) return e.fn;
  return nullptr;
}

VKAPI_ATTR PFN_vkVoidFunction VKAPI_CALL GetInstanceProcAddr(VkInstance i, const char* name) {
  if (std::strcmp(name, "vkGetInstanceProcAddr") == 0)
    return reinterpret_cast<PFN_vkVoidFunction>(GetInstanceProcAddr);
  if (PFN_vkVoidFunction f = own(name, false)) return f;
  return i ? instance_of(i).gipa(i, name) : nullptr;
}

VKAPI_ATTR PFN_vkVoidFunction VKAPI_CALL GetDeviceProcAddr(VkDevice dev, const char* name) {
  if (PFN_vkVoidFunction f = own(name, true)) return f;
  return device_of(dev).gdpa(dev, name);
}

}  // namespace

extern "C" VK_LAYER_EXPORT VKAPI_ATTR VkResult VKAPI_CALL
vkNegotiateLoaderLayerInterfaceVersion(VkNegotiateLayerInterface* v) {
  if (v->loaderLayerInterfaceVersion < 2) return VK_ERROR_INITIALIZATION_FAILED;
  v->loaderLayerInterfaceVersion = 2;
  v->pfnGetInstanceProcAddr = GetInstanceProcAddr;
  v->pfnGetDeviceProcAddr = GetDeviceProcAddr;
  v->pfnGetPhysicalDeviceProcAddr = nullptr;
  return VK_SUCCESS;
}
