// Linear indices over folded dispatch grids. The host folds a linear count
// of work groups into a 3-D grid (engine/vulkan/commands.hpp); these give the
// linear work-group and invocation index back. Callers bounds-check.
// Include this after the shader's local_size layout: gl_WorkGroupSize is
// fixed where a function that uses it is defined.
#ifndef VKGAN_INDEX_GLSL
#define VKGAN_INDEX_GLSL

uint linear_group() {
  return (gl_WorkGroupID.z * gl_NumWorkGroups.y + gl_WorkGroupID.y) * gl_NumWorkGroups.x +
         gl_WorkGroupID.x;
}

uint linear_invocation() {
  return linear_group() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
}

#endif
