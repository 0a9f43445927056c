// What the convolution kernels share: the geometry in the push constants
// and the shape of a work group. Sizes are conv2d's: x [batch, x_c, x_h, x_w]
// is the large image, y [batch, y_c, y_h, y_w] the small one, w [y_c,
// x_c/groups, kernel_h, kernel_w]; the transposed convolution runs the same
// geometry from y back to x.
//
// Every kernel is a per-group product C[m, t] = sum_k A[m, k] B[k, t]. A
// work group takes kBlockM rows m, the same for all its invocations, and
// kLanes * kBlockN columns t, kBlockN per invocation (t = j * kLanes + lane).
// The loop over k is the same in every invocation, so A's addresses are the
// same too (a GPU broadcasts them) and only B's differ; there is no shared
// memory and no barrier (but for the weight gradient's split-sum variant),
// and each sum runs over k in order, so results are deterministic.
#ifndef VKGAN_CONV_GLSL
#define VKGAN_CONV_GLSL

layout(constant_id = 3) const uint kBlockM = 8;
layout(constant_id = 4) const uint kBlockN = 2;
const uint kMaxBlock = 32;  // the host keeps both blocks within this

// Added to the row of a column that does not exist, it puts every tap
// outside the image, so the bounds check that handles padding handles tails.
const int kNowhere = -(1 << 28);

layout(push_constant) uniform Params {
  uint batch;
  uint x_c, x_h, x_w;
  uint y_c, y_h, y_w;
  uint kernel_h, kernel_w;
  uint stride_h, stride_w;
  uint pad_h, pad_w;
  uint dil_h, dil_w;
  uint groups;
  uint tiles_m, tiles_n;        // work groups per (group, phase) along M and N
  uint tap_step_h, tap_step_w;  // s / gcd(s, d): taps that reach one phase
  uint src_step_h, src_step_w;  // d / gcd(s, d): their source rows apart
} p;

// Column j of this invocation in tile `tile_n`.
uint column(uint tile_n, uint j) {
  return (tile_n * kBlockN + j) * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
}

#endif
