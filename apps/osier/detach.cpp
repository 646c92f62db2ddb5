#include "detach.hpp"

#include <fcntl.h>
#include <fmt/core.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>

#include "commands.hpp"
#include "osier/base/io_error.hpp"

namespace osier::cli {
namespace {

// The whole report: "ADDRESS\nLOG\n", or nothing at all.
std::string read_all(int fd) {
  std::string out;
  char buf[512];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) {
      out.append(buf, static_cast<std::size_t>(n));
      if (out.size() > 8192) break;  // a report is short: anything longer is not one
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    break;
  }
  return out;
}

}  // namespace

Result<Forked> fork_daemon() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return io_error("pipe", errno);
  std::fflush(stdout);
  std::fflush(stderr);
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int err = errno;
    ::close(fds[0]);
    ::close(fds[1]);
    return io_error("fork", err);
  }
  if (pid == 0) {
    ::close(fds[0]);
    (void)::setsid();
    if (const int null = ::open("/dev/null", O_RDONLY | O_CLOEXEC); null >= 0) {
      ::dup2(null, STDIN_FILENO);
      ::close(null);
    }
    return Forked{true, fds[1]};
  }
  ::close(fds[1]);
  const std::string report = read_all(fds[0]);
  ::close(fds[0]);
  const std::size_t first = report.find('\n');
  const std::size_t second = first == std::string::npos ? first : report.find('\n', first + 1);
  if (second == std::string::npos) {
    // It said why on our standard error; reap it if it is gone already.
    (void)::waitpid(pid, nullptr, WNOHANG);
    set_exit_code(1);
    return Forked{false, -1};
  }
  fmt::print("osier daemon: started (pid {}), listening on {}; log: {}\n", pid,
             report.substr(0, first), report.substr(first + 1, second - first - 1));
  return Forked{false, -1};
}

Status daemon_started(const Forked& forked, const std::string& address,
                      const std::string& log_path) {
  const int log =
      ::open(log_path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (log < 0) return io_error(log_path, errno);
  std::fflush(stdout);
  std::fflush(stderr);
  ::dup2(log, STDOUT_FILENO);
  ::dup2(log, STDERR_FILENO);
  ::close(log);
  // A parent gone already must not kill us with SIGPIPE (the daemon's sockets never raise it).
  (void)::signal(SIGPIPE, SIG_IGN);
  const std::string report = address + "\n" + log_path + "\n";
  // The parent waits for the whole report; a parent gone already does not matter.
  std::size_t done = 0;
  while (done < report.size()) {
    const ssize_t n = ::write(forked.report_fd, report.data() + done, report.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  ::close(forked.report_fd);
  return Status::ok();
}

}  // namespace osier::cli
