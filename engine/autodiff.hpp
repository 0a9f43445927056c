// Reverse-mode autodiff as a graph transformation: given a scalar loss (or
// an output with an explicit seed gradient) and the nodes whose gradients are
// wanted, it appends backward nodes to the same graph.
//
// The accumulation rule, stated once: every node's gradient is the sum of
// the contributions of all its consumers, added by `add` nodes in the fixed
// order of the consumers' position in the schedule, so results do not depend
// on timing. Nothing accumulates across runs: each program run overwrites
// every gradient it computes, and a parameter's gradient buffer that no node
// writes stays zero. Only nodes on a path from a wanted node to the loss get
// gradients; ops marked constant (stop_gradient, noise, fill) block them.
#pragma once

#include <map>
#include <vector>

#include "engine/graph.hpp"

namespace vkgan {

struct Gradients {
  // Wanted node -> its gradient node. A wanted node the loss does not depend
  // on is absent (its gradient is zero).
  std::map<NodeId, NodeId> of;
  size_t nodes_added = 0;
};

// `seed` is the gradient of the loss with respect to itself; kNoNode means a
// scalar loss seeded with 1.
Gradients differentiate(Graph& g, NodeId loss, const std::vector<NodeId>& wanted,
                        NodeId seed = kNoNode);

}  // namespace vkgan
