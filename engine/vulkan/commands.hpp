// Recording and submitting work. A program is a list of `Dispatch`es; it is
// recorded once into one command buffer (push descriptors where the device
// has them, else descriptor sets from a pool sized to the list exactly) and
// replayed. A `barrier_before` flag on a dispatch places one global
// compute-to-compute memory barrier ahead of it.
//
// Work-group counts are given as one linear count; recording folds it into a
// 3-D grid within maxComputeWorkGroupCount. Shaders recover the linear index
// with `linear_group()` from shaders/common/index.glsl and bounds-check it.
#pragma once

#include <vulkan/vulkan.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "engine/vulkan/memory.hpp"
#include "engine/vulkan/pipeline.hpp"

namespace vkgan {

class Context;

struct Binding {
  VkBuffer buffer = VK_NULL_HANDLE;
  VkDeviceSize offset = 0, size = 0;
};

inline Binding bind(const Buffer& b) { return {b.handle(), b.offset(), b.size()}; }

struct Dispatch {
  const Kernel* kernel = nullptr;
  std::vector<Binding> bindings;
  std::array<uint8_t, kMaxPushConstants> push{};
  uint32_t push_size = 0;
  uint64_t groups = 1;
  bool barrier_before = false;
  std::string label;

  template <typename T>
  void set_push(const T& params) {
    static_assert(sizeof(T) <= kMaxPushConstants, "push constants over 128 bytes");
    std::memcpy(push.data(), &params, sizeof(T));
    push_size = sizeof(T);
  }
};

// Folds a linear work-group count into a grid the device accepts.
std::array<uint32_t, 3> fold_groups(uint64_t groups, const uint32_t max_count[3]);

class Fence {
 public:
  explicit Fence(Context& ctx);
  ~Fence();
  Fence(const Fence&) = delete;
  VkFence handle() const { return fence_; }
  void wait();
  void reset();

 private:
  Context& ctx_;
  VkFence fence_ = VK_NULL_HANDLE;
};

// A recorded, replayable command buffer and what it needs to stay valid.
class CommandList {
 public:
  explicit CommandList(Context& ctx);
  ~CommandList();
  CommandList(const CommandList&) = delete;

  // Records `dispatches`; with `timestamps`, writes a timestamp before the
  // first and after every dispatch (query i+1 ends dispatch i).
  void record(const std::vector<Dispatch>& dispatches, bool timestamps = false);
  // Records arbitrary commands (copies); `fn` gets the command buffer.
  template <typename F>
  void record_with(F&& fn) {
    begin();
    fn(cb_);
    end();
  }
  VkCommandBuffer handle() const { return cb_; }
  // Nanoseconds each dispatch took in the last completed run.
  std::vector<double> dispatch_times_ns() const;
  size_t descriptor_sets() const { return sets_; }

 private:
  void begin();
  void end();
  VkBufferView texel_view(const Binding& b, const std::string& label);
  void destroy_views();
  Context& ctx_;
  VkCommandPool pool_ = VK_NULL_HANDLE;
  VkCommandBuffer cb_ = VK_NULL_HANDLE;
  VkDescriptorPool descriptors_ = VK_NULL_HANDLE;
  VkQueryPool queries_ = VK_NULL_HANDLE;
  std::vector<VkBufferView> views_;  // of the texel bindings recorded
  uint32_t query_count_ = 0;
  size_t sets_ = 0;
};

// Submits command lists in order as one batch, signalling `fence`.
void submit(Context& ctx, std::initializer_list<const CommandList*> lists, VkFence fence);
void submit_and_wait(Context& ctx, std::initializer_list<const CommandList*> lists);

// One-off transfers through a temporary staging buffer (set-up and tests,
// never the training loop).
void upload(Context& ctx, const Buffer& dst, const void* src, size_t bytes,
            size_t dst_offset = 0);
void download(Context& ctx, const Buffer& src, void* dst, size_t bytes, size_t src_offset = 0);
void fill_zero(Context& ctx, const Buffer& dst);

// Barriers, recorded into a command buffer.
void barrier_full(VkCommandBuffer cb);
void barrier_to_host(VkCommandBuffer cb);
void barrier_compute_to_compute(VkCommandBuffer cb);
void barrier_transfer_to_compute(VkCommandBuffer cb);
void barrier_compute_to_transfer(VkCommandBuffer cb);

}  // namespace vkgan
