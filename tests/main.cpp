// The test runner: doctest with its own main, so every test process shares
// one Vulkan context (tests/support.hpp).
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

int main(int argc, char** argv) {
  doctest::Context context;
  context.applyCommandLine(argc, argv);
  return context.run();
}
