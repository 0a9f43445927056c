// How fast the device runs the register-blocked product that the CPU
// convolution and dense kernels are built on (shaders/probe_gemm.comp): with
// its operands read as storage buffers, as texel buffers, or made up in
// registers. `vkgan bench --ceiling` prints these rates, against which the
// kernels' own GFLOP/s in a profile can be read.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/vulkan/context.hpp"

namespace vkgan {

// How the probe gets its operands.
enum class ProbeOperands { kStorage, kTexel, kRegisters };

const char* probe_operands_name(ProbeOperands o);

// Invocations in a probe's work group: the SIMD width, as in the CPU kernels.
uint32_t probe_lanes(const Context& ctx);

struct ProbeShape {
  int64_t m = 128, n = 3136, k = 1024;  // dcgan28's disc.conv2 at batch 64
  uint32_t block_m = 16, block_n = 24;
};

// C = A B on the device; A [m, k] and B [k, n] row-major. With kRegisters
// the product is of made-up operands and C is not meaningful.
std::vector<float> probe_product(Context& ctx, const ProbeShape& s, ProbeOperands operands,
                                 const std::vector<float>& a, const std::vector<float>& b);

struct CeilingRow {
  ProbeOperands operands;
  ProbeShape shape;
  double ms;      // median wall time of one dispatch
  double gflops;  // 2 m n k over that time
};

// Times the probe `runs` times per operand kind and block shape.
std::vector<CeilingRow> measure_ceiling(Context& ctx, int runs);

}  // namespace vkgan
