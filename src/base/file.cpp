#include "osier/base/file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <random>

#include "base/fs.hpp"
#include "osier/base/io_error.hpp"

namespace osier {

Result<File> File::open_read(const std::string& path) {
  const int fd = fs::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return io_error("cannot open", path);
  return File(fd, path);
}

Result<File> File::create(const std::string& path, unsigned mode) {
  const int fd = fs::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return io_error("cannot create", path);
  return File(fd, path);
}

Result<File> File::create_unique(const std::string& prefix, unsigned mode) {
  static constexpr char kChars[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::random_device random;
  std::uniform_int_distribution<std::size_t> pick(0, sizeof kChars - 2);
  for (int attempt = 0;; ++attempt) {
    std::string path = prefix;
    for (int i = 0; i < 6; ++i) path += kChars[pick(random)];
    const int fd = fs::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd >= 0) return File(fd, std::move(path));
    if (errno != EEXIST || attempt == 99) return io_error("cannot create", path);
  }
}

Result<File> File::open_write(const std::string& path, bool* created, unsigned mode) {
  int fd = fs::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  const bool fresh = fd < 0 && errno == ENOENT;
  if (fresh) fd = fs::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, mode);
  if (fd < 0) return io_error("cannot open", path);
  if (created != nullptr) *created = fresh;
  return File(fd, path);
}

File::~File() {
  if (fd_ >= 0) ::close(fd_);
}

Status File::read(std::uint64_t offset, MutableByteView out) const {
  OSIER_ASSIGN_OR_RETURN(const std::size_t n, read_some(offset, out));
  if (n < out.size()) return error(ErrorCode::kCorrupt, path_ + " is shorter than recorded");
  return Status::ok();
}

Result<std::size_t> File::read_some(std::uint64_t offset, MutableByteView out) const {
  std::size_t got = 0;
  while (got < out.size()) {
    const ssize_t n =
        ::pread(fd_, out.data() + got, out.size() - got, static_cast<off_t>(offset + got));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return io_error("cannot read", path_);
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  return got;
}

Result<std::size_t> File::read_next(MutableByteView out) {
  std::size_t got = 0;
  while (got < out.size()) {
    const ssize_t n = ::read(fd_, out.data() + got, out.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return io_error("cannot read", path_);
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  return got;
}

Status File::append(ByteView data) { return fs::write_all(fd_, data, path_); }

Status File::write_at(std::uint64_t offset, ByteView data) {
  return fs::pwrite_all(fd_, offset, data, path_);
}

Status File::sync() {
  if (fs::fdatasync(fd_) != 0) return io_error("cannot sync", path_);
  return Status::ok();
}

void File::start_writeback(std::uint64_t offset, std::uint64_t length) {
#ifdef __linux__
  if (fd_ >= 0) {
    (void)::sync_file_range(fd_, static_cast<off64_t>(offset), static_cast<off64_t>(length),
                            SYNC_FILE_RANGE_WRITE);
  }
#else
  (void)offset;
  (void)length;
#endif
}

Status File::close() {
  if (fd_ < 0) return Status::ok();
  const int rc = ::close(fd_);
  fd_ = -1;
  if (rc != 0) return io_error("cannot write", path_);
  return Status::ok();
}

std::uint64_t File::size() const {
  struct stat st {};
  if (fd_ < 0 || ::fstat(fd_, &st) != 0) return 0;
  return static_cast<std::uint64_t>(st.st_size);
}

ByteSource File::source() {
  return [this](MutableByteView out) { return read_next(out); };
}

ByteSink File::sink() {
  return [this](ByteView piece) { return append(piece); };
}

}  // namespace osier
