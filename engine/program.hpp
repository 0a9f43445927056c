// Compilation: a graph becomes a program. The schedule is the graph's
// topological order; the memory plan places every intermediate tensor in one
// arena so that tensors whose lifetimes do not overlap share memory; and the
// whole schedule is recorded once into one command buffer with a barrier
// exactly where a dispatch touches memory that an earlier, unbarriered
// dispatch wrote (or reads memory it is about to overwrite). Running the
// program again replays that buffer: no graph work, no allocation, no
// descriptor update.
#pragma once

#include <map>
#include <memory>
#include <vector>

#include "engine/graph.hpp"
#include "engine/vulkan/commands.hpp"
#include "engine/workspace.hpp"

namespace vkgan {

struct ProgramOptions {
  // Nodes whose values must survive the run so the host can read them.
  std::vector<NodeId> outputs;
  // Gradient node -> parameter node: the gradient is written straight into
  // the parameter's slot of its network's gradient buffer.
  std::map<NodeId, NodeId> param_grads;
  // Record timestamps around every dispatch.
  bool profile = false;
};

struct TensorPlacement {
  uint64_t offset = 0, bytes = 0;  // in the arena
  size_t first = 0, last = 0;      // schedule positions: defined, last read
};

struct ProgramStats {
  size_t dispatches = 0;
  size_t barriers = 0;
  uint64_t planned_bytes = 0;  // the arena
  uint64_t naive_bytes = 0;    // every intermediate tensor on its own
};

class Program {
 public:
  Program(Workspace& ws, const Graph& g, ProgramOptions options = {});
  ~Program();

  // Submits and waits.
  void run();
  // Submits after `before` (e.g. an upload) in one batch, signalling `fence`.
  void submit(VkFence fence, const CommandList* before = nullptr);

  void write(NodeId input, const std::vector<float>& data);
  std::vector<float> read(NodeId id);
  Binding binding(NodeId id) const;

  const Graph& graph() const { return g_; }
  const std::vector<NodeId>& schedule() const { return dispatched_; }
  const ProgramStats& stats() const { return stats_; }
  const std::map<NodeId, TensorPlacement>& placements() const { return placed_; }
  // Device time of each dispatched node in the last run (profile only).
  std::vector<double> node_times_ns() const;
  const CommandList& commands() const { return *commands_; }

 private:
  void plan_memory(const std::vector<NodeId>& order);
  void record();
  NodeId root(NodeId id) const;

  Workspace& ws_;
  const Graph& g_;
  ProgramOptions options_;
  std::vector<NodeId> dispatched_;
  std::vector<NodeId> owner_;  // the node of each recorded dispatch
  std::map<NodeId, TensorPlacement> placed_;
  std::map<NodeId, NodeId> grad_param_;
  Buffer arena_;
  std::unique_ptr<CommandList> commands_;
  ProgramStats stats_;
};

}  // namespace vkgan
