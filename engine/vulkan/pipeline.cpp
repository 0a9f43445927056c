// Pipeline creation and the on-disk pipeline cache.
#include "engine/vulkan/pipeline.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "engine/error.hpp"
#include "engine/io/atomic_file.hpp"
#include "engine/log.hpp"
#include "engine/vulkan/context.hpp"

namespace vkgan {
namespace {

std::string cache_file_name(const DeviceInfo& info) {
  std::string uuid;
  for (uint8_t b : info.pipeline_cache_uuid) uuid += fmt::format("{:02x}", b);
  return fmt::format("pipelines-{:04x}-{:04x}-{}.bin", info.vendor_id, info.device_id, uuid);
}

VkDescriptorSetLayout make_set_layout(VkDevice dev, uint32_t n, uint32_t texel, bool push) {
  std::vector<VkDescriptorSetLayoutBinding> b(n);
  for (uint32_t i = 0; i < n; ++i)
    b[i] = {i, descriptor_type(texel, i), 1, VK_SHADER_STAGE_COMPUTE_BIT, nullptr};
  VkDescriptorSetLayoutCreateInfo ci{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO};
  if (push) ci.flags = VK_DESCRIPTOR_SET_LAYOUT_CREATE_PUSH_DESCRIPTOR_BIT_KHR;
  ci.bindingCount = n;
  ci.pBindings = b.data();
  VkDescriptorSetLayout l;
  VK_CHECK(vkCreateDescriptorSetLayout(dev, &ci, nullptr, &l));
  return l;
}

}  // namespace

std::filesystem::path cache_dir() {
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x)
    return std::filesystem::path(x) / "vkgan";
  if (const char* h = std::getenv("HOME"); h && *h)
    return std::filesystem::path(h) / ".cache" / "vkgan";
  return std::filesystem::temp_directory_path() / "vkgan-cache";
}

PipelineCache::PipelineCache(Context& ctx) : ctx_(ctx) {
  std::vector<char> data;
  if (ctx.features().pipeline_cache) {
    file_ = cache_dir() / cache_file_name(ctx.info());
    std::error_code ec;
    if (std::filesystem::is_regular_file(file_, ec)) {
      std::ifstream in(file_, std::ios::binary);
      if (in) data.assign(std::istreambuf_iterator<char>(in), {});
    }
  }
  VkPipelineCacheCreateInfo ci{VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO};
  ci.initialDataSize = data.size();
  ci.pInitialData = data.empty() ? nullptr : data.data();
  // A stale or foreign file is ignored by the driver; if it is refused
  // outright, start empty.
  if (vkCreatePipelineCache(ctx.device(), &ci, nullptr, &cache_) != VK_SUCCESS) {
    ci.initialDataSize = 0;
    ci.pInitialData = nullptr;
    data.clear();
    VK_CHECK(vkCreatePipelineCache(ctx.device(), &ci, nullptr, &cache_));
  }
  loaded_bytes_ = data.size();
  VKGAN_LOG(2, "pipeline cache: {} bytes from {}", data.size(), file_.string());
}

void PipelineCache::save() {
  if (file_.empty()) return;
  size_t n = 0;
  VK_CHECK(vkGetPipelineCacheData(ctx_.device(), cache_, &n, nullptr));
  std::string data(n, '\0');
  VK_CHECK(vkGetPipelineCacheData(ctx_.device(), cache_, &n, data.data()));
  data.resize(n);
  try {
    std::filesystem::create_directories(file_.parent_path());
    write_file_atomic(file_, data);
  } catch (const std::exception& e) {
    // A read-only home must not stop training; the next start is only slower.
    VKGAN_LOG(1, "pipeline cache not saved: {}", e.what());
  }
}

PipelineCache::~PipelineCache() {
  save();
  VkDevice dev = ctx_.device();
  for (auto& [key, k] : kernels_) {
    vkDestroyPipeline(dev, k->pipeline, nullptr);
    vkDestroyPipelineLayout(dev, k->layout, nullptr);
    vkDestroyDescriptorSetLayout(dev, k->set_layout, nullptr);
  }
  vkDestroyPipelineCache(dev, cache_, nullptr);
}

const Kernel& PipelineCache::get(const KernelSpec& spec) {
  auto key = spec.key();
  if (auto it = kernels_.find(key); it != kernels_.end()) return *it->second;

  std::span<const uint32_t> code = shader_spirv(spec.shader);
  VKGAN_ASSERT(!code.empty(), "no embedded shader named '{}'", spec.shader);
  VkDevice dev = ctx_.device();
  auto k = std::make_unique<Kernel>();
  k->shader = spec.shader;
  k->bindings = spec.bindings;
  k->texel_bindings = spec.texel_bindings;
  VKGAN_ASSERT(spec.texel_bindings >> spec.bindings == 0 &&
                   (spec.texel_bindings == 0 || ctx_.features().texel_buffers),
               "{}: texel bindings {:#x} of {} without texel-buffer support", spec.shader,
               spec.texel_bindings, spec.bindings);
  for (int i = 0; i < 3; ++i) k->local_size[i] = spec.local_size[i];
  bool push = ctx_.features().push_descriptor;
  k->set_layout = make_set_layout(dev, spec.bindings, spec.texel_bindings, push);

  VkPushConstantRange range{VK_SHADER_STAGE_COMPUTE_BIT, 0, kMaxPushConstants};
  VkPipelineLayoutCreateInfo lci{VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO};
  lci.setLayoutCount = 1;
  lci.pSetLayouts = &k->set_layout;
  lci.pushConstantRangeCount = 1;
  lci.pPushConstantRanges = &range;
  VK_CHECK(vkCreatePipelineLayout(dev, &lci, nullptr, &k->layout));

  VkShaderModuleCreateInfo mci{VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO};
  mci.codeSize = code.size_bytes();
  mci.pCode = code.data();
  VkShaderModule module;
  VK_CHECK(vkCreateShaderModule(dev, &mci, nullptr, &module));

  std::vector<uint32_t> values = {spec.local_size[0], spec.local_size[1], spec.local_size[2]};
  values.insert(values.end(), spec.constants.begin(), spec.constants.end());
  std::vector<VkSpecializationMapEntry> entries(values.size());
  for (uint32_t i = 0; i < values.size(); ++i) entries[i] = {i, i * 4, 4};
  VkSpecializationInfo si{uint32_t(entries.size()), entries.data(), values.size() * 4,
                          values.data()};

  VkComputePipelineCreateInfo pci{VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO};
  pci.stage = {VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO};
  pci.stage.stage = VK_SHADER_STAGE_COMPUTE_BIT;
  pci.stage.module = module;
  pci.stage.pName = "main";
  pci.stage.pSpecializationInfo = &si;
  pci.layout = k->layout;
  VkResult r = vkCreateComputePipelines(dev, cache_, 1, &pci, nullptr, &k->pipeline);
  vkDestroyShaderModule(dev, module, nullptr);
  VK_CHECK(r);
  VKGAN_LOG(2, "pipeline {} built ({} bindings)", spec.shader, spec.bindings);
  return *kernels_.emplace(key, std::move(k)).first->second;
}

}  // namespace vkgan
