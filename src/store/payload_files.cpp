#include "store/payload_files.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "osier/base/io_error.hpp"

namespace osier::store {
namespace {

Status write_all(int fd, std::uint64_t offset, ByteView data, const std::string& path) {
  while (!data.empty()) {
    const ssize_t n = ::pwrite(fd, data.data(), data.size(), static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_error("cannot write", path);
    }
    data = data.subspan(static_cast<std::size_t>(n));
    offset += static_cast<std::uint64_t>(n);
  }
  return Status::ok();
}

// Makes `path`'s directory entry durable: a power loss must not leave a record claiming bytes
// under a name the directory lost.
Status sync_parent_dir(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? std::string(".") : path.substr(0, slash);
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return io_error("cannot open", dir);
  const int rc = ::fsync(dfd);
  ::close(dfd);
  if (rc != 0) return io_error("cannot sync", dir);
  return Status::ok();
}

}  // namespace

Status file_write_at(const std::string& path, std::uint64_t offset, ByteView data, bool sync) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  const bool created = fd < 0 && errno == ENOENT;
  if (created) fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return io_error("cannot open", path);
  Status st = write_all(fd, offset, data, path);
  // fdatasync: the bytes and the file's size (what reading them back needs), not its times.
  if (st && sync && ::fdatasync(fd) != 0) st = io_error("cannot sync", path);
  ::close(fd);
  // A file this call made needs its name made durable too, before a commit records its bytes.
  if (st && sync && created) st = sync_parent_dir(path);
  return st;
}

void file_remove(const std::string& path) { (void)::unlink(path.c_str()); }

Status file_publish(const std::string& from, const std::string& to, bool sync) {
  if (sync) {
    const int fd = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return io_error("cannot open", from);
    const int rc = ::fsync(fd);
    ::close(fd);
    if (rc != 0) return io_error("cannot sync", from);
  }
  if (::rename(from.c_str(), to.c_str()) != 0) return io_error("cannot rename", from);
  // The new name must be durable before a commit that records it.
  if (sync) OSIER_RETURN_IF_ERROR(sync_parent_dir(to));
  return Status::ok();
}

Result<FileReader> FileReader::open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return io_error("cannot open", path);
  return FileReader(fd);
}

FileReader::~FileReader() {
  if (fd_ >= 0) ::close(fd_);
}

Status FileReader::read(std::uint64_t offset, MutableByteView out) const {
  while (!out.empty()) {
    const ssize_t n = ::pread(fd_, out.data(), out.size(), static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return io_error("cannot read payload file", errno);
    if (n == 0) return error(ErrorCode::kCorrupt, "payload file is shorter than recorded");
    out = out.subspan(static_cast<std::size_t>(n));
    offset += static_cast<std::uint64_t>(n);
  }
  return Status::ok();
}

Result<std::size_t> FileReader::read_some(std::uint64_t offset, MutableByteView out) const {
  std::size_t got = 0;
  while (got < out.size()) {
    const ssize_t n =
        ::pread(fd_, out.data() + got, out.size() - got, static_cast<off_t>(offset + got));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return io_error("cannot read payload file", errno);
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  return got;
}

Status BufferedFileReader::read(std::uint64_t offset, MutableByteView out) const {
  if (out.size() >= kWindow) return file_.read(offset, out);
  const bool inside = offset >= window_at_ && offset - window_at_ <= window_.size() &&
                      out.size() <= window_.size() - (offset - window_at_);
  if (!inside) {
    window_.resize(kWindow);
    OSIER_ASSIGN_OR_RETURN(const std::size_t n, file_.read_some(offset, window_));
    window_.resize(n);
    window_at_ = offset;
    if (n < out.size()) return error(ErrorCode::kCorrupt, "payload file is shorter than recorded");
  }
  const auto from = static_cast<std::size_t>(offset - window_at_);
  std::memcpy(out.data(), window_.data() + from, out.size());
  return Status::ok();
}

Result<FileAppender> FileAppender::create(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return io_error("cannot create", path);
  return FileAppender(fd);
}

FileAppender::~FileAppender() {
  if (fd_ >= 0) ::close(fd_);
}

Status FileAppender::write(ByteView data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd_, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return io_error("cannot write", errno);
    data = data.subspan(static_cast<std::size_t>(n));
  }
  return Status::ok();
}

}  // namespace osier::store
