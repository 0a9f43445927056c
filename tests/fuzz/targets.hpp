// The fuzz targets: each takes arbitrary bytes, feeds them to one reader of
// untrusted input, and returns normally whether the reader accepts them or
// refuses them with vkgan::Error. Anything else (a crash, a sanitizer report,
// another exception) is a bug. libFuzzer drives them through driver.cpp
// (`tools/dev fuzz`); the test suite replays their corpora.
#pragma once

#include <cstddef>
#include <cstdint>

namespace vkgan::fuzz {

using Target = int (*)(const uint8_t* data, size_t size);

int idx(const uint8_t* data, size_t size);          // IDX image and label files
int checkpoint(const uint8_t* data, size_t size);   // safetensors checkpoints
int conformance(const uint8_t* data, size_t size);  // conformance case files
int layout(const uint8_t* data, size_t size);       // TMVA-style option text

struct NamedTarget {
  const char* name;  // also the corpus folder: tests/fuzz/corpus/<name>
  Target run;
};
inline constexpr NamedTarget kTargets[] = {
    {"idx", idx}, {"checkpoint", checkpoint}, {"conformance", conformance}, {"layout", layout}};

}  // namespace vkgan::fuzz
