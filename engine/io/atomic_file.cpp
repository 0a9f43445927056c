// write_file_atomic and its parts with POSIX calls, so the data and the
// rename are flushed.
#include "engine/io/atomic_file.hpp"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "engine/error.hpp"

namespace vkgan {
namespace {

namespace fs = std::filesystem;

// Removes the temporary `tmp` and fails naming `p`, the step and `err`.
[[noreturn]] void abandon(const fs::path& tmp, const fs::path& p, const char* what, int err) {
  std::error_code ec;
  fs::remove_all(tmp, ec);
  fail("{}: {} failed: {}", p.string(), what, std::strerror(err));
}

// fsync on a file or a folder; false with errno set when it fails.
bool sync_path(const fs::path& p) {
  int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = ::fsync(fd) == 0;
  int e = errno;
  ::close(fd);
  errno = e;
  return ok;
}

// The writer's process id when `name` ends in `.tmp.<digits>`, else -1.
long temporary_owner(const std::string& name) {
  size_t at = name.rfind(".tmp.");
  if (at == std::string::npos || at + 5 == name.size()) return -1;
  std::string digits = name.substr(at + 5);
  if (digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string::npos) return -1;
  return std::stol(digits);
}

// True when `name` is a temporary whose writer's process has ended.
bool left_by_ended_writer(const std::string& name) {
  long pid = temporary_owner(name);
  // kill with signal 0 only asks whether the process exists.
  return pid > 0 && ::kill(pid_t(pid), 0) != 0 && errno == ESRCH;
}

}  // namespace

fs::path temporary_path(const fs::path& path) {
  fs::path tmp = path;
  tmp += fmt::format(".tmp.{}", getpid());
  return tmp;
}

void write_file_atomic(const fs::path& path, std::string_view data) {
  fs::path tmp = temporary_path(path);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail("{}: open failed: {}", tmp.string(), std::strerror(errno));
  const char* p = data.data();
  size_t left = data.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int e = errno;
      ::close(fd);
      abandon(tmp, tmp, "write", e);
    }
    p += n;
    left -= size_t(n);
  }
  if (::close(fd) != 0) abandon(tmp, tmp, "close", errno);
  commit_temporary(tmp, path);
}

// Puts the folder `tmp` in the place of the folder `path` and removes the
// old one. Swapped in one step where the file system can, so `path` is never
// missing; else the old folder is renamed away first.
void replace_folder(const fs::path& tmp, const fs::path& path) {
  std::error_code ec;
  if (::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, path.c_str(), RENAME_EXCHANGE) == 0) {
    fs::remove_all(tmp, ec);
    return;
  }
  if (errno != EINVAL && errno != ENOSYS) abandon(tmp, path, "swap", errno);
  fs::path old = temporary_path(path.string() + ".old");
  if (::rename(path.c_str(), old.c_str()) != 0) abandon(tmp, path, "rename", errno);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int e = errno;
    ::rename(old.c_str(), path.c_str());
    abandon(tmp, path, "rename", e);
  }
  fs::remove_all(old, ec);
}

void commit_temporary(const fs::path& tmp, const fs::path& path) {
  if (!sync_path(tmp)) abandon(tmp, tmp, "flush", errno);
  std::error_code ec;
  if (fs::is_directory(tmp, ec) && fs::is_directory(path, ec))
    replace_folder(tmp, path);
  else if (::rename(tmp.c_str(), path.c_str()) != 0)
    abandon(tmp, path, "rename", errno);
  // Flush the folder entry too, so the rename survives a power cut.
  sync_path(path.has_parent_path() ? path.parent_path() : ".");
}

void remove_dead_temporaries(const fs::path& dir) {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (left_by_ended_writer(e.path().filename().string())) fs::remove_all(e.path(), ec);
}

void remove_dead_temporaries_of(const fs::path& target) {
  fs::path dir = target.has_parent_path() ? target.parent_path() : ".";
  std::string name = target.filename().string();
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    std::string n = e.path().filename().string();
    std::string rest = n.rfind(name, 0) == 0 ? n.substr(name.size()) : "";
    bool of_target = rest.rfind(".tmp.", 0) == 0 || rest.rfind(".old.tmp.", 0) == 0;
    if (of_target && left_by_ended_writer(n)) fs::remove_all(e.path(), ec);
  }
}

}  // namespace vkgan
