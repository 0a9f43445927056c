// Block sub-allocation with first-fit free lists.
#include "engine/vulkan/memory.hpp"

#include <algorithm>
#include <utility>

#include "engine/error.hpp"
#include "engine/log.hpp"
#include "engine/vulkan/context.hpp"

namespace vkgan {
namespace {

constexpr VkDeviceSize kBlockSize = VkDeviceSize(64) << 20;

VkDeviceSize align_up(VkDeviceSize v, VkDeviceSize a) { return (v + a - 1) / a * a; }

double mib(VkDeviceSize b) { return double(b) / (1 << 20); }

}  // namespace

Buffer& Buffer::operator=(Buffer&& o) noexcept {
  if (this != &o) {
    reset();
    owner_ = std::exchange(o.owner_, nullptr);
    block_ = std::exchange(o.block_, -1);
    buffer_ = std::exchange(o.buffer_, VK_NULL_HANDLE);
    offset_ = std::exchange(o.offset_, 0);
    size_ = std::exchange(o.size_, 0);
    mapped_ = std::exchange(o.mapped_, nullptr);
  }
  return *this;
}

void Buffer::reset() {
  if (owner_) owner_->release(block_, offset_, size_);
  owner_ = nullptr;
  buffer_ = VK_NULL_HANDLE;
  mapped_ = nullptr;
}

Allocator::Allocator(Context& ctx) : ctx_(ctx) {}

Allocator::~Allocator() {
  for (Block& b : blocks_) {
    if (b.mapped) vkUnmapMemory(ctx_.device(), b.memory);
    vkDestroyBuffer(ctx_.device(), b.buffer, nullptr);
    vkFreeMemory(ctx_.device(), b.memory, nullptr);
  }
}

VkDeviceSize Allocator::bytes_reserved() const {
  VkDeviceSize s = 0;
  for (const Block& b : blocks_) s += b.size;
  return s;
}

uint32_t Allocator::memory_type(uint32_t bits, MemoryKind kind, uint32_t* heap) const {
  VkPhysicalDeviceMemoryProperties mp;
  vkGetPhysicalDeviceMemoryProperties(ctx_.physical(), &mp);
  auto want = [&](VkMemoryPropertyFlags need, VkMemoryPropertyFlags avoid) -> int {
    for (uint32_t i = 0; i < mp.memoryTypeCount; ++i) {
      VkMemoryPropertyFlags f = mp.memoryTypes[i].propertyFlags;
      if ((bits & (1u << i)) && (f & need) == need && !(f & avoid)) {
        *heap = mp.memoryTypes[i].heapIndex;
        return int(i);
      }
    }
    return -1;
  };
  const auto host = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
  int t = -1;
  switch (kind) {
    case MemoryKind::kDevice:
      t = want(VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT, 0);
      break;
    case MemoryKind::kUpload:
      t = want(host, VK_MEMORY_PROPERTY_HOST_CACHED_BIT);
      break;
    case MemoryKind::kReadback:
      t = want(host | VK_MEMORY_PROPERTY_HOST_CACHED_BIT, 0);
      break;
  }
  if (t < 0) t = want(kind == MemoryKind::kDevice ? 0 : host, 0);
  VKGAN_ASSERT(t >= 0, "no memory type for bits {:#x}", bits);
  return uint32_t(t);
}

int Allocator::new_block(VkDeviceSize size, MemoryKind kind) {
  Block b;
  b.kind = kind;
  b.size = size;
  VkBufferCreateInfo bci{VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO};
  bci.size = size;
  bci.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_UNIFORM_TEXEL_BUFFER_BIT |
              VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT;
  bci.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
  VK_CHECK(vkCreateBuffer(ctx_.device(), &bci, nullptr, &b.buffer));
  VkMemoryRequirements req;
  vkGetBufferMemoryRequirements(ctx_.device(), b.buffer, &req);
  uint32_t heap = 0;
  VkMemoryAllocateInfo mai{VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO};
  mai.allocationSize = req.size;
  mai.memoryTypeIndex = memory_type(req.memoryTypeBits, kind, &heap);
  VkResult r = vkAllocateMemory(ctx_.device(), &mai, nullptr, &b.memory);
  if (r == VK_ERROR_OUT_OF_DEVICE_MEMORY || r == VK_ERROR_OUT_OF_HOST_MEMORY) {
    vkDestroyBuffer(ctx_.device(), b.buffer, nullptr);
    fail("device memory exhausted: asked for a block of {:.1f} MiB with {:.1f} MiB already in "
         "use; heap {} holds {:.1f} MiB",
         mib(req.size), mib(bytes_reserved()), heap, mib(ctx_.info().heaps[heap].first));
  }
  VK_CHECK(r);
  VK_CHECK(vkBindBufferMemory(ctx_.device(), b.buffer, b.memory, 0));
  if (kind != MemoryKind::kDevice)
    VK_CHECK(vkMapMemory(ctx_.device(), b.memory, 0, VK_WHOLE_SIZE, 0, &b.mapped));
  b.free[0] = size;
  blocks_.push_back(std::move(b));
  VKGAN_LOG(2, "memory: new block of {:.1f} MiB ({} blocks)", mib(size), blocks_.size());
  return int(blocks_.size() - 1);
}

bool Allocator::carve(Block& b, VkDeviceSize size, VkDeviceSize align, VkDeviceSize* offset) {
  for (auto it = b.free.begin(); it != b.free.end(); ++it) {
    VkDeviceSize start = align_up(it->first, align);
    VkDeviceSize end = it->first + it->second;
    if (start + size > end) continue;
    VkDeviceSize head = start - it->first;
    VkDeviceSize tail_off = start + size, tail = end - tail_off;
    if (head) it->second = head; else b.free.erase(it);
    if (tail) b.free[tail_off] = tail;
    *offset = start;
    return true;
  }
  return false;
}

Buffer Allocator::allocate(VkDeviceSize size, MemoryKind kind) {
  VKGAN_ASSERT(size > 0, "empty allocation");
  VkDeviceSize align = ctx_.storage_alignment();
  if (kind != MemoryKind::kDevice)
    align = std::max(align, ctx_.limits().non_coherent_atom_size);
  size = align_up(size, 4);
  if (size > ctx_.limits().max_memory_allocation)
    fail("device memory: one tensor of {:.1f} MiB exceeds the device's largest allocation, "
         "{:.1f} MiB",
         mib(size), mib(ctx_.limits().max_memory_allocation));

  Buffer out;
  VkDeviceSize offset = 0;
  int block = -1;
  for (size_t i = 0; i < blocks_.size() && block < 0; ++i)
    if (blocks_[i].kind == kind && carve(blocks_[i], size, align, &offset)) block = int(i);
  if (block < 0) {
    VkDeviceSize bytes = std::max(kBlockSize, align_up(size, VkDeviceSize(1) << 20));
    block = new_block(std::min(bytes, ctx_.limits().max_memory_allocation), kind);
    VKGAN_ASSERT(carve(blocks_[block], size, align, &offset), "fresh block too small");
  }
  Block& b = blocks_[block];
  out.owner_ = this;
  out.block_ = block;
  out.buffer_ = b.buffer;
  out.offset_ = offset;
  out.size_ = size;
  out.mapped_ = b.mapped ? static_cast<char*>(b.mapped) + offset : nullptr;
  in_use_ += size;
  return out;
}

void Allocator::release(int block, VkDeviceSize offset, VkDeviceSize size) {
  Block& b = blocks_[block];
  in_use_ -= size;
  auto [it, ok] = b.free.emplace(offset, size);
  VKGAN_ASSERT(ok, "double free at offset {}", offset);
  auto next = std::next(it);
  if (next != b.free.end() && it->first + it->second == next->first) {
    it->second += next->second;
    b.free.erase(next);
  }
  if (it != b.free.begin()) {
    auto prev = std::prev(it);
    if (prev->first + prev->second == it->first) {
      prev->second += it->second;
      b.free.erase(it);
    }
  }
}

}  // namespace vkgan
