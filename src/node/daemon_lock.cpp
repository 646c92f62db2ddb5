#include "node/daemon_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <string>

#include "node/files.hpp"

namespace osier::node {

Result<DaemonLock> DaemonLock::acquire(const HomePaths& home) {
  const std::string path = home.config() + "/daemon.lock";
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return io_error(path, errno);
  int rc;
  do {
    rc = ::flock(fd, LOCK_EX | LOCK_NB);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    const int err = errno;
    if (err != EWOULDBLOCK) {
      ::close(fd);
      return io_error(path, err);
    }
    // The holder wrote its pid; a partial read only shortens the message.
    std::array<char, 32> buf{};
    const ssize_t n = ::pread(fd, buf.data(), buf.size() - 1, 0);
    ::close(fd);
    std::string pid = n > 0 ? std::string(buf.data(), static_cast<std::size_t>(n)) : "";
    while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
    return error(ErrorCode::kInvalidArgument,
                 "a daemon is already running on this home" +
                     (pid.empty() ? std::string() : " (pid " + pid + ")") + ": " + path);
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  // Best effort: the lock, not the pid, is what excludes.
  if (::ftruncate(fd, 0) == 0) {
    (void)!::pwrite(fd, pid.data(), pid.size(), 0);
  }
  return DaemonLock(fd);
}

DaemonLock::~DaemonLock() {
  if (fd_ >= 0) ::close(fd_);  // releases the lock
}

}  // namespace osier::node
