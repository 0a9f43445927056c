// y = conv2d(x, w) + b: the direct gather of common/conv_gather.glsl.
// conv_transpose2d_backward_data runs it too, src being grad_y and dst
// grad_x, without bias.
#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0) in;
const bool kTransposed = false;
#include "conv_gather.glsl"
