// Device memory: buffers are sub-allocated from large blocks, one VkBuffer per
// block, at offsets that honour the device's storage-buffer alignment (and
// nonCoherentAtomSize for host-visible memory). Steady-state training does no
// allocation: programs allocate once when they are compiled.
#pragma once

#include <vulkan/vulkan.h>

#include <cstdint>
#include <map>
#include <memory>
#include <vector>

namespace vkgan {

class Context;

enum class MemoryKind {
  kDevice,    // device-local: tensors, parameters
  kUpload,    // host-visible, write-combined where possible: staging for uploads
  kReadback,  // host-visible and cached where possible: read-backs, logs
};

class Allocator;

// A sub-allocated region of one block's VkBuffer. Move-only; frees on
// destruction.
class Buffer {
 public:
  Buffer() = default;
  Buffer(Buffer&& o) noexcept { *this = std::move(o); }
  Buffer& operator=(Buffer&& o) noexcept;
  ~Buffer() { reset(); }
  void reset();

  VkBuffer handle() const { return buffer_; }
  VkDeviceSize offset() const { return offset_; }
  VkDeviceSize size() const { return size_; }
  // Host pointer to the region's first byte, or null for device-only memory.
  void* mapped() const { return mapped_; }
  explicit operator bool() const { return buffer_ != VK_NULL_HANDLE; }

 private:
  friend class Allocator;
  Allocator* owner_ = nullptr;
  int block_ = -1;
  VkBuffer buffer_ = VK_NULL_HANDLE;
  VkDeviceSize offset_ = 0, size_ = 0;
  void* mapped_ = nullptr;
};

class Allocator {
 public:
  explicit Allocator(Context& ctx);
  ~Allocator();

  Buffer allocate(VkDeviceSize size, MemoryKind kind = MemoryKind::kDevice);

  // Bytes in live allocations and in blocks, for reports and tests.
  VkDeviceSize bytes_in_use() const { return in_use_; }
  VkDeviceSize bytes_reserved() const;
  size_t block_count() const { return blocks_.size(); }

 private:
  friend class Buffer;
  struct Block {
    MemoryKind kind;
    VkDeviceMemory memory = VK_NULL_HANDLE;
    VkBuffer buffer = VK_NULL_HANDLE;
    VkDeviceSize size = 0;
    void* mapped = nullptr;
    std::map<VkDeviceSize, VkDeviceSize> free;  // offset -> length
  };
  int new_block(VkDeviceSize size, MemoryKind kind);
  bool carve(Block& b, VkDeviceSize size, VkDeviceSize align, VkDeviceSize* offset);
  void release(int block, VkDeviceSize offset, VkDeviceSize size);
  uint32_t memory_type(uint32_t type_bits, MemoryKind kind, uint32_t* heap) const;

  Context& ctx_;
  std::vector<Block> blocks_;
  VkDeviceSize in_use_ = 0;
};

}  // namespace vkgan
