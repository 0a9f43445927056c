// The libFuzzer entry point of one target; VKGAN_FUZZ_TARGET names it
// (tests/fuzz/meson.build builds one program per target).
#include "tests/fuzz/targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return vkgan::fuzz::VKGAN_FUZZ_TARGET(data, size);
}
