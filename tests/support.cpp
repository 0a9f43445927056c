// The shared test context and the validation-message check.
#include "tests/support.hpp"

#include <dlfcn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>
#include <utility>

namespace {

std::mutex synced_mutex;
std::vector<std::string> synced;

}  // namespace

// Takes the place of libc's fsync for the whole process, libvkgan included.
extern "C" int fsync(int fd) {
  static auto real = reinterpret_cast<int (*)(int)>(dlsym(RTLD_NEXT, "fsync"));
  std::error_code ec;
  auto path = std::filesystem::read_symlink("/proc/self/fd/" + std::to_string(fd), ec);
  {
    std::lock_guard<std::mutex> lock(synced_mutex);
    synced.push_back(ec ? "" : path.string());
  }
  return real(fd);
}

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

std::vector<std::string> take_synced_paths() {
  std::lock_guard<std::mutex> lock(synced_mutex);
  return std::exchange(synced, {});
}

int dead_pid() {
  pid_t pid = fork();
  if (pid == 0) _exit(0);
  REQUIRE(pid > 0);
  REQUIRE(waitpid(pid, nullptr, 0) == pid);
  return int(pid);
}

}  // namespace vkgan::test
