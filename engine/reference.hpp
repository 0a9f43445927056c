// The CPU reference: evaluates a graph in float64 with every op's reference
// implementation. Tests compare the Vulkan kernels against it and check its
// gradients against finite differences.
#pragma once

#include <map>

#include "engine/graph.hpp"

namespace vkgan {

// `feeds` gives the values of input and parameter nodes (and may override
// any other node). Returns every node's value.
std::map<NodeId, CpuTensor> evaluate_reference(const Graph& g,
                                               const std::map<NodeId, CpuTensor>& feeds);

}  // namespace vkgan
