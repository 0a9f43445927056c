// The shared test context and the validation-message check.
#include "tests/support.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

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

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> loss_columns(const std::filesystem::path& csv) {
  std::vector<std::string> rows;
  std::istringstream in(read_file(csv));
  std::string line;
  while (std::getline(in, line)) rows.push_back(line.substr(0, line.rfind(',')));
  return rows;
}

}  // namespace vkgan::test
