// Shared test support: one Vulkan context per test process (validation on
// when VKGAN_VALIDATE=1, which tools/dev test always sets), and a fixture that
// fails the test case that caused any validation message, quoting it.
#pragma once

#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "engine/error.hpp"
#include "engine/vulkan/context.hpp"

namespace vkgan::test {

Context& gpu();

struct GpuTest {
  GpuTest();
  ~GpuTest();
  Context& ctx;
};

// The message of the vkgan::Error that `f` throws, or "" when it throws none.
template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// Folder for the test's own files, emptied at the start of each use.
std::string scratch_dir(const std::string& name);

// A whole file's bytes ("" when it cannot be read).
std::string read_file(const std::filesystem::path& p);

// Each line of a run's losses.csv without its last column (wall time, which
// differs between runs that are otherwise identical).
std::vector<std::string> loss_columns(const std::filesystem::path& csv);

// The paths this process has passed to fsync since the last call, in order:
// the test binary defines fsync itself, recording each call before calling
// libc's, so crash-safe writers can be checked for what they flushed.
std::vector<std::string> take_synced_paths();

// The id of a process that has ended (a child started and reaped here): the
// owner of a temporary file that a killed writer left behind.
int dead_pid();

}  // namespace vkgan::test
