#include "node/home_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>

#include "node/files.hpp"

namespace osier::node {

Result<HomeLock> HomeLock::acquire(const HomePaths& home) {
  const std::string path = home.config() + "/lock";
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return io_error(path, errno);
  int rc;
  do {
    rc = ::flock(fd, LOCK_EX);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    const int err = errno;
    ::close(fd);
    return io_error(path, err);
  }
  return HomeLock(fd);
}

HomeLock::~HomeLock() {
  if (fd_ >= 0) ::close(fd_);  // releases the lock
}

}  // namespace osier::node
