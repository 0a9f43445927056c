// Read-only tensor bindings that a shader reads through load_<name>(i). A
// shader built with VKGAN_TEXEL (the `_texel` variants in shaders/meson.build)
// takes them as R32_SFLOAT uniform texel buffers, any other as storage
// buffers; the host binds to match (KernelSpec::texel_bindings). On lavapipe a
// texel fetch whose address differs per invocation gathers the lanes without
// a branch, where a storage-buffer load is a branchy loop over the lanes.
#ifndef VKGAN_TENSOR_GLSL
#define VKGAN_TENSOR_GLSL

#ifdef VKGAN_TEXEL
#define READONLY_TENSOR(index, name)                                    \
  layout(set = 0, binding = index) uniform samplerBuffer name##_texels; \
  float load_##name(uint i) { return texelFetch(name##_texels, int(i)).x; }
#else
#define READONLY_TENSOR(index, name)                                        \
  layout(set = 0, binding = index) readonly buffer name##_block { float name[]; }; \
  float load_##name(uint i) { return name[i]; }
#endif

#endif
