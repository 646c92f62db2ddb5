// A long-running child process for the tests (`osier serve`): started without a shell, its
// standard error read line by line through a pipe with deadlines, signalled and waited for.
// Its peak memory is read from /proc/PID/status (VmHWM) while it runs.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

namespace osier::testing {

class BackgroundProcess {
 public:
  // argv[0] is the program's path. Standard input is /dev/null, standard output goes to the
  // same pipe as standard error.
  explicit BackgroundProcess(std::vector<std::string> argv_strings) {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) != 0) return;
    std::vector<char*> argv;
    for (std::string& a : argv_strings) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_ = ::fork();
    if (pid_ == 0) {
      const int null = ::open("/dev/null", O_RDONLY);
      ::dup2(null, 0);
      ::dup2(p[1], 1);
      ::dup2(p[1], 2);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    ::close(p[1]);
    fd_ = p[0];
  }
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;
  ~BackgroundProcess() {
    if (pid_ > 0 && !exited_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (fd_ >= 0) ::close(fd_);
  }

  bool started() const { return pid_ > 0 && fd_ >= 0; }
  pid_t pid() const { return pid_; }

  // The next line that contains `needle` (lines read on the way are kept in all_output()), or
  // nothing when the deadline passes or the output ends first.
  std::optional<std::string> wait_for_line(const std::string& needle,
                                           std::chrono::milliseconds timeout) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      while (scan_ < buffer_.size()) {
        const std::size_t nl = buffer_.find('\n', scan_);
        if (nl == std::string::npos) break;
        std::string line = buffer_.substr(scan_, nl - scan_);
        scan_ = nl + 1;
        if (line.find(needle) != std::string::npos) return line;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          end - std::chrono::steady_clock::now());
      if (left.count() <= 0 || !read_some(left)) return std::nullopt;
    }
  }
  // Everything the process wrote so far (reads what is available now).
  const std::string& all_output() {
    while (read_some(std::chrono::milliseconds(0))) {
    }
    return buffer_;
  }

  void signal(int sig) const { ::kill(pid_, sig); }
  // Waits for the exit; the exit code, or -1 (killed by a signal, or not within the timeout:
  // then it is killed).
  int wait(std::chrono::milliseconds timeout) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    int status = 0;
    for (;;) {
      const pid_t r = ::waitpid(pid_, &status, WNOHANG);
      if (r == pid_) break;
      if (std::chrono::steady_clock::now() > end) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
        exited_ = true;
        return -1;
      }
      read_some(std::chrono::milliseconds(10));
    }
    exited_ = true;
    all_output();
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  // The process's peak resident memory in KiB (VmHWM), or 0 when unknown.
  long peak_rss_kib() const {
    std::ifstream f("/proc/" + std::to_string(pid_) + "/status");
    for (std::string line; std::getline(f, line);) {
      if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
    }
    return 0;
  }

 private:
  bool read_some(std::chrono::milliseconds timeout) {
    if (fd_ < 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return false;
    char buf[4096];
    const ssize_t n = ::read(fd_, buf, sizeof buf);
    if (n <= 0) return false;
    buffer_.append(buf, static_cast<std::size_t>(n));
    return true;
  }

  pid_t pid_ = -1;
  int fd_ = -1;
  bool exited_ = false;
  std::string buffer_;
  std::size_t scan_ = 0;
};

}  // namespace osier::testing
