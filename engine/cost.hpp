// What a program costs, node by node, for `vkgan bench` and `vkgan dump`:
// FLOPs and bytes from each op's own cost rule, and each dispatched node's
// median device time over profiled runs (ProgramOptions::profile).
#pragma once

#include <map>
#include <vector>

#include "engine/program.hpp"

namespace vkgan {

// The op's estimate for one node; zero for ops without one (inputs, params).
Cost node_cost(const Graph& g, NodeId id);

// FLOPs of one run: every dispatched node's.
double program_flops(const Program& p);

double median(std::vector<double> v);

// Runs `p` `runs` times and gives each dispatched node's median device time
// in nanoseconds, by node id. Empty when the program records no timestamps
// (compiled without profiling, or VKGAN_DISABLE=timestamps).
std::map<NodeId, double> median_node_times(Program& p, int runs);

}  // namespace vkgan
