// Shared test support: one Vulkan context per test process (validation on
// when VKGAN_VALIDATE=1, which tools/dev test always sets), and a fixture that
// fails the test case that caused any validation message, quoting it.
#pragma once

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "engine/vulkan/context.hpp"

namespace vkgan::test {

Context& gpu();

struct GpuTest {
  GpuTest();
  ~GpuTest();
  Context& ctx;
};

// Folder for the test's own files, emptied at the start of each use.
std::string scratch_dir(const std::string& name);

}  // namespace vkgan::test
