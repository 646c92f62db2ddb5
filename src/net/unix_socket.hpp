// Unix-domain stream sockets named by a path, in plain POSIX (no Asio), shared by the control
// socket's server (net/control_socket.hpp) and its client (osier/net/control.hpp): the address,
// a connect that never blocks, and what a path's socket file is (nothing, stale, or live).
#pragma once

#include <sys/un.h>

#include <string>

#include "osier/base/status.hpp"

namespace osier::net {

// The longest path a sockaddr_un holds with its terminating NUL: 107 bytes on Linux.
inline constexpr std::size_t kMaxUnixSocketPath = sizeof(sockaddr_un::sun_path) - 1;

// kInvalidArgument for an empty path, one with a NUL byte, or one longer than
// kMaxUnixSocketPath, saying so with the path.
Result<sockaddr_un> unix_address(const std::string& path);

// Owns one descriptor (closed on destruction). Move-only.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& o) noexcept : fd_(o.release()) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void reset();

 private:
  int fd_ = -1;
};

// A new close-on-exec, non-blocking stream socket connected to `address`, or an invalid one with
// `*err` set to the errno of socket(2) or connect(2). A Unix socket connects at once or not at
// all: EAGAIN means the listener's backlog is full (it is alive, and busy), ECONNREFUSED that
// nothing listens on the socket file, ENOENT that there is none.
UniqueFd connect_unix(const sockaddr_un& address, int* err);

enum class SocketFileState {
  kAbsent,  // nothing at the path
  kStale,   // a socket file nobody listens on (its listener died without removing it)
  kLive,    // a socket with a listener (it accepted our connection, or its backlog is full)
};

// What is at `path`, found by connecting to it (the connection is closed at once). kInvalidArgument
// when it is not a socket (a regular file, a directory: never to be replaced); kIo for other
// failures (no permission to connect, say).
Result<SocketFileState> probe_socket_file(const std::string& path);

}  // namespace osier::net
