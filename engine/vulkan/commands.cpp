// Command recording, descriptor binding, submission and transfers.
#include "engine/vulkan/commands.hpp"

#include <algorithm>

#include "engine/error.hpp"
#include "engine/vulkan/context.hpp"

namespace vkgan {
namespace {

void memory_barrier(VkCommandBuffer cb, VkPipelineStageFlags src, VkAccessFlags src_access,
                    VkPipelineStageFlags dst, VkAccessFlags dst_access) {
  VkMemoryBarrier b{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
  b.srcAccessMask = src_access;
  b.dstAccessMask = dst_access;
  vkCmdPipelineBarrier(cb, src, dst, 0, 1, &b, 0, nullptr, 0, nullptr);
}

}  // namespace

void barrier_full(VkCommandBuffer cb) {
  memory_barrier(cb, VK_PIPELINE_STAGE_ALL_COMMANDS_BIT, VK_ACCESS_MEMORY_WRITE_BIT,
                 VK_PIPELINE_STAGE_ALL_COMMANDS_BIT,
                 VK_ACCESS_MEMORY_READ_BIT | VK_ACCESS_MEMORY_WRITE_BIT);
}

void barrier_to_host(VkCommandBuffer cb) {
  memory_barrier(cb, VK_PIPELINE_STAGE_ALL_COMMANDS_BIT, VK_ACCESS_MEMORY_WRITE_BIT,
                 VK_PIPELINE_STAGE_HOST_BIT, VK_ACCESS_HOST_READ_BIT);
}

void barrier_compute_to_compute(VkCommandBuffer cb) {
  memory_barrier(cb, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                 VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_SHADER_READ_BIT,
                 VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                 VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT);
}

void barrier_transfer_to_compute(VkCommandBuffer cb) {
  memory_barrier(cb, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT,
                 VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                 VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT);
}

void barrier_compute_to_transfer(VkCommandBuffer cb) {
  memory_barrier(cb, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                 VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_SHADER_READ_BIT,
                 VK_PIPELINE_STAGE_TRANSFER_BIT,
                 VK_ACCESS_TRANSFER_READ_BIT | VK_ACCESS_TRANSFER_WRITE_BIT);
}

std::array<uint32_t, 3> fold_groups(uint64_t groups, const uint32_t max_count[3]) {
  VKGAN_ASSERT(groups > 0, "empty dispatch");
  uint64_t x = std::min<uint64_t>(groups, max_count[0]);
  uint64_t rest = (groups + x - 1) / x;
  uint64_t y = std::min<uint64_t>(rest, max_count[1]);
  uint64_t z = (rest + y - 1) / y;
  if (z > max_count[2])
    fail("dispatch of {} work groups exceeds the device's grid {}x{}x{}", groups, max_count[0],
         max_count[1], max_count[2]);
  return {uint32_t(x), uint32_t(y), uint32_t(z)};
}

Fence::Fence(Context& ctx) : ctx_(ctx) {
  VkFenceCreateInfo ci{VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
  VK_CHECK(vkCreateFence(ctx.device(), &ci, nullptr, &fence_));
}

Fence::~Fence() { vkDestroyFence(ctx_.device(), fence_, nullptr); }

void Fence::wait() { VK_CHECK(vkWaitForFences(ctx_.device(), 1, &fence_, VK_TRUE, UINT64_MAX)); }

void Fence::reset() { VK_CHECK(vkResetFences(ctx_.device(), 1, &fence_)); }

CommandList::CommandList(Context& ctx) : ctx_(ctx) {
  VkCommandPoolCreateInfo pci{VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO};
  pci.queueFamilyIndex = ctx.queue_family();
  pci.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT;
  VK_CHECK(vkCreateCommandPool(ctx.device(), &pci, nullptr, &pool_));
  VkCommandBufferAllocateInfo ai{VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
  ai.commandPool = pool_;
  ai.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
  ai.commandBufferCount = 1;
  VK_CHECK(vkAllocateCommandBuffers(ctx.device(), &ai, &cb_));
}

CommandList::~CommandList() {
  VkDevice dev = ctx_.device();
  destroy_views();
  if (queries_) vkDestroyQueryPool(dev, queries_, nullptr);
  if (descriptors_) vkDestroyDescriptorPool(dev, descriptors_, nullptr);
  vkDestroyCommandPool(dev, pool_, nullptr);
}

void CommandList::begin() {
  VK_CHECK(vkResetCommandBuffer(cb_, 0));
  VkCommandBufferBeginInfo bi{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
  // A program may be queued again before its last run finished (the trainer
  // keeps two iterations in flight); every list starts with a full barrier,
  // so overlapping submissions still run in order.
  bi.flags = VK_COMMAND_BUFFER_USAGE_SIMULTANEOUS_USE_BIT;
  VK_CHECK(vkBeginCommandBuffer(cb_, &bi));
}

void CommandList::end() { VK_CHECK(vkEndCommandBuffer(cb_)); }

void CommandList::destroy_views() {
  for (VkBufferView v : views_) vkDestroyBufferView(ctx_.device(), v, nullptr);
  views_.clear();
}

VkBufferView CommandList::texel_view(const Binding& b, const std::string& label) {
  uint64_t elements = b.size / sizeof(float);
  VKGAN_ASSERT(elements > 0 && b.size % sizeof(float) == 0, "{}: texel binding of {} bytes",
               label, b.size);
  VKGAN_ASSERT(elements <= ctx_.limits().max_texel_buffer_elements,
               "{}: texel binding of {} elements exceeds maxTexelBufferElements {}", label,
               elements, ctx_.limits().max_texel_buffer_elements);
  VkBufferViewCreateInfo ci{VK_STRUCTURE_TYPE_BUFFER_VIEW_CREATE_INFO};
  ci.buffer = b.buffer;
  ci.format = VK_FORMAT_R32_SFLOAT;
  ci.offset = b.offset;
  ci.range = elements * sizeof(float);
  VkBufferView view;
  VK_CHECK(vkCreateBufferView(ctx_.device(), &ci, nullptr, &view));
  views_.push_back(view);
  return view;
}

void CommandList::record(const std::vector<Dispatch>& dispatches, bool timestamps) {
  VkDevice dev = ctx_.device();
  bool push = ctx_.features().push_descriptor;
  uint32_t counts[2] = {0, 0};  // storage buffers, texel buffers
  for (const Dispatch& d : dispatches)
    for (uint32_t j = 0; j < d.bindings.size(); ++j) ++counts[d.kernel->texel_bindings >> j & 1];
  destroy_views();

  // Without push descriptors: one set per dispatch from a pool of exactly
  // the program's size.
  std::vector<VkDescriptorSet> sets;
  if (!push && !dispatches.empty()) {
    if (descriptors_) vkDestroyDescriptorPool(dev, descriptors_, nullptr);
    VkDescriptorPoolSize sizes[2] = {
        {VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, std::max(counts[0], 1u)},
        {VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER, counts[1]}};
    VkDescriptorPoolCreateInfo pci{VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO};
    pci.maxSets = uint32_t(dispatches.size());
    pci.poolSizeCount = counts[1] ? 2 : 1;
    pci.pPoolSizes = sizes;
    VK_CHECK(vkCreateDescriptorPool(dev, &pci, nullptr, &descriptors_));
    std::vector<VkDescriptorSetLayout> layouts;
    for (const Dispatch& d : dispatches) layouts.push_back(d.kernel->set_layout);
    sets.resize(dispatches.size());
    VkDescriptorSetAllocateInfo ai{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO};
    ai.descriptorPool = descriptors_;
    ai.descriptorSetCount = uint32_t(layouts.size());
    ai.pSetLayouts = layouts.data();
    VK_CHECK(vkAllocateDescriptorSets(dev, &ai, sets.data()));
    sets_ = sets.size();
  }

  if (timestamps && ctx_.features().timestamps) {
    if (queries_) vkDestroyQueryPool(dev, queries_, nullptr);
    VkQueryPoolCreateInfo qci{VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO};
    qci.queryType = VK_QUERY_TYPE_TIMESTAMP;
    qci.queryCount = query_count_ = uint32_t(dispatches.size() + 1);
    VK_CHECK(vkCreateQueryPool(dev, &qci, nullptr, &queries_));
  } else {
    timestamps = false;
  }

  begin();
  // Work submitted before this list (uploads, other programs) is ordered
  // against it here, and its results are made visible to the host at the end.
  barrier_full(cb_);
  if (timestamps) {
    vkCmdResetQueryPool(cb_, queries_, 0, query_count_);
    vkCmdWriteTimestamp(cb_, VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT, queries_, 0);
  }
  const VkPipeline* bound = nullptr;
  std::vector<VkDescriptorBufferInfo> infos;
  std::vector<VkBufferView> views;
  std::vector<VkWriteDescriptorSet> writes;
  for (size_t i = 0; i < dispatches.size(); ++i) {
    const Dispatch& d = dispatches[i];
    const Kernel& k = *d.kernel;
    VKGAN_ASSERT(d.bindings.size() == k.bindings, "{}: {} bindings given, kernel takes {}", d.label,
                 d.bindings.size(), k.bindings);
    if (d.barrier_before) barrier_compute_to_compute(cb_);
    if (bound != &k.pipeline) {
      vkCmdBindPipeline(cb_, VK_PIPELINE_BIND_POINT_COMPUTE, k.pipeline);
      bound = &k.pipeline;
    }
    infos.assign(d.bindings.size(), {});
    views.assign(d.bindings.size(), VK_NULL_HANDLE);
    writes.clear();
    for (uint32_t j = 0; j < d.bindings.size(); ++j) {
      const Binding& b = d.bindings[j];
      VkWriteDescriptorSet w{VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET};
      w.dstSet = push ? VK_NULL_HANDLE : sets[i];
      w.dstBinding = j;
      w.descriptorCount = 1;
      w.descriptorType = descriptor_type(k.texel_bindings, j);
      if (w.descriptorType == VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER) {
        views[j] = texel_view(b, d.label);
        w.pTexelBufferView = &views[j];
      } else {
        VKGAN_ASSERT(b.size <= ctx_.limits().max_storage_buffer_range,
                     "{}: binding of {} bytes exceeds maxStorageBufferRange", d.label, b.size);
        infos[j] = {b.buffer, b.offset, b.size};
        w.pBufferInfo = &infos[j];
      }
      writes.push_back(w);
    }
    if (push) {
      ctx_.push_descriptor_fn(cb_, VK_PIPELINE_BIND_POINT_COMPUTE, k.layout, 0,
                              uint32_t(writes.size()), writes.data());
    } else {
      vkUpdateDescriptorSets(dev, uint32_t(writes.size()), writes.data(), 0, nullptr);
      vkCmdBindDescriptorSets(cb_, VK_PIPELINE_BIND_POINT_COMPUTE, k.layout, 0, 1, &sets[i], 0,
                              nullptr);
    }
    if (d.push_size)
      vkCmdPushConstants(cb_, k.layout, VK_SHADER_STAGE_COMPUTE_BIT, 0, d.push_size, d.push.data());
    auto g = fold_groups(d.groups, ctx_.limits().max_work_group_count);
    vkCmdDispatch(cb_, g[0], g[1], g[2]);
    if (timestamps)
      vkCmdWriteTimestamp(cb_, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, queries_, uint32_t(i + 1));
  }
  barrier_to_host(cb_);
  end();
}

std::vector<double> CommandList::dispatch_times_ns() const {
  if (!queries_) return {};
  std::vector<uint64_t> stamps(query_count_);
  VK_CHECK(vkGetQueryPoolResults(ctx_.device(), queries_, 0, query_count_,
                                 stamps.size() * sizeof(uint64_t), stamps.data(), sizeof(uint64_t),
                                 VK_QUERY_RESULT_64_BIT | VK_QUERY_RESULT_WAIT_BIT));
  std::vector<double> out(query_count_ - 1);
  double period = ctx_.limits().timestamp_period_ns;
  for (size_t i = 0; i + 1 < stamps.size(); ++i)
    out[i] = double(stamps[i + 1] - stamps[i]) * period;
  return out;
}

void submit(Context& ctx, std::initializer_list<const CommandList*> lists, VkFence fence) {
  std::vector<VkCommandBuffer> cbs;
  for (const CommandList* l : lists) cbs.push_back(l->handle());
  VkSubmitInfo si{VK_STRUCTURE_TYPE_SUBMIT_INFO};
  si.commandBufferCount = uint32_t(cbs.size());
  si.pCommandBuffers = cbs.data();
  VK_CHECK(vkQueueSubmit(ctx.queue(), 1, &si, fence));
}

void submit_and_wait(Context& ctx, std::initializer_list<const CommandList*> lists) {
  Fence fence(ctx);
  submit(ctx, lists, fence.handle());
  fence.wait();
}

void upload(Context& ctx, const Buffer& dst, const void* src, size_t bytes, size_t dst_offset) {
  if (bytes == 0) return;
  VKGAN_ASSERT(dst_offset + bytes <= dst.size(), "upload of {} bytes at {} into {}", bytes,
               dst_offset, dst.size());
  Buffer staging = ctx.allocator().allocate(bytes, MemoryKind::kUpload);
  std::memcpy(staging.mapped(), src, bytes);
  CommandList list(ctx);
  list.record_with([&](VkCommandBuffer cb) {
    barrier_full(cb);
    VkBufferCopy region{staging.offset(), dst.offset() + dst_offset, bytes};
    vkCmdCopyBuffer(cb, staging.handle(), dst.handle(), 1, &region);
  });
  submit_and_wait(ctx, {&list});
}

void download(Context& ctx, const Buffer& src, void* dst, size_t bytes, size_t src_offset) {
  if (bytes == 0) return;
  VKGAN_ASSERT(src_offset + bytes <= src.size(), "download of {} bytes at {} from {}", bytes,
               src_offset, src.size());
  Buffer staging = ctx.allocator().allocate(bytes, MemoryKind::kReadback);
  CommandList list(ctx);
  list.record_with([&](VkCommandBuffer cb) {
    barrier_full(cb);
    VkBufferCopy region{src.offset() + src_offset, staging.offset(), bytes};
    vkCmdCopyBuffer(cb, src.handle(), staging.handle(), 1, &region);
    VkMemoryBarrier b{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
    b.srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT;
    b.dstAccessMask = VK_ACCESS_HOST_READ_BIT;
    vkCmdPipelineBarrier(cb, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_PIPELINE_STAGE_HOST_BIT, 0, 1, &b,
                         0, nullptr, 0, nullptr);
  });
  submit_and_wait(ctx, {&list});
  std::memcpy(dst, staging.mapped(), bytes);
}

void fill_zero(Context& ctx, const Buffer& dst) {
  CommandList list(ctx);
  list.record_with([&](VkCommandBuffer cb) {
    barrier_full(cb);
    vkCmdFillBuffer(cb, dst.handle(), dst.offset(), dst.size(), 0);
  });
  submit_and_wait(ctx, {&list});
}

}  // namespace vkgan
