// libFuzzer target for the layout-string parser: the input is an options
// file's text; every string in it is parsed and its networks built. Errors
// (vkgan::Error) are expected; anything else escaping is a bug.
// Build with clang: clang++ -std=c++20 -fsanitize=fuzzer,address -I. ... -lvkgan
#include <cstddef>
#include <cstdint>
#include <string>

#include "engine/layout.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  try {
    vkgan::LayoutOptions o = vkgan::parse_options_text(text, "fuzz");
    vkgan::TrainingStrategy s = vkgan::parse_training_strategy(o.training_strategy, {});
    vkgan::LayoutSpec spec = vkgan::parse_layout(o.input_layout, o.layout);
    vkgan::check_latent_dim(s, o.training_strategy, spec.latent);
    (void)vkgan::layout_dsl(spec, "fuzz");
  } catch (const vkgan::Error&) {
  }
  return 0;
}
