// Parameter storage, initialisation and the step counters.
#include "engine/workspace.hpp"

#include <algorithm>

#include "engine/random.hpp"
#include "engine/vulkan/commands.hpp"
#include "engine/vulkan/context.hpp"

namespace vkgan {

const ParamEntry& ParamStore::entry(const std::string& name) const {
  for (const ParamEntry& e : params)
    if (e.name == name) return e;
  fail("network '{}' has no parameter '{}'", net, name);
}

struct Workspace::Shadow {
  Buffer state;
  size_t stores = 0;
  std::unique_ptr<CommandList> save, restore;
};

Workspace::~Workspace() = default;

Workspace::Workspace(Context& ctx, uint64_t seed) : ctx_(ctx), seed_(seed) {
  Allocator& a = ctx.allocator();
  counters_ = a.allocate(kMaxCounters * sizeof(uint32_t));
  fill_zero(ctx, counters_);
  log_ = a.allocate(size_t(kLogSlots) * kLogCapacity * sizeof(float), MemoryKind::kReadback);
  std::fill_n(static_cast<float*>(log_.mapped()), kLogSlots * kLogCapacity, 0.0f);
  zeros_ = a.allocate(256);
  fill_zero(ctx, zeros_);
}

void Workspace::add_params(const Graph& g) {
  uint64_t align = ctx_.storage_alignment() / sizeof(float);
  for (const std::string& net : g.networks()) {
    if (auto it = stores_.find(net); it != stores_.end()) {
      for (NodeId id : g.params(net)) {
        const Node& n = g.node(id);
        const ParamEntry& e = it->second.entry(n.name);
        if (e.shape != n.shape)
          fail("parameter '{}': shape {} here, {} where it was created", n.name, n.shape, e.shape);
      }
      continue;
    }
    ParamStore s;
    s.net = net;
    s.index = uint32_t(stores_.size());
    VKGAN_ASSERT(1 + s.index < kMaxCounters, "too many networks");
    for (NodeId id : g.params(net)) {
      const Node& n = g.node(id);
      s.floats = (s.floats + align - 1) / align * align;
      s.params.push_back({n.name, n.shape, s.floats, n.attrs});
      s.floats += uint64_t(n.shape.elements());
    }
    s.floats = std::max<uint64_t>(s.floats, 1);
    Allocator& a = ctx_.allocator();
    s.values = a.allocate(s.floats * 4);
    s.grads = a.allocate(s.floats * 4);
    s.m = a.allocate(s.floats * 4);
    s.v = a.allocate(s.floats * 4);
    initialise(s);
    stores_.emplace(net, std::move(s));
  }
}

// Weights from N(0, std) (std 0.02 unless given), zeros or ones; each
// parameter draws from its own stream so adding one does not shift another.
void Workspace::initialise(ParamStore& s) {
  std::vector<float> host(s.floats, 0.0f);
  for (const ParamEntry& e : s.params) {
    std::string init = e.init.string("init", "normal");
    double std_dev = e.init.real("std", 0.02);
    uint32_t stream = stream_of(e.name.c_str());
    for (int64_t i = 0; i < e.shape.elements(); ++i) {
      float v = init == "zeros" ? 0.0f
                : init == "ones" ? 1.0f
                                 : float(std_dev) * philox_normal(uint32_t(seed_),
                                                                  uint32_t(seed_ >> 32), stream,
                                                                  0xFFFFFFFFu, uint32_t(i));
      host[e.offset + uint64_t(i)] = v;
    }
  }
  upload(ctx_, s.values, host.data(), host.size() * 4);
  fill_zero(ctx_, s.grads);
  fill_zero(ctx_, s.m);
  fill_zero(ctx_, s.v);
}

ParamStore& Workspace::store(const std::string& net) {
  auto it = stores_.find(net);
  if (it == stores_.end()) fail("no network named '{}'", net);
  return it->second;
}

Binding Workspace::param_binding(const std::string& net, const std::string& name,
                                 bool grad) const {
  const ParamStore& s = stores_.at(net);
  const ParamEntry& e = s.entry(name);
  const Buffer& b = grad ? s.grads : s.values;
  return {b.handle(), b.offset() + e.offset * 4, uint64_t(e.shape.elements()) * 4};
}

std::vector<uint32_t> Workspace::read_counters() {
  std::vector<uint32_t> c(kMaxCounters);
  download(ctx_, counters_, c.data(), c.size() * 4);
  return c;
}

void Workspace::write_counters(const std::vector<uint32_t>& values) {
  VKGAN_ASSERT(values.size() <= kMaxCounters, "{} counters", values.size());
  upload(ctx_, counters_, values.data(), values.size() * 4);
}

std::vector<float> Workspace::logged(uint32_t step) const {
  const float* ring = static_cast<const float*>(log_.mapped());
  size_t row = size_t(step % kLogCapacity) * kLogSlots;
  return {ring + row, ring + row + kLogSlots};
}

std::map<std::string, HostTensor> Workspace::read_params(const std::string& net) {
  std::vector<float> flat = read_flat(net, 0);
  std::map<std::string, HostTensor> out;
  for (const ParamEntry& e : store(net).params) {
    auto first = flat.begin() + int64_t(e.offset);
    out[e.name] = {e.shape, {first, first + e.shape.elements()}};
  }
  return out;
}

void Workspace::write_params(const std::string& net,
                             const std::map<std::string, HostTensor>& values) {
  std::vector<float> flat = read_flat(net, 0);
  for (const ParamEntry& e : store(net).params) {
    auto it = values.find(e.name);
    if (it == values.end()) fail("no value given for parameter '{}'", e.name);
    if (it->second.shape != e.shape)
      fail("parameter '{}': expected shape {}, got {}", e.name, e.shape, it->second.shape);
    std::copy(it->second.data.begin(), it->second.data.end(), flat.begin() + int64_t(e.offset));
  }
  write_flat(net, 0, flat);
}

static const Buffer& flat_buffer(const ParamStore& s, int which) {
  return which == 0 ? s.values : which == 1 ? s.m : which == 2 ? s.v : s.grads;
}

std::vector<float> Workspace::read_flat(const std::string& net, int which) {
  const ParamStore& s = store(net);
  std::vector<float> out(s.floats);
  download(ctx_, flat_buffer(s, which), out.data(), out.size() * 4);
  return out;
}

void Workspace::write_flat(const std::string& net, int which, const std::vector<float>& data) {
  const ParamStore& s = store(net);
  VKGAN_ASSERT(data.size() == s.floats, "{} floats for {}", data.size(), s.floats);
  upload(ctx_, flat_buffer(s, which), data.data(), data.size() * 4);
}

// The shadow holds each store's values, m and v, then the counters, in the
// order the stores are listed; it is rebuilt if a network was added since.
Workspace::Shadow& Workspace::shadow() {
  if (shadow_ && shadow_->stores == stores_.size()) return *shadow_;
  auto sh = std::make_unique<Shadow>();
  sh->stores = stores_.size();
  std::vector<const Buffer*> live;
  for (const auto& [net, s] : stores_)
    for (const Buffer* b : {&s.values, &s.m, &s.v}) live.push_back(b);
  live.push_back(&counters_);
  uint64_t align = ctx_.storage_alignment(), bytes = 0;
  std::vector<uint64_t> at;
  for (const Buffer* b : live) {
    at.push_back(bytes);
    bytes += (b->size() + align - 1) / align * align;
  }
  sh->state = ctx_.allocator().allocate(bytes);
  auto copies = [&](bool save) {
    auto list = std::make_unique<CommandList>(ctx_);
    list->record_with([&](VkCommandBuffer cb) {
      barrier_full(cb);
      for (size_t i = 0; i < live.size(); ++i) {
        VkDeviceSize shadow_at = sh->state.offset() + at[i];
        VkBufferCopy r{save ? live[i]->offset() : shadow_at, save ? shadow_at : live[i]->offset(),
                       live[i]->size()};
        vkCmdCopyBuffer(cb, save ? live[i]->handle() : sh->state.handle(),
                        save ? sh->state.handle() : live[i]->handle(), 1, &r);
      }
      barrier_full(cb);
    });
    return list;
  };
  sh->save = copies(true);
  sh->restore = copies(false);
  shadow_ = std::move(sh);
  return *shadow_;
}

void Workspace::save_state() { submit_and_wait(ctx_, {shadow().save.get()}); }

void Workspace::restore_state() {
  VKGAN_ASSERT(shadow_ && shadow_->stores == stores_.size(),
               "restore_state without a save_state of the same networks");
  submit_and_wait(ctx_, {shadow_->restore.get()});
}

}  // namespace vkgan
