#include "node/files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "base/fs.hpp"
#include "crypto/random.hpp"
#include "osier/base/hex.hpp"

namespace osier::node {

namespace {

std::string parent_of(const std::string& path) {
  const std::size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace

Status write_file_atomic(const std::string& path, ByteView data, unsigned mode) {
  const std::string tmp = path + ".tmp-" + to_hex(crypto::random_array<8>());
  const int fd = fs::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) return io_error(tmp, errno);
  Status st = fs::write_all(fd, data, tmp);
  // The umask may have narrowed the mode; secrets need exactly `mode`, never more.
  if (st.is_ok() && ::fchmod(fd, mode) != 0) st = io_error(tmp, errno);
  if (st.is_ok() && fs::fsync(fd) != 0) st = io_error(tmp, errno);
  if (::close(fd) != 0 && st.is_ok()) st = io_error(tmp, errno);
  if (st.is_ok() && fs::rename(tmp.c_str(), path.c_str()) != 0) st = io_error(path, errno);
  if (!st.is_ok()) {
    fs::unlink(tmp.c_str());
    return st;
  }
  // The rename is durable only once the directory is synced.
  return fs::sync_parent_dir(path);
}

Result<Bytes> read_small_file(const std::string& path, std::size_t max_size) {
  // O_NONBLOCK: a FIFO put in a file's place must not block its reader (the daemon's event
  // loop rereads config files) waiting for a writer; only regular files are read.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    if (errno == ENOENT) return error(ErrorCode::kNotFound, path + ": no such file");
    return io_error(path, errno);
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return io_error(path, err);
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return error(ErrorCode::kInvalidArgument, path + ": not a regular file");
  }
  Bytes out;
  std::uint8_t buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      return io_error(path, err);
    }
    if (n == 0) break;
    if (out.size() + static_cast<std::size_t>(n) > max_size) {
      ::close(fd);
      return error(ErrorCode::kOutOfRange, path + ": file too large");
    }
    out.insert(out.end(), buf, buf + n);
  }
  ::close(fd);
  return out;
}

Result<std::optional<Bytes>> read_config_file(const std::string& path, std::size_t max_size) {
  Result<Bytes> bytes = read_small_file(path, max_size);
  if (bytes) return std::optional<Bytes>(std::move(*bytes));
  if (bytes.status().code() == ErrorCode::kNotFound) return std::optional<Bytes>();
  if (bytes.status().code() == ErrorCode::kOutOfRange) {
    return corrupt_file(path, "larger than " + std::to_string(max_size) + " bytes");
  }
  return bytes.status();
}

Status corrupt_file(const std::string& path, std::string_view why) {
  std::string message = path;
  message.append(": ").append(why);
  return error(ErrorCode::kCorrupt, std::move(message));
}

Status make_dir(const std::string& path, unsigned mode, bool* created) {
  if (created) *created = false;
  struct stat sb {};
  if (::stat(path.c_str(), &sb) == 0) {
    if (!S_ISDIR(sb.st_mode))
      return error(ErrorCode::kIo, path + ": exists and is not a directory");
  } else {
    const std::string parent = parent_of(path);
    if (parent != path && !file_exists(parent)) OSIER_RETURN_IF_ERROR(make_dir(parent, 0755));
    if (fs::mkdir(path.c_str(), mode) != 0 && errno != EEXIST) return io_error(path, errno);
    if (created) *created = true;
  }
  if (::chmod(path.c_str(), mode) != 0) return io_error(path, errno);
  return Status::ok();
}

bool file_exists(const std::string& path) {
  struct stat sb {};
  return ::stat(path.c_str(), &sb) == 0;
}

}  // namespace osier::node
