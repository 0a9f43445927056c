// Helpers shared by the op files: pipeline choice, the push-constant block
// of element-wise kernels, and attribute reading with validation.
#pragma once

#include <algorithm>
#include <cmath>

#include "engine/graph.hpp"
#include "engine/op.hpp"
#include "engine/vulkan/context.hpp"
#include "engine/vulkan/pipeline.hpp"

namespace vkgan::ops {

inline constexpr uint32_t kLocal = 256;  // lanes per work group, 1-D kernels

// Chooses the kernel for a dispatch; `texel_bindings` as in KernelSpec.
inline void use_kernel(const KernelContext& kc, Dispatch& d, const std::string& shader,
                       uint32_t bindings, std::vector<uint32_t> constants = {},
                       uint32_t local = kLocal, uint32_t texel_bindings = 0) {
  KernelSpec spec{shader, bindings, {local, 1, 1}, std::move(constants), texel_bindings};
  d.kernel = &kc.ctx.pipelines().get(spec);
}

// For a shader also built as `<shader>_texel` (shaders/meson.build), which
// reads its first `texel_inputs` inputs through common/tensor.glsl: on a CPU
// device with texel buffers, where each of those inputs fits
// maxTexelBufferElements, that variant with them bound as texel buffers;
// else the shader itself. NOTE: GPUs keep storage buffers, the path measured
// there.
inline void use_kernel_texel(const KernelContext& kc, Dispatch& d, const std::string& shader,
                             size_t texel_inputs, uint32_t bindings,
                             std::vector<uint32_t> constants = {}, uint32_t local = kLocal) {
  bool texel = kc.ctx.info().type == "cpu" && kc.ctx.features().texel_buffers;
  for (size_t i = 0; texel && i < texel_inputs; ++i)
    texel = uint64_t(kc.inputs[i].elements()) <= kc.ctx.limits().max_texel_buffer_elements;
  use_kernel(kc, d, texel ? shader + "_texel" : shader, bindings, std::move(constants), local,
             texel ? (1u << texel_inputs) - 1 : 0u);
}

// The push constants of element-wise kernels.
struct ElementParams {
  uint32_t n;
  float a, b;
  uint32_t flags;
};
static_assert(sizeof(ElementParams) <= kMaxPushConstants);

// Binding count of a node's kernel under the inputs-then-output rule.
inline uint32_t default_bindings(const KernelContext& kc) {
  return uint32_t(kc.node.def->inputs.size() + 1);
}

// use_kernel_texel for a shader that reads every input of the node that way.
inline void use_kernel_texel_inputs(const KernelContext& kc, Dispatch& d,
                                    const std::string& shader,
                                    std::vector<uint32_t> constants = {}) {
  use_kernel_texel(kc, d, shader, kc.node.def->inputs.size(), default_bindings(kc),
                   std::move(constants));
}

inline void require_same_shape(const InferContext& ic, size_t a, size_t b) {
  if (ic.inputs[a] != ic.inputs[b])
    ic.fail("{} has shape {} but {} has shape {}", ic.op == "" ? "x" : "input 0", ic.inputs[a],
            "input 1", ic.inputs[b]);
}

// A pair attribute (stride, padding, ...) with every value at least `min`.
inline std::array<int64_t, 2> pair_attr(const InferContext& ic, const char* name, int64_t fallback,
                                        int64_t min) {
  std::vector<int64_t> v = ic.attrs.ints(name, {fallback, fallback});
  if (v.size() == 1) v.push_back(v[0]);
  if (v.size() != 2) ic.fail("{} must have 2 values, got {}", name, v.size());
  if (v[0] < min || v[1] < min)
    ic.fail("{} must be at least {}, got [{},{}]", name, min, v[0], v[1]);
  return {v[0], v[1]};
}

inline std::array<int64_t, 2> pair_of(const Attrs& a, const char* name, int64_t fallback) {
  std::vector<int64_t> v = a.ints(name, {fallback, fallback});
  if (v.size() == 1) v.push_back(v[0]);
  return {v[0], v[1]};
}

// Every op family registers its ops here (ops/registry.cpp lists them).
void register_activation(std::vector<OpDef>& out);
void register_arith(std::vector<OpDef>& out);
void register_values(std::vector<OpDef>& out);
void register_dense(std::vector<OpDef>& out);
void register_reduce(std::vector<OpDef>& out);
void register_loss(std::vector<OpDef>& out);
void register_noise(std::vector<OpDef>& out);
void register_adam(std::vector<OpDef>& out);
void register_conv(std::vector<OpDef>& out);
void register_conv_transpose(std::vector<OpDef>& out);
void register_pool(std::vector<OpDef>& out);
void register_upsample(std::vector<OpDef>& out);
void register_batch_norm(std::vector<OpDef>& out);
void register_concat(std::vector<OpDef>& out);

}  // namespace vkgan::ops
