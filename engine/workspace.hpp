// What programs share: each network's parameters with their gradients and
// Adam moments (one contiguous buffer each, so one dispatch updates a whole
// network), the step counters the device advances itself (noise draws, Adam
// steps), and a ring of logged scalars the host reads between steps.
//
// Parameters are matched by name: the D step, the G step and the sampler are
// separate graphs that name the same parameters.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/graph.hpp"
#include "engine/shape.hpp"
#include "engine/vulkan/memory.hpp"

namespace vkgan {

class Context;
class CommandList;

struct ParamEntry {
  std::string name;
  Shape shape;
  uint64_t offset = 0;  // in floats, aligned for binding
  Attrs init;
};

struct ParamStore {
  std::string net;
  uint32_t index = 0;  // this network's step counter is counters[1 + index]
  std::vector<ParamEntry> params;
  uint64_t floats = 0;
  Buffer values, grads, m, v;
  const ParamEntry& entry(const std::string& name) const;
};

// Counter slots in the counters buffer.
inline constexpr uint32_t kDrawCounter = 0;
inline constexpr uint32_t kMaxCounters = 64;

class Workspace {
 public:
  Workspace(Context& ctx, uint64_t seed);
  ~Workspace();

  // Creates storage for every network of `g` not seen before and
  // initialises it from the seed; checks that known parameters match.
  void add_params(const Graph& g);

  Context& ctx() { return ctx_; }
  uint64_t seed() const { return seed_; }
  ParamStore& store(const std::string& net);
  const std::map<std::string, ParamStore>& stores() const { return stores_; }
  Binding param_binding(const std::string& net, const std::string& name, bool grad) const;

  const Buffer& counters() const { return counters_; }
  std::vector<uint32_t> read_counters();
  void write_counters(const std::vector<uint32_t>& values);

  // Logged scalars: `log_slots` per step, for `log_capacity` steps.
  const Buffer& log_ring() const { return log_; }
  static constexpr uint32_t kLogSlots = 8, kLogCapacity = 1024;
  // The values logged at draw-counter value `step` (valid until overwritten).
  std::vector<float> logged(uint32_t step) const;

  const Buffer& zeros() const { return zeros_; }

  // Host copies of every parameter tensor, by full name.
  std::map<std::string, HostTensor> read_params(const std::string& net);
  void write_params(const std::string& net, const std::map<std::string, HostTensor>& values);
  // Adam moments, as one flat vector each.
  std::vector<float> read_flat(const std::string& net, int which);  // 0 values, 1 m, 2 v
  void write_flat(const std::string& net, int which, const std::vector<float>& data);

  // A second copy, on the device, of the training state (every network's
  // values and Adam moments, and the counters), to roll back to. Saving and
  // restoring are buffer copies recorded once; each waits for the device.
  void save_state();
  void restore_state();

 private:
  struct Shadow;
  void initialise(ParamStore& s);
  Shadow& shadow();
  Context& ctx_;
  uint64_t seed_;
  std::map<std::string, ParamStore> stores_;
  Buffer counters_, log_, zeros_;
  std::unique_ptr<Shadow> shadow_;
};

}  // namespace vkgan
