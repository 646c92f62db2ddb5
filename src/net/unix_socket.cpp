#include "net/unix_socket.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "osier/base/io_error.hpp"

namespace osier::net {

Result<sockaddr_un> unix_address(const std::string& path) {
  if (path.empty()) return error(ErrorCode::kInvalidArgument, "an empty socket path");
  if (path.find('\0') != std::string::npos) {
    return error(ErrorCode::kInvalidArgument, "a socket path with a NUL byte");
  }
  if (path.size() > kMaxUnixSocketPath) {
    return error(ErrorCode::kInvalidArgument, "the socket path " + path +
                                                  " is too long for a Unix socket (" +
                                                  std::to_string(path.size()) + " bytes; at most " +
                                                  std::to_string(kMaxUnixSocketPath) + ")");
  }
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, path.data(), path.size());
  return address;
}

UniqueFd& UniqueFd::operator=(UniqueFd&& o) noexcept {
  if (this != &o) {
    reset();
    fd_ = o.release();
  }
  return *this;
}

void UniqueFd::reset() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

UniqueFd connect_unix(const sockaddr_un& address, int* err) {
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd.valid()) {
    *err = errno;
    return fd;
  }
  int rc;
  do {
    rc = ::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    *err = errno;
    fd.reset();
  }
  return fd;
}

Result<SocketFileState> probe_socket_file(const std::string& path) {
  OSIER_ASSIGN_OR_RETURN(const sockaddr_un address, unix_address(path));
  struct stat sb {};
  if (::lstat(path.c_str(), &sb) != 0) {
    if (errno == ENOENT) return SocketFileState::kAbsent;
    return io_error(path, errno);
  }
  if (!S_ISSOCK(sb.st_mode)) {
    return error(ErrorCode::kInvalidArgument, path + " exists and is not a socket");
  }
  int err = 0;
  if (connect_unix(address, &err).valid() || err == EAGAIN) return SocketFileState::kLive;
  if (err == ECONNREFUSED) return SocketFileState::kStale;
  if (err == ENOENT) return SocketFileState::kAbsent;  // removed since the lstat
  return io_error("cannot connect to " + path, err);
}

}  // namespace osier::net
