// The slice kernel (shaders/slice_forward.comp), shared by concat's backward
// slices and batch norm's select_row: y = x[..., start : start + len_out, ...]
// along one axis, with x seen as [outer, len_in, inner] around it.
#pragma once

#include "ops/common.hpp"

namespace vkgan::ops {

struct SliceParams {
  uint32_t n;      // output elements
  uint32_t inner;  // elements after the axis
  uint32_t len_in, start, len_out;
};
static_assert(sizeof(SliceParams) <= kMaxPushConstants);

inline void record_slice(const KernelContext& kc, Dispatch& dp, int64_t inner, int64_t len_in,
                         int64_t start, int64_t len_out) {
  use_kernel(kc, dp, "slice_forward", 2);
  uint32_t n = uint32_t(kc.output.elements());
  dp.set_push(SliceParams{n, uint32_t(inner), uint32_t(len_in), uint32_t(start),
                          uint32_t(len_out)});
  dp.groups = groups_for(n, kLocal);
}

}  // namespace vkgan::ops
