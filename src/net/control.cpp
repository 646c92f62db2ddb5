#include "osier/net/control.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <optional>
#include <thread>

#include "net/unix_socket.hpp"
#include "osier/base/io_error.hpp"

namespace osier::net {
namespace {

using Clock = std::chrono::steady_clock;
// No deadline: wait as long as it takes (a stream's lines).
using Deadline = std::optional<Clock::time_point>;

// How long to wait before connecting again to a daemon whose backlog is full.
constexpr std::chrono::milliseconds kBusyRetry{10};
constexpr std::size_t kReadBytes = 64 * 1024;

Status timed_out(const std::string& path, std::chrono::milliseconds timeout) {
  return error(ErrorCode::kIo, "no answer from the daemon at " + path + " within " +
                                   std::to_string(timeout.count()) + " ms");
}

// Waits until `fd` is ready for `events`; false when the deadline passed first.
Result<bool> wait_for(int fd, short events, const Deadline& deadline) {
  for (;;) {
    int wait_ms = -1;
    if (deadline) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(*deadline - Clock::now());
      if (left.count() <= 0) return false;
      wait_ms = static_cast<int>(std::min<std::int64_t>(left.count(), 1 << 30));
    }
    pollfd p{fd, events, 0};
    const int rc = ::poll(&p, 1, wait_ms);
    if (rc > 0) return true;
    if (rc < 0 && errno != EINTR) return io_error("poll", errno);
  }
}

Result<UniqueFd> connect_daemon(const std::string& path, Clock::time_point deadline,
                                std::chrono::milliseconds timeout) {
  OSIER_ASSIGN_OR_RETURN(const sockaddr_un address, unix_address(path));
  for (;;) {
    int err = 0;
    UniqueFd fd = connect_unix(address, &err);
    if (fd.valid()) return fd;
    if (err == ENOENT || err == ENOTDIR) {
      return error(ErrorCode::kNotFound, "no daemon is running (no socket at " + path + ")");
    }
    if (err == ECONNREFUSED) {
      return error(ErrorCode::kNotFound,
                   "no daemon is running (nothing listens on the socket " + path + ")");
    }
    if (err != EAGAIN) return io_error("cannot connect to the daemon at " + path, err);
    // The daemon's backlog is full: it is alive and busy.
    if (Clock::now() + kBusyRetry > deadline) return timed_out(path, timeout);
    std::this_thread::sleep_for(kBusyRetry);
  }
}

// Sends all of `data`; 0, or the errno that stopped it (ETIMEDOUT when the deadline passed).
int send_all(int fd, std::string_view data, Clock::time_point deadline) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n >= 0) {
      data.remove_prefix(static_cast<std::size_t>(n));
      continue;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN) return errno;
    Result<bool> ready = wait_for(fd, POLLOUT, deadline);
    if (!ready) return EIO;
    if (!*ready) return ETIMEDOUT;
  }
  return 0;
}

// Connects and sends `request` and '\n'. A daemon that hung up while we sent (it refused an
// overlong line, say) may have answered first: that is for the reader to find, so only the
// other failures are errors here.
Result<UniqueFd> open_and_send(const std::string& path, std::string_view request,
                               Clock::time_point deadline, std::chrono::milliseconds timeout) {
  if (request.find('\n') != std::string_view::npos) {
    return error(ErrorCode::kInvalidArgument, "a control request is one line (it has a '\\n')");
  }
  OSIER_ASSIGN_OR_RETURN(UniqueFd fd, connect_daemon(path, deadline, timeout));
  std::string line(request);
  line += '\n';
  const int err = send_all(fd.get(), line, deadline);
  if (err == ETIMEDOUT) return timed_out(path, timeout);
  if (err != 0 && err != EPIPE && err != ECONNRESET) {
    return io_error("cannot send to the daemon at " + path, err);
  }
  return fd;
}

// Splits what the daemon sends into lines, holding at most one line (max_line_bytes) and one
// read.
class LineReader {
 public:
  LineReader(int fd, const std::string& path, std::size_t max_line_bytes)
      : fd_(fd), path_(path), max_(max_line_bytes) {}

  // The next line (valid until the next call), or nullopt when the daemon closed after a whole
  // line.
  Result<std::optional<std::string_view>> next(const Deadline& deadline,
                                               std::chrono::milliseconds timeout) {
    buffer_.erase(0, consumed_);
    consumed_ = 0;
    std::size_t scanned = 0;
    for (;;) {
      const std::size_t nl = buffer_.find('\n', scanned);
      if (nl != std::string::npos && nl <= max_) {
        consumed_ = nl + 1;
        return std::optional<std::string_view>(std::string_view(buffer_).substr(0, nl));
      }
      if (buffer_.size() > max_) {
        return error(ErrorCode::kOutOfRange, "the daemon at " + path_ + " sent a line over " +
                                                 std::to_string(max_) + " bytes");
      }
      scanned = buffer_.size();
      const std::size_t old = buffer_.size();
      buffer_.resize(old + kReadBytes);
      const ssize_t n = ::recv(fd_, buffer_.data() + old, kReadBytes, 0);
      buffer_.resize(old + static_cast<std::size_t>(std::max<ssize_t>(n, 0)));
      if (n > 0) continue;
      // A daemon that closed with our input unread shows as ECONNRESET once its lines are read.
      if (n == 0 || errno == ECONNRESET) {
        if (buffer_.empty()) return std::optional<std::string_view>();
        return error(ErrorCode::kIo,
                     "the daemon at " + path_ + " closed the connection in the middle of a line");
      }
      if (errno == EINTR) continue;
      if (errno != EAGAIN) return io_error("cannot read from the daemon at " + path_, errno);
      OSIER_ASSIGN_OR_RETURN(const bool ready, wait_for(fd_, POLLIN, deadline));
      if (!ready) return timed_out(path_, timeout);
    }
  }

 private:
  int fd_;
  const std::string& path_;
  std::size_t max_;
  std::string buffer_;
  std::size_t consumed_ = 0;  // the bytes of the line last returned
};

}  // namespace

Result<std::string> control_request(const std::string& socket_path, std::string_view request,
                                    std::chrono::milliseconds timeout, std::size_t max_line_bytes) {
  const Clock::time_point deadline = Clock::now() + timeout;
  OSIER_ASSIGN_OR_RETURN(const UniqueFd fd, open_and_send(socket_path, request, deadline, timeout));
  LineReader reader(fd.get(), socket_path, max_line_bytes);
  OSIER_ASSIGN_OR_RETURN(const std::optional<std::string_view> line,
                         reader.next(deadline, timeout));
  if (!line) {
    return error(ErrorCode::kIo,
                 "the daemon at " + socket_path + " closed the connection without an answer");
  }
  return std::string(*line);
}

Status control_stream(const std::string& socket_path, std::string_view request,
                      const std::function<bool(std::string_view line)>& on_line,
                      std::chrono::milliseconds connect_timeout, std::size_t max_line_bytes) {
  const Clock::time_point deadline = Clock::now() + connect_timeout;
  OSIER_ASSIGN_OR_RETURN(const UniqueFd fd,
                         open_and_send(socket_path, request, deadline, connect_timeout));
  LineReader reader(fd.get(), socket_path, max_line_bytes);
  for (;;) {
    OSIER_ASSIGN_OR_RETURN(const std::optional<std::string_view> line,
                           reader.next(std::nullopt, connect_timeout));
    if (!line || !on_line(*line)) return Status::ok();
  }
}

}  // namespace osier::net
