#include "base/fs.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>

#include "osier/base/io_error.hpp"

namespace osier::fs {

namespace {

std::atomic<Interceptor*> g_interceptor{nullptr};

// 0, or the errno the interceptor chose for this call (then errno is set too).
int intercepted(Op op, const char* path) {
  Interceptor* i = g_interceptor.load(std::memory_order_acquire);
  if (i == nullptr) return 0;
  const int err = i->before(op, path);
  if (err != 0) errno = err;
  return err;
}

}  // namespace

const char* op_name(Op op) {
  switch (op) {
    case Op::kOpen:
      return "open";
    case Op::kWrite:
      return "write";
    case Op::kSync:
      return "sync";
    case Op::kRename:
      return "rename";
    case Op::kRemove:
      return "remove";
    case Op::kMkdir:
      return "mkdir";
  }
  return "?";
}

int open(const char* path, int flags, mode_t mode) {
  if (intercepted(Op::kOpen, path) != 0) return -1;
  return ::open(path, flags, mode);  // NOLINT(cppcoreguidelines-pro-type-vararg)
}

ssize_t write(int fd, const void* data, std::size_t n) {
  if (intercepted(Op::kWrite, nullptr) != 0) return -1;
  return ::write(fd, data, n);
}

ssize_t pwrite(int fd, const void* data, std::size_t n, std::uint64_t offset) {
  if (intercepted(Op::kWrite, nullptr) != 0) return -1;
  return ::pwrite(fd, data, n, static_cast<off_t>(offset));
}

int fsync(int fd) {
  if (intercepted(Op::kSync, nullptr) != 0) return -1;
  return ::fsync(fd);
}

int fdatasync(int fd) {
  if (intercepted(Op::kSync, nullptr) != 0) return -1;
  return ::fdatasync(fd);
}

int rename(const char* from, const char* to) {
  if (intercepted(Op::kRename, from) != 0) return -1;
  return ::rename(from, to);
}

int rename_noreplace(const char* from, const char* to) {
  if (intercepted(Op::kRename, from) != 0) return -1;
  if (::renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0) return 0;
  if (errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP) return -1;
  // A file system without RENAME_NOREPLACE (NFS, some FUSE mounts): a hard link fails as well
  // where the name is taken.
  if (::link(from, to) == 0) {
    (void)::unlink(from);
    return 0;
  }
  if (errno != EPERM && errno != ENOSYS && errno != EOPNOTSUPP) return -1;
  // Nor hard links: look, then rename (what is left is the moment between the two).
  struct stat st {};
  if (::lstat(to, &st) == 0) {
    errno = EEXIST;
    return -1;
  }
  return ::rename(from, to);
}

int unlink(const char* path) {
  if (intercepted(Op::kRemove, path) != 0) return -1;
  return ::unlink(path);
}

int mkdir(const char* path, mode_t mode) {
  if (intercepted(Op::kMkdir, path) != 0) return -1;
  return ::mkdir(path, mode);
}

char* mkdtemp(char* templ) {
  if (intercepted(Op::kMkdir, templ) != 0) return nullptr;
  return ::mkdtemp(templ);
}

Status write_all(int fd, ByteView data, const std::string& path) {
  while (!data.empty()) {
    const ssize_t n = fs::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_error("cannot write", path);
    }
    data = data.subspan(static_cast<std::size_t>(n));
  }
  return Status::ok();
}

Status pwrite_all(int fd, std::uint64_t offset, ByteView data, const std::string& path) {
  while (!data.empty()) {
    const ssize_t n = fs::pwrite(fd, data.data(), data.size(), offset);
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_error("cannot write", path);
    }
    data = data.subspan(static_cast<std::size_t>(n));
    offset += static_cast<std::uint64_t>(n);
  }
  return Status::ok();
}

Status sync_parent_dir(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  std::string dir = ".";
  if (slash == 0) {
    dir = "/";
  } else if (slash != std::string::npos) {
    dir = path.substr(0, slash);
  }
  const int dfd = fs::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return io_error("cannot open", dir);
  const int rc = fs::fsync(dfd);
  const int err = errno;
  ::close(dfd);
  if (rc != 0) return io_error("cannot sync", dir, err);
  return Status::ok();
}

Interceptor* set_interceptor(Interceptor* interceptor) {
  return g_interceptor.exchange(interceptor, std::memory_order_acq_rel);
}

FaultInjector::FaultInjector() : previous_(set_interceptor(this)) {}

FaultInjector::~FaultInjector() { set_interceptor(previous_); }

void FaultInjector::fail(Op op, std::uint64_t nth, int err) {
  fail_nth_.store(nth);
  fail_errno_.store(err);
  fired_.store(false);
  fail_op_.store(static_cast<int>(op));
}

int FaultInjector::before(Op op, const char* /*path*/) {
  const std::uint64_t n = ++calls_[static_cast<std::size_t>(op)];
  if (fail_op_.load() != static_cast<int>(op) || n != fail_nth_.load()) return 0;
  fired_.store(true);
  return fail_errno_.load();
}

}  // namespace osier::fs
