#include "node/file_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <thread>

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

Result<FileLock> FileLock::acquire_within(const std::string& path,
                                          std::chrono::milliseconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  std::chrono::milliseconds pause(1);
  for (;;) {
    OSIER_ASSIGN_OR_RETURN(std::optional<FileLock> held, try_acquire(path));
    if (held) return std::move(*held);
    const auto now = std::chrono::steady_clock::now();
    if (now >= end) {
      return error(ErrorCode::kIo, path + " is held by another process (waited " +
                                       std::to_string(limit.count()) + " ms); try again");
    }
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(pause, end - now));
    pause = std::min(pause * 2, std::chrono::milliseconds(50));
  }
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
