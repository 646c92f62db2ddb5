#include "node/daemon_lock.hpp"

#include <fcntl.h>
#include <sys/types.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <limits>
#include <string>

#include "osier/node/daemon.hpp"

namespace osier::node {

namespace {

std::string lock_path(const HomePaths& home) { return home.config() + "/daemon.lock"; }

// The pid the holder noted (empty when unreadable); a partial read only shortens it.
std::string holder_pid(const std::string& path) {
  std::array<char, 32> buf{};
  std::string pid;
  if (const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW); fd >= 0) {
    const ssize_t n = ::pread(fd, buf.data(), buf.size() - 1, 0);
    ::close(fd);
    if (n > 0) pid.assign(buf.data(), static_cast<std::size_t>(n));
  }
  while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
  return pid;
}

}  // namespace

Result<DaemonLock> DaemonLock::acquire(const HomePaths& home) {
  const std::string path = lock_path(home);
  OSIER_ASSIGN_OR_RETURN(std::optional<FileLock> held, FileLock::try_acquire(path));
  if (!held) {
    const std::string pid = holder_pid(path);
    return error(ErrorCode::kInvalidArgument,
                 "a daemon is already running on this home" +
                     (pid.empty() ? std::string() : " (pid " + pid + ")") + ": " + path);
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  // Best effort: the lock, not the pid, is what excludes.
  if (::ftruncate(held->fd(), 0) == 0) {
    (void)!::pwrite(held->fd(), pid.data(), pid.size(), 0);
  }
  return DaemonLock(std::move(*held));
}

DaemonLock::~DaemonLock() {
  if (lock_.fd() >= 0) (void)!::ftruncate(lock_.fd(), 0);
}

Result<std::optional<long>> running_daemon_pid(const HomePaths& home) {
  const std::string path = lock_path(home);
  OSIER_ASSIGN_OR_RETURN(std::optional<FileLock> probe, FileLock::try_acquire(path));
  if (probe) return std::optional<long>();  // free: no daemon (released as `probe` goes)
  const std::string pid = holder_pid(path);
  char* end = nullptr;
  errno = 0;
  const long value = std::strtol(pid.c_str(), &end, 10);
  // A pid as the kernel gives them: never 0 or negative, or one that a cast to pid_t would turn
  // into 0 or -1 (kill() of a process group, of every process).
  if (pid.empty() || *end != '\0' || errno == ERANGE || value <= 0 ||
      value > std::numeric_limits<pid_t>::max()) {
    return error(ErrorCode::kCorrupt,
                 "a daemon runs on this home, but " + path + " does not say which process it is");
  }
  return std::optional<long>(value);
}

}  // namespace osier::node
