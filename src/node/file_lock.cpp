#include "node/file_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>

#include "node/files.hpp"

namespace osier::node {

// The locked file's descriptor, or -1 when it is busy and we do not wait.
Result<int> FileLock::lock(const std::string& path, bool wait) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return io_error(path, errno);
  int rc = 0;
  do {
    rc = ::flock(fd, wait ? LOCK_EX : LOCK_EX | LOCK_NB);
  } while (rc != 0 && errno == EINTR);
  if (rc == 0) return fd;
  const int err = errno;
  ::close(fd);
  if (!wait && err == EWOULDBLOCK) return -1;
  return io_error(path, err);
}

Result<FileLock> FileLock::acquire(const std::string& path) {
  OSIER_ASSIGN_OR_RETURN(const int fd, lock(path, true));
  return FileLock(fd);
}

Result<std::optional<FileLock>> FileLock::try_acquire(const std::string& path) {
  OSIER_ASSIGN_OR_RETURN(const int fd, lock(path, false));
  if (fd < 0) return std::optional<FileLock>();
  return std::optional<FileLock>(FileLock(fd));
}

FileLock::~FileLock() {
  if (fd_ >= 0) ::close(fd_);  // releases the lock
}

}  // namespace osier::node
