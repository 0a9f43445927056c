// The shared test context and the validation-message check.
#include "tests/support.hpp"

#include <unistd.h>

#include <filesystem>
#include <memory>

namespace vkgan::test {

Context& gpu() {
  static std::unique_ptr<Context> ctx = std::make_unique<Context>(options_from_env());
  return *ctx;
}

GpuTest::GpuTest() : ctx(gpu()) { ctx.take_validation_messages(); }

GpuTest::~GpuTest() {
  for (const std::string& m : ctx.take_validation_messages()) FAIL_CHECK(m);
}

std::string scratch_dir(const std::string& name) {
  // The process id keeps two suites running at once out of each other's way.
  auto dir = std::filesystem::temp_directory_path() /
             ("vkgan-test-" + std::to_string(getpid()) + "-" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

}  // namespace vkgan::test
