// The implicit GEMM that every convolution kernel runs, and its geometry.
// Sizes are conv2d's: x [batch, x_c, x_h, x_w] the large image, y [batch,
// y_c, y_h, y_w] the small one, w [y_c, x_c/groups, kernel_h, kernel_w]; the
// transposed convolution runs the same geometry from y back to x.
//
// A work group computes a kTileM x kTileN tile of C[m, t] = sum_k A[m, k]
// B[k, t], kDepth values of k at a time staged through shared memory, each
// invocation kBlockM x kBlockN outputs of the tile, interleaved (m = i *
// kLanesM + lm, t = j * kLanesN + ln). The including shader describes the
// rows of a stage (describe_row) and stages A and B (stage); sums over k run
// in order, so results are deterministic. Include after the local_size layout.
#ifndef VKGAN_CONV_GLSL
#define VKGAN_CONV_GLSL

layout(constant_id = 3) const uint kLanesM = 16;
layout(constant_id = 4) const uint kLanesN = 16;
layout(constant_id = 5) const uint kBlockM = 4;
const uint kBlockN = 4;
const uint kDepth = 16;
const uint kLanes = kLanesM * kLanesN;
const uint kTileM = kLanesM * kBlockM;
const uint kTileN = kLanesN * kBlockN;
const uint kMaxTileM = 64;   // the host keeps tiles within these
const uint kMaxTileN = 256;

// Added to a row or column that does not exist, it puts every tap outside
// the image, so the bounds check that handles padding also handles tails.
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
  uint tiles_m, tiles_n;     // work groups per (group, phase) along M and N
  uint tap_step_h, tap_step_w;  // s / gcd(s, d): taps that reach one phase
  uint src_step_h, src_step_w;  // d / gcd(s, d): their source rows apart
} p;

shared float sa[kDepth][kMaxTileM];
shared float sb[kDepth][kMaxTileN];

// Implemented by the including shader.
void describe_row(uint kk, uint k);  // the facts of reduction index k, row kk of a stage
void stage(uint k0);                 // fills sa and sb for k0 .. k0 + kDepth - 1

// acc[i][j] = C[i * kLanesM + lm, j * kLanesN + ln] summed over k < depth.
void gemm(uint depth, inout float acc[4][kBlockN]) {
  uint lane = gl_LocalInvocationID.x;
  uint lm = lane / kLanesN, ln = lane % kLanesN;
  for (uint kk = lane; kk < kDepth; kk += kLanes) describe_row(kk, kk);
  barrier();
  for (uint k0 = 0; k0 < depth; k0 += kDepth) {
    stage(k0);
    barrier();
    // The row facts were read by stage(); describe the next stage's now.
    for (uint kk = lane; kk < kDepth; kk += kLanes) describe_row(kk, k0 + kDepth + kk);
    for (uint kk = 0; kk < kDepth; ++kk) {
      float av[4], bv[kBlockN];
      for (uint i = 0; i < kBlockM; ++i) av[i] = sa[kk][i * kLanesM + lm];
      for (uint j = 0; j < kBlockN; ++j) bv[j] = sb[kk][j * kLanesN + ln];
      for (uint i = 0; i < kBlockM; ++i)
        for (uint j = 0; j < kBlockN; ++j) acc[i][j] += av[i] * bv[j];
    }
    barrier();
  }
}

#endif
