#include "node/daemon_lock.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <string>

namespace osier::node {

Result<DaemonLock> DaemonLock::acquire(const HomePaths& home) {
  const std::string path = home.config() + "/daemon.lock";
  OSIER_ASSIGN_OR_RETURN(std::optional<FileLock> held, FileLock::try_acquire(path));
  if (!held) {
    // The holder wrote its pid; a partial read only shortens the message.
    std::array<char, 32> buf{};
    std::string pid;
    if (const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW); fd >= 0) {
      const ssize_t n = ::pread(fd, buf.data(), buf.size() - 1, 0);
      ::close(fd);
      if (n > 0) pid.assign(buf.data(), static_cast<std::size_t>(n));
    }
    while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
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

}  // namespace osier::node
