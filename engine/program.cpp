// Scheduling, memory planning, barrier placement and recording.
#include "engine/program.hpp"

#include <algorithm>
#include <cstring>
#include <set>

#include "engine/log.hpp"
#include "engine/vulkan/context.hpp"

namespace vkgan {
namespace {

uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

struct Range {
  VkBuffer buffer;
  uint64_t begin, end;
  bool overlaps(const Range& o) const {
    return buffer == o.buffer && begin < o.end && o.begin < end;
  }
};

Range range_of(const Binding& b) { return {b.buffer, b.offset, b.offset + b.size}; }

bool any_overlap(const std::vector<Range>& a, const Range& r) {
  return std::any_of(a.begin(), a.end(), [&](const Range& x) { return x.overlaps(r); });
}

// First-fit placement among the live intervals of the arena.
uint64_t place(const std::vector<std::pair<uint64_t, uint64_t>>& live, uint64_t bytes,
               uint64_t align) {
  uint64_t at = 0;
  for (const auto& [begin, end] : live) {  // sorted by begin
    if (at + bytes <= begin) break;
    at = std::max(at, align_up(end, align));
  }
  return at;
}

// The same element-wise dispatch over consecutive windows of its tensors,
// each window within maxStorageBufferRange and at an aligned offset; the
// element count at the start of the push constants becomes the window's.
std::vector<Dispatch> split_windows(Context& ctx, const Dispatch& d, uint64_t elements) {
  uint64_t align = ctx.storage_alignment();
  uint64_t window = ctx.limits().max_storage_buffer_range / align * align / sizeof(float);
  std::vector<Dispatch> out;
  for (uint64_t first = 0; first < elements; first += window) {
    uint32_t count = uint32_t(std::min(window, elements - first));
    Dispatch w = d;
    w.barrier_before = d.barrier_before && first == 0;
    for (Binding& b : w.bindings) {
      b.offset += first * sizeof(float);
      b.size = uint64_t(count) * sizeof(float);
    }
    std::memcpy(w.push.data(), &count, sizeof(count));
    w.groups = groups_for(count, d.kernel->local_size[0]);
    out.push_back(std::move(w));
  }
  return out;
}

}  // namespace

Program::Program(Workspace& ws, const Graph& g, ProgramOptions options)
    : ws_(ws), g_(g), options_(std::move(options)) {
  ws.add_params(g);
  for (auto [grad, param] : options_.param_grads) grad_param_[grad] = param;
  std::vector<NodeId> order = g.topological_order();
  for (NodeId id : order)
    if (g.node(id).def->dispatches) dispatched_.push_back(id);
  plan_memory(order);
  record();
  VKGAN_LOG(1, "program: {} dispatches, {} barriers, arena {:.2f} MiB (naive {:.2f} MiB)",
            stats_.dispatches, stats_.barriers, double(stats_.planned_bytes) / (1 << 20),
            double(stats_.naive_bytes) / (1 << 20));
}

Program::~Program() = default;

std::vector<double> Program::node_times_ns() const {
  std::vector<double> per_dispatch = commands_->dispatch_times_ns();
  std::vector<double> out(dispatched_.size(), 0.0);
  if (per_dispatch.empty()) return {};
  size_t node = 0;
  for (size_t i = 0; i < per_dispatch.size(); ++i) {
    while (dispatched_[node] != owner_[i]) ++node;
    out[node] += per_dispatch[i];
  }
  return out;
}

NodeId Program::root(NodeId id) const {
  while (g_.node(id).def->alias) id = g_.node(id).inputs[0];
  return id;
}

// Tensors that live in the arena: everything but parameters, gradients
// placed in a network's buffer, and aliases (which share their root's slot).
void Program::plan_memory(const std::vector<NodeId>& order) {
  std::map<NodeId, size_t> position;
  for (size_t i = 0; i < order.size(); ++i) position[order[i]] = i;
  std::set<NodeId> kept(options_.outputs.begin(), options_.outputs.end());

  for (NodeId id : order) {
    const Node& n = g_.node(id);
    if (n.role == Role::kParam || n.def->alias || grad_param_.count(id)) continue;
    TensorPlacement p;
    p.bytes = std::max<uint64_t>(n.shape.bytes(), 4);
    p.first = position[id];
    p.last = p.first;
    bool keep = n.role == Role::kInput || kept.count(id);
    if (keep) p.first = 0, p.last = order.size();
    placed_[id] = p;
  }
  for (NodeId id : order) {
    for (NodeId in : g_.node(id).inputs) {
      if (in == kNoNode) continue;
      auto it = placed_.find(root(in));
      if (it != placed_.end()) it->second.last = std::max(it->second.last, position[id]);
    }
  }
  for (NodeId id : kept) {
    auto it = placed_.find(root(id));
    if (it != placed_.end()) it->second.first = 0, it->second.last = order.size();
  }

  // Walk the schedule: a tensor takes a slot when defined (or at the start,
  // when kept) and frees it after its last read.
  uint64_t align = ws_.ctx().storage_alignment();
  std::vector<std::pair<uint64_t, uint64_t>> live;
  std::multimap<size_t, std::pair<uint64_t, uint64_t>> frees;
  std::vector<std::pair<size_t, NodeId>> starts;
  for (auto& [id, p] : placed_) starts.push_back({p.first, id});
  std::sort(starts.begin(), starts.end());
  size_t cursor = 0;
  for (size_t step = 0; step <= order.size(); ++step) {
    for (; cursor < starts.size() && starts[cursor].first == step; ++cursor) {
      TensorPlacement& p = placed_[starts[cursor].second];
      p.offset = place(live, p.bytes, align);
      live.insert(std::upper_bound(live.begin(), live.end(),
                                   std::pair(p.offset, p.offset + p.bytes)),
                  {p.offset, p.offset + p.bytes});
      stats_.planned_bytes = std::max(stats_.planned_bytes, p.offset + p.bytes);
      stats_.naive_bytes += p.bytes;
      frees.insert({p.last, {p.offset, p.offset + p.bytes}});
    }
    auto [b, e] = frees.equal_range(step);
    for (auto f = b; f != e; ++f) live.erase(std::find(live.begin(), live.end(), f->second));
    frees.erase(b, e);
  }
  arena_ = ws_.ctx().allocator().allocate(std::max<uint64_t>(stats_.planned_bytes, 16));
}

Binding Program::binding(NodeId id) const {
  NodeId r = root(id);
  const Node& n = g_.node(r);
  uint64_t bytes = g_.node(id).shape.bytes();
  if (n.role == Role::kParam) return ws_.param_binding(n.net, n.name, false);
  if (auto it = grad_param_.find(r); it != grad_param_.end()) {
    const Node& p = g_.node(it->second);
    return ws_.param_binding(p.net, p.name, true);
  }
  auto it = placed_.find(r);
  VKGAN_ASSERT(it != placed_.end(), "node '{}' has no memory", n.name);
  return {arena_.handle(), arena_.offset() + it->second.offset, std::max<uint64_t>(bytes, 4)};
}

void Program::record() {
  Context& ctx = ws_.ctx();
  std::vector<Dispatch> list;
  std::vector<Range> pending_reads, pending_writes;
  for (NodeId id : dispatched_) {
    const Node& n = g_.node(id);
    KernelContext kc{ctx, ws_, n, {}, {}, n.shape};
    std::vector<Binding> ins;
    for (NodeId in : n.inputs) {
      kc.inputs.push_back(in == kNoNode ? Shape{} : g_.shape(in));
      kc.present.push_back(in != kNoNode);
      ins.push_back(in == kNoNode ? bind(ws_.zeros()) : binding(in));
    }
    kc.present.resize(std::max(n.inputs.size(), n.def->inputs.size()), false);
    kc.inputs.resize(kc.present.size());
    bool variadic = !n.def->inputs.empty() && n.def->inputs.back().ends_with("...");
    if (!variadic) ins.resize(n.def->inputs.size(), bind(ws_.zeros()));

    Dispatch d;
    d.label = n.name;
    n.def->kernel(kc, d);
    std::vector<BoundTensor> bound;
    if (n.def->bind) {
      bound = n.def->bind(BindContext{ws_, n, ins, binding(id)});
    } else {
      for (const Binding& b : ins) bound.push_back({b, false});
      bound.push_back({binding(id), true});
    }

    // A barrier when this dispatch reads what an unbarriered one wrote, or
    // writes what one read or wrote.
    bool hazard = false;
    for (const BoundTensor& t : bound) {
      Range r = range_of(t.binding);
      hazard = hazard || any_overlap(pending_writes, r) ||
               (t.written && any_overlap(pending_reads, r));
    }
    if (hazard) {
      d.barrier_before = true;
      ++stats_.barriers;
      pending_reads.clear();
      pending_writes.clear();
    }
    uint64_t largest = 0;
    for (const BoundTensor& t : bound) {
      largest = std::max(largest, t.binding.size);
      d.bindings.push_back(t.binding);
      (t.written ? pending_writes : pending_reads).push_back(range_of(t.binding));
    }
    if (largest <= ctx.limits().max_storage_buffer_range) {
      list.push_back(std::move(d));
      owner_.push_back(id);
      continue;
    }
    // TODO(a kernel that walks windows itself): only element-wise kernels
    // can take a tensor above maxStorageBufferRange (128 MiB on lavapipe).
    if (!n.def->elementwise)
      fail("{} '{}': a tensor of {:.1f} MiB exceeds the device's storage buffer range of "
           "{:.1f} MiB; hint: use a smaller batch",
           n.op, n.name, double(largest) / (1 << 20),
           double(ctx.limits().max_storage_buffer_range) / (1 << 20));
    for (Dispatch& w : split_windows(ctx, d, uint64_t(n.shape.elements()))) {
      list.push_back(std::move(w));
      owner_.push_back(id);
    }
  }
  stats_.dispatches = list.size();
  commands_ = std::make_unique<CommandList>(ctx);
  commands_->record(list, options_.profile);
}

void Program::run() {
  Fence fence(ws_.ctx());
  submit(fence.handle());
  fence.wait();
}

void Program::submit(VkFence fence, const CommandList* before) {
  if (before)
    vkgan::submit(ws_.ctx(), {before, commands_.get()}, fence);
  else
    vkgan::submit(ws_.ctx(), {commands_.get()}, fence);
}

void Program::write(NodeId input, const std::vector<float>& data) {
  const Node& n = g_.node(input);
  if (int64_t(data.size()) != n.shape.elements())
    fail("input '{}': {} values given, shape {} holds {}", n.name, data.size(), n.shape,
         n.shape.elements());
  Binding b = binding(input);
  VKGAN_ASSERT(b.buffer == arena_.handle(), "'{}' is not an input", n.name);
  upload(ws_.ctx(), arena_, data.data(), data.size() * 4, b.offset - arena_.offset());
}

std::vector<float> Program::read(NodeId id) {
  Binding b = binding(id);
  std::vector<float> out(size_t(g_.shape(id).elements()));
  // Every binding lives in a block the allocator handed out; read it
  // through a buffer view of the same block.
  Buffer* owner = nullptr;
  // Blocks hold many buffers: the handle alone does not tell them apart.
  if (b.buffer == arena_.handle() && b.offset >= arena_.offset() &&
      b.offset < arena_.offset() + arena_.size())
    owner = &arena_;
  if (owner) {
    download(ws_.ctx(), *owner, out.data(), out.size() * 4, b.offset - owner->offset());
    return out;
  }
  const Node& n = g_.node(root(id));
  const Buffer* store = nullptr;
  std::string net = n.role == Role::kParam ? n.net : g_.node(grad_param_.at(root(id))).net;
  const ParamStore& s = ws_.store(net);
  store = n.role == Role::kParam ? &s.values : &s.grads;
  download(ws_.ctx(), *store, out.data(), out.size() * 4, b.offset - store->offset());
  return out;
}

}  // namespace vkgan
