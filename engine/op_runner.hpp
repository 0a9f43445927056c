// Runs one op by itself, forward and (given an upstream gradient dy) backward,
// on the device or on the CPU reference. `vkgan opcheck` and the op tests use
// it: the op is built as a model builds it and differentiated by autodiff, so
// a conformance case checks the same path that training takes.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/op.hpp"

namespace vkgan {

struct OpCall {
  std::string op;
  Attrs attrs;
  std::vector<std::pair<std::string, HostTensor>> inputs;  // named as the op names them
  std::optional<HostTensor> dy;
  std::vector<std::string> wanted;  // inputs whose gradients are asked for
};

struct OpResult {
  HostTensor output;
  std::map<std::string, HostTensor> grads;
};

struct CpuOpResult {
  CpuTensor output;
  std::map<std::string, CpuTensor> grads;
};

// Throws Error (naming the op) when the op refuses its inputs or attributes.
OpResult run_op_device(Context& ctx, const OpCall& call);
// The same in float64; inputs may be given in float64 through `exact`
// (for finite differences), overriding the float32 values of `call`.
CpuOpResult run_op_cpu(const OpCall& call,
                       const std::map<std::string, CpuTensor>& exact = {});

}  // namespace vkgan
