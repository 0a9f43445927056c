// Pooling geometry shared by the max_pool2d and avg_pool2d kernels: the push
// constants (PoolParams in ops/pool.cpp), output windows, PyTorch's divisor,
// and the outputs whose windows hold an input position. A shader that
// reads tensor `x` (common/tensor.glsl) and defines VKGAN_POOL_ARGMAX also
// gets window_argmax().
#ifndef VKGAN_POOL_GLSL
#define VKGAN_POOL_GLSL

#include "divide.glsl"

layout(push_constant) uniform Params {
  uint planes;  // N * C
  uint in_h, in_w, out_h, out_w;
  uint kernel_h, kernel_w, stride_h, stride_w, pad_h, pad_w;
  uint include_pad;  // avg_pool2d: padded positions count in the divisor
  // As divisors: the width and area of the kernel's own grid (the output's
  // forward, the input's backward), and the strides.
  uvec2 by_w, by_area, by_stride_h, by_stride_w;
} p;

// Output (oh, ow)'s window: where it starts in the unpadded frame (negative
// inside the padding) and the real rows [h0, h1) and columns [w0, w1).
struct Window {
  int start_h, start_w;
  int h0, h1, w0, w1;
};

Window pool_window(uint oh, uint ow) {
  Window win;
  win.start_h = int(oh * p.stride_h) - int(p.pad_h);
  win.start_w = int(ow * p.stride_w) - int(p.pad_w);
  win.h0 = max(win.start_h, 0);
  win.w0 = max(win.start_w, 0);
  win.h1 = min(win.start_h + int(p.kernel_h), int(p.in_h));
  win.w1 = min(win.start_w + int(p.kernel_w), int(p.in_w));
  return win;
}

// PyTorch's divisor: the window clipped to the padded input (a ceil_mode
// window running past the padding has fewer than kh*kw), or only the real
// positions without count_include_pad.
float pool_divisor(Window win) {
  if (p.include_pad == 0) return float((win.h1 - win.h0) * (win.w1 - win.w0));
  int h = min(win.start_h + int(p.kernel_h), int(p.in_h + p.pad_h)) - win.start_h;
  int w = min(win.start_w + int(p.kernel_w), int(p.in_w + p.pad_w)) - win.start_w;
  return float(h * w);
}

// Outputs [first, last] along one axis whose windows hold input position i;
// empty when first > last. by_stride is stride as a divisor.
ivec2 windows_holding(int i, uint kernel, uint stride, uvec2 by_stride, uint pad, uint out_n) {
  int from = i + int(pad) - int(kernel) + 1;
  int first = from <= 0 ? 0 : int(divide(uint(from) + stride - 1, by_stride));
  int last = min(int(divide(uint(i + int(pad)), by_stride)), int(out_n) - 1);
  return ivec2(first, last);
}

#ifdef VKGAN_POOL_ARGMAX
// Plane-local index of the window's first maximum in row-major order, a NaN
// counting as largest. Padding never wins: only real positions are read.
uint window_argmax(uint plane_base, Window win) {
  uint best = uint(win.h0) * p.in_w + uint(win.w0);
  float best_v = load_x(plane_base + best);
  for (int i = win.h0; i < win.h1; ++i)
    for (int j = win.w0; j < win.w1; ++j) {
      uint at = uint(i) * p.in_w + uint(j);
      float v = load_x(plane_base + at);
      if (v > best_v || (isnan(v) && !isnan(best_v))) {
        best = at;
        best_v = v;
      }
    }
  return best;
}
#endif

#endif
