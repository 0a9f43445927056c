// Upsampling geometry shared by the forward and backward kernels: the push
// constants (UpsampleParams in ops/upsample.cpp), the bilinear source taps
// of an output position, and the outputs that can read an input position.
#ifndef VKGAN_UPSAMPLE_GLSL
#define VKGAN_UPSAMPLE_GLSL

#include "divide.glsl"

layout(push_constant) uniform Params {
  uint planes;  // N * C
  uint in_h, in_w, out_h, out_w;
  uint scale_h, scale_w;
  uint align_corners;
  // As divisors: the width and area of the kernel's own grid (the output's
  // forward, the input's backward), and the scales.
  uvec2 by_w, by_area, by_scale_h, by_scale_w;
} p;

// Output position dst reads inputs i0 and i1 along one axis, with weights
// 1 - t and t (i0 == i1 at the last input).
struct Taps {
  int i0, i1;
  float t;
};

Taps source_taps(uint dst, uint in_n, uint out_n, uint scale) {
  float src;
  if (p.align_corners != 0)
    src = out_n > 1 ? float(dst) * (float(in_n - 1) / float(out_n - 1)) : 0.0;
  else
    src = max((float(dst) + 0.5) / float(scale) - 0.5, 0.0);
  Taps taps;
  taps.i0 = min(int(src), int(in_n) - 1);
  taps.i1 = min(taps.i0 + 1, int(in_n) - 1);
  taps.t = src - float(taps.i0);
  return taps;
}

// Weight of input i in an output's interpolation along one axis; both taps
// count when they fall on the same input.
float tap_weight(Taps taps, int i) {
  return (taps.i0 == i ? 1.0 - taps.t : 0.0) + (taps.i1 == i ? taps.t : 0.0);
}

// Outputs [first, last] along one axis whose taps can include input i: those
// with a source coordinate in [i - 1, i + 1), mapped back and widened by one
// each side against rounding (the caller still tests each one's taps).
ivec2 outputs_reading(int i, uint in_n, uint out_n, uint scale) {
  if (p.align_corners != 0 && in_n == 1) return ivec2(0, int(out_n) - 1);
  float per, center;
  if (p.align_corners != 0) {
    per = float(out_n - 1) / float(in_n - 1);
    center = float(i) * per;
  } else {
    per = float(scale);
    center = (float(i) + 0.5) * per - 0.5;
  }
  int first = max(int(floor(center - per)) - 1, 0);
  int last = min(int(ceil(center + per)) + 1, int(out_n) - 1);
  return ivec2(first, last);
}

#endif
