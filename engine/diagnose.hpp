// Where a non-finite value first appears in one run of a training step. The
// step's graph is compiled once more with every tensor kept (none shares
// memory with another), run on the same inputs, and read back in schedule
// order; parameters are checked before the run, so a weight that an earlier
// update made non-finite is named rather than the first node that reads it.
#pragma once

#include <string>
#include <vector>

#include "engine/gan.hpp"

namespace vkgan {

struct NonFinite {
  std::string node;  // empty: every value was finite
  std::string op;    // "parameter" for a parameter
  int64_t index = 0;  // first non-finite element
  float value = 0;
  explicit operator bool() const { return !node.empty(); }
};

// Runs `step` once (advancing the counters and updating its network, as the
// step's own program does), writing `batch` to its real-image input when it
// has one.
NonFinite first_nonfinite(Workspace& ws, const GanStep& step, const std::vector<float>* batch);

}  // namespace vkgan
