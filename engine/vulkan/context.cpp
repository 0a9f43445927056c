// Instance and device creation, device choice, validation messages.
#include "engine/vulkan/context.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "engine/error.hpp"
#include "engine/log.hpp"
#include "engine/vulkan/memory.hpp"
#include "engine/vulkan/pipeline.hpp"

namespace vkgan {
namespace {

const char* kValidationLayer = "VK_LAYER_KHRONOS_validation";

std::string type_name(VkPhysicalDeviceType t) {
  switch (t) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU:
      return "discrete";
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU:
      return "integrated";
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU:
      return "virtual";
    case VK_PHYSICAL_DEVICE_TYPE_CPU:
      return "cpu";
    default:
      return "other";
  }
}

int type_rank(const std::string& type) {
  if (type == "discrete") return 0;
  if (type == "integrated") return 1;
  if (type == "virtual") return 2;
  if (type == "cpu") return 3;
  return 4;
}

bool has_extension(VkPhysicalDevice pd, const char* name) {
  uint32_t n = 0;
  vkEnumerateDeviceExtensionProperties(pd, nullptr, &n, nullptr);
  std::vector<VkExtensionProperties> exts(n);
  vkEnumerateDeviceExtensionProperties(pd, nullptr, &n, exts.data());
  return std::any_of(exts.begin(), exts.end(),
                     [&](const auto& e) { return std::strcmp(e.extensionName, name) == 0; });
}

int compute_queue_family(VkPhysicalDevice pd) {
  uint32_t n = 0;
  vkGetPhysicalDeviceQueueFamilyProperties(pd, &n, nullptr);
  std::vector<VkQueueFamilyProperties> fams(n);
  vkGetPhysicalDeviceQueueFamilyProperties(pd, &n, fams.data());
  // Prefer a compute queue without graphics (async compute on GPUs).
  int any = -1;
  for (uint32_t i = 0; i < n; ++i) {
    if (!(fams[i].queueFlags & VK_QUEUE_COMPUTE_BIT)) continue;
    if (!(fams[i].queueFlags & VK_QUEUE_GRAPHICS_BIT)) return int(i);
    if (any < 0) any = int(i);
  }
  return any;
}

DeviceInfo describe(VkPhysicalDevice pd, uint32_t index) {
  VkPhysicalDeviceDriverProperties driver{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES};
  VkPhysicalDeviceSubgroupProperties subgroup{
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES};
  subgroup.pNext = &driver;
  VkPhysicalDeviceProperties2 props{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2};
  props.pNext = &subgroup;
  vkGetPhysicalDeviceProperties2(pd, &props);
  const VkPhysicalDeviceProperties& p = props.properties;
  const VkPhysicalDeviceLimits& l = p.limits;

  DeviceInfo info{};
  info.index = index;
  info.name = p.deviceName;
  info.type = type_name(p.deviceType);
  info.vendor_id = p.vendorID;
  info.device_id = p.deviceID;
  info.driver_version = p.driverVersion;
  info.api_version = p.apiVersion;
  if (p.apiVersion >= VK_API_VERSION_1_2 || has_extension(pd, "VK_KHR_driver_properties"))
    info.driver = fmt::format("{} {}", driver.driverName, driver.driverInfo);
  std::memcpy(info.pipeline_cache_uuid, p.pipelineCacheUUID, VK_UUID_SIZE);

  DeviceLimits& d = info.limits;
  for (int i = 0; i < 3; ++i) {
    d.max_work_group_count[i] = l.maxComputeWorkGroupCount[i];
    d.max_work_group_size[i] = l.maxComputeWorkGroupSize[i];
  }
  d.max_work_group_invocations = l.maxComputeWorkGroupInvocations;
  d.max_shared_memory = l.maxComputeSharedMemorySize;
  d.max_push_constants = l.maxPushConstantsSize;
  d.max_storage_buffer_range = l.maxStorageBufferRange;
  d.min_storage_buffer_offset_alignment = l.minStorageBufferOffsetAlignment;
  d.max_texel_buffer_elements = l.maxTexelBufferElements;
  d.min_texel_buffer_offset_alignment = l.minTexelBufferOffsetAlignment;
  d.non_coherent_atom_size = l.nonCoherentAtomSize;
  d.subgroup_size = subgroup.subgroupSize;
  d.timestamp_period_ns = l.timestampPeriod;

  VkPhysicalDeviceMaintenance3Properties m3{
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MAINTENANCE_3_PROPERTIES};
  VkPhysicalDeviceProperties2 props2{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2};
  props2.pNext = &m3;
  vkGetPhysicalDeviceProperties2(pd, &props2);
  d.max_memory_allocation = m3.maxMemoryAllocationSize;

  int family = compute_queue_family(pd);
  info.compute = family >= 0;
  if (family >= 0) {
    uint32_t n = 0;
    vkGetPhysicalDeviceQueueFamilyProperties(pd, &n, nullptr);
    std::vector<VkQueueFamilyProperties> fams(n);
    vkGetPhysicalDeviceQueueFamilyProperties(pd, &n, fams.data());
    d.timestamps = l.timestampComputeAndGraphics || fams[family].timestampValidBits > 0;
  }

  VkPhysicalDeviceMemoryProperties mem;
  vkGetPhysicalDeviceMemoryProperties(pd, &mem);
  for (uint32_t i = 0; i < mem.memoryHeapCount; ++i)
    info.heaps.emplace_back(mem.memoryHeaps[i].size,
                            (mem.memoryHeaps[i].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT) != 0);
  info.push_descriptor = has_extension(pd, VK_KHR_PUSH_DESCRIPTOR_EXTENSION_NAME);
  return info;
}

bool layer_available(const char* name) {
  uint32_t n = 0;
  vkEnumerateInstanceLayerProperties(&n, nullptr);
  std::vector<VkLayerProperties> layers(n);
  vkEnumerateInstanceLayerProperties(&n, layers.data());
  return std::any_of(layers.begin(), layers.end(),
                     [&](const auto& l) { return std::strcmp(l.layerName, name) == 0; });
}

VkInstance make_instance(bool validate, VkValidationFeaturesEXT* features) {
  VkApplicationInfo app{VK_STRUCTURE_TYPE_APPLICATION_INFO};
  app.pApplicationName = "vkgan";
  app.pEngineName = "vkgan";
  app.apiVersion = VK_API_VERSION_1_1;

  std::vector<const char*> layers, extensions;
  if (validate) {
    layers.push_back(kValidationLayer);
    extensions.push_back(VK_EXT_DEBUG_UTILS_EXTENSION_NAME);
    extensions.push_back(VK_EXT_VALIDATION_FEATURES_EXTENSION_NAME);
  }
  VkInstanceCreateInfo ci{VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO};
  ci.pNext = validate ? features : nullptr;
  ci.pApplicationInfo = &app;
  ci.enabledLayerCount = uint32_t(layers.size());
  ci.ppEnabledLayerNames = layers.data();
  ci.enabledExtensionCount = uint32_t(extensions.size());
  ci.ppEnabledExtensionNames = extensions.data();
  VkInstance instance = VK_NULL_HANDLE;
  VkResult r = vkCreateInstance(&ci, nullptr, &instance);
  if (r == VK_ERROR_INCOMPATIBLE_DRIVER)
    fail(
        "no Vulkan driver found (vkCreateInstance: {}); hint: install mesa-vulkan-drivers "
        "for the CPU driver lavapipe, or your GPU vendor's driver",
        vk_result_name(r));
  VK_CHECK(r);
  return instance;
}

std::vector<VkPhysicalDevice> physical_devices(VkInstance instance) {
  uint32_t n = 0;
  VK_CHECK(vkEnumeratePhysicalDevices(instance, &n, nullptr));
  std::vector<VkPhysicalDevice> pds(n);
  VK_CHECK(vkEnumeratePhysicalDevices(instance, &n, pds.data()));
  return pds;
}

std::string device_list(const std::vector<DeviceInfo>& infos) {
  std::string s;
  for (const auto& i : infos)
    s += fmt::format("{}{}: {} ({})", s.empty() ? "" : ", ", i.index, i.name, i.type);
  return s.empty() ? "none" : s;
}

// Picks by index or name substring, else the best type with a compute queue.
uint32_t choose_device(const std::vector<DeviceInfo>& infos, const std::string& want) {
  if (infos.empty()) fail("no Vulkan device found; hint: install mesa-vulkan-drivers");
  if (!want.empty()) {
    bool numeric =
        std::all_of(want.begin(), want.end(), [](char c) { return c >= '0' && c <= '9'; });
    for (const auto& i : infos) {
      bool hit = numeric ? std::to_string(i.index) == want : i.name.find(want) != std::string::npos;
      if (!hit) continue;
      if (!i.compute) fail("device {} '{}' has no compute queue", i.index, i.name);
      return i.index;
    }
    fail("device '{}' not found; devices: {}", want, device_list(infos));
  }
  require_compute(infos);
  int best = -1;
  for (const auto& i : infos)
    if (i.compute && (best < 0 || type_rank(i.type) < type_rank(infos[best].type)))
      best = int(i.index);
  return uint32_t(best);
}

}  // namespace

VkBool32 VKAPI_CALL on_validation_message(VkDebugUtilsMessageSeverityFlagBitsEXT severity,
                                          VkDebugUtilsMessageTypeFlagsEXT,
                                          const VkDebugUtilsMessengerCallbackDataEXT* data,
                                          void* user) {
  auto* ctx = static_cast<Context*>(user);
  std::string msg =
      fmt::format("validation {}: {}",
                  severity >= VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT ? "error" : "warning",
                  data->pMessage ? data->pMessage : "");
  fmt::print(stderr, "vkgan: {}\n", msg);
  std::lock_guard<std::mutex> lock(ctx->messages_mutex_);
  ctx->messages_.push_back(std::move(msg));
  return VK_FALSE;
}

bool feature_disabled(const char* name) {
  const char* v = std::getenv("VKGAN_DISABLE");
  if (!v) return false;
  std::string list = std::string(",") + v + ",";
  return list.find(std::string(",") + name + ",") != std::string::npos ||
         list.find(",all,") != std::string::npos;
}

ContextOptions options_from_env() {
  ContextOptions o;
  const char* v = std::getenv("VKGAN_VALIDATE");
  o.validate = v && std::strcmp(v, "0") != 0 && *v;
  if (const char* d = std::getenv("VKGAN_DEVICE")) o.device = d;
  return o;
}

void require_compute(const std::vector<DeviceInfo>& devices) {
  if (std::any_of(devices.begin(), devices.end(), [](const auto& d) { return d.compute; })) return;
  std::string each;
  for (const auto& d : devices)
    each += fmt::format("{}device {} '{}' ({}) has none", each.empty() ? "" : ", ", d.index, d.name,
                        d.type);
  fail("no Vulkan device has a compute queue: {}", each);
}

std::vector<DeviceInfo> list_devices() {
  VkInstance instance = make_instance(false, nullptr);
  std::vector<DeviceInfo> infos;
  auto pds = physical_devices(instance);
  for (uint32_t i = 0; i < pds.size(); ++i) infos.push_back(describe(pds[i], i));
  vkDestroyInstance(instance, nullptr);
  return infos;
}

Context::Context(const ContextOptions& options) : options_(options) {
  if (const char* v = std::getenv("VKGAN_DISABLE")) {
    std::string list = v;
    size_t pos = 0;
    while (pos <= list.size()) {
      size_t end = list.find(',', pos);
      std::string name = list.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
      bool known = name.empty() || name == "all" ||
                   std::any_of(std::begin(kOptionalFeatures), std::end(kOptionalFeatures),
                               [&](const char* f) { return name == f; });
      if (!known) {
        std::string names;
        for (const char* f : kOptionalFeatures) names += std::string(names.empty() ? "" : ", ") + f;
        fail("VKGAN_DISABLE: unknown feature '{}'; known: {}, all", name, names);
      }
      if (end == std::string::npos) break;
      pos = end + 1;
    }
  }
  create_instance(options.validate);
  create_device();
  allocator_ = std::make_unique<Allocator>(*this);
  pipelines_ = std::make_unique<PipelineCache>(*this);
}

void Context::create_instance(bool validate) {
  if (validate && !layer_available(kValidationLayer))
    fail(
        "VKGAN_VALIDATE is set but {} is not installed; hint: apt-get install "
        "vulkan-validationlayers",
        kValidationLayer);
  VkValidationFeatureEnableEXT enables[] = {
      VK_VALIDATION_FEATURE_ENABLE_SYNCHRONIZATION_VALIDATION_EXT};
  VkValidationFeaturesEXT vf{VK_STRUCTURE_TYPE_VALIDATION_FEATURES_EXT};
  vf.enabledValidationFeatureCount = 1;
  vf.pEnabledValidationFeatures = enables;
  instance_ = make_instance(validate, &vf);
  if (!validate) return;

  VkDebugUtilsMessengerCreateInfoEXT mci{VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT};
  mci.messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT |
                        VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT;
  mci.messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT |
                    VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT |
                    VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT;
  mci.pfnUserCallback = on_validation_message;
  mci.pUserData = this;
  auto create = reinterpret_cast<PFN_vkCreateDebugUtilsMessengerEXT>(
      vkGetInstanceProcAddr(instance_, "vkCreateDebugUtilsMessengerEXT"));
  VKGAN_ASSERT(create, "vkCreateDebugUtilsMessengerEXT missing");
  VK_CHECK(create(instance_, &mci, nullptr, &messenger_));
}

void Context::create_device() {
  auto pds = physical_devices(instance_);
  std::vector<DeviceInfo> infos;
  for (uint32_t i = 0; i < pds.size(); ++i) infos.push_back(describe(pds[i], i));
  uint32_t chosen = choose_device(infos, options_.device);
  physical_ = pds[chosen];
  info_ = infos[chosen];
  set_lost_device_label(fmt::format("device {} '{}'", info_.index, info_.name));
  queue_family_ = uint32_t(compute_queue_family(physical_));

  features_.push_descriptor = info_.push_descriptor && !feature_disabled("push_descriptor");
  features_.pipeline_cache = !feature_disabled("pipeline_cache");
  features_.timestamps = info_.limits.timestamps && !feature_disabled("timestamps");
  VkFormatProperties fp;
  vkGetPhysicalDeviceFormatProperties(physical_, VK_FORMAT_R32_SFLOAT, &fp);
  features_.texel_buffers = (fp.bufferFeatures & VK_FORMAT_FEATURE_UNIFORM_TEXEL_BUFFER_BIT) &&
                            !feature_disabled("texel_buffers");

  float priority = 1.0f;
  VkDeviceQueueCreateInfo qci{VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO};
  qci.queueFamilyIndex = queue_family_;
  qci.queueCount = 1;
  qci.pQueuePriorities = &priority;
  std::vector<const char*> extensions;
  if (features_.push_descriptor) extensions.push_back(VK_KHR_PUSH_DESCRIPTOR_EXTENSION_NAME);
  VkDeviceCreateInfo dci{VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO};
  dci.queueCreateInfoCount = 1;
  dci.pQueueCreateInfos = &qci;
  dci.enabledExtensionCount = uint32_t(extensions.size());
  dci.ppEnabledExtensionNames = extensions.data();
  VK_CHECK(vkCreateDevice(physical_, &dci, nullptr, &device_));
  vkGetDeviceQueue(device_, queue_family_, 0, &queue_);
  if (features_.push_descriptor)
    push_descriptor_fn = reinterpret_cast<PFN_vkCmdPushDescriptorSetKHR>(
        vkGetDeviceProcAddr(device_, "vkCmdPushDescriptorSetKHR"));
  VKGAN_LOG(1, "device {}: {} ({}), push descriptors {}", info_.index, info_.name, info_.type,
            features_.push_descriptor ? "on" : "off");
}

uint64_t Context::storage_alignment() const {
  uint64_t texel = features_.texel_buffers ? info_.limits.min_texel_buffer_offset_alignment : 4;
  return std::max<uint64_t>(
      {info_.limits.min_storage_buffer_offset_alignment, texel, options_.min_alignment, 4});
}

std::vector<std::string> Context::take_validation_messages() {
  std::lock_guard<std::mutex> lock(messages_mutex_);
  return std::exchange(messages_, {});
}

Context::~Context() {
  if (device_) vkDeviceWaitIdle(device_);
  pipelines_.reset();
  allocator_.reset();
  if (device_) vkDestroyDevice(device_, nullptr);
  if (messenger_) {
    auto destroy = reinterpret_cast<PFN_vkDestroyDebugUtilsMessengerEXT>(
        vkGetInstanceProcAddr(instance_, "vkDestroyDebugUtilsMessengerEXT"));
    if (destroy) destroy(instance_, messenger_, nullptr);
  }
  if (instance_) vkDestroyInstance(instance_, nullptr);
}

}  // namespace vkgan
