// Runs a program (the built osier binary, in the CLI tests) directly, without a shell, with
// `input` on standard input (not a terminal) and stdout/stderr captured in temporary files,
// so large outputs cannot deadlock a pipe. Options can limit the size of the files the child
// writes (its stdout/stderr then go through pipes, drained as they fill, so the limit does not
// cut them short).
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

namespace osier::testing {

struct ProcessResult {
  int exit_code = -1;  // -1 when the process did not exit normally
  std::string out;
  std::string err;
};

struct RunOptions {
  // RLIMIT_FSIZE for the child (bytes): a write past it fails with EFBIG, as on a full disk
  // (SIGXFSZ is ignored in the child, so the write fails instead of killing it). Needs no root.
  std::optional<std::uint64_t> file_size_limit;
  // Standard descriptors to close in the child before exec (a process started with `>&-`).
  std::vector<int> close_fds;
  // A file to open as the child's standard output instead of the captured one (/dev/full).
  std::optional<std::string> stdout_file;
  // Ignore SIGPIPE in the child (as `trap '' PIPE` does): writes to a closed pipe fail with EPIPE.
  bool ignore_sigpipe = false;
};

namespace detail {
inline std::string read_all(int fd) {
  std::string s;
  char buf[65536];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;)
    s.append(buf, static_cast<std::size_t>(n));
  return s;
}
// Reads both pipes to their ends, whichever has data.
inline void drain(int out_fd, int err_fd, std::string& out, std::string& err) {
  pollfd fds[2] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
  std::string* sinks[2] = {&out, &err};
  int open_fds = 2;
  char buf[65536];
  while (open_fds > 0) {
    if (::poll(fds, 2, -1) < 0) return;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      const ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
      if (n > 0) {
        sinks[i]->append(buf, static_cast<std::size_t>(n));
      } else {
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
}
inline int temp_fd(std::string& name) {
  char tmpl[] = "/tmp/osier_test_io_XXXXXX";
  const int fd = ::mkstemp(tmpl);
  name = tmpl;
  return fd;
}
}  // namespace detail

// argv[0] is the program's path.
inline ProcessResult run_process(std::vector<std::string> argv_strings,
                                 const std::string& input = "", const RunOptions& options = {}) {
  const bool piped = options.file_size_limit.has_value();
  std::string in_name, out_name, err_name;
  const int in_fd = detail::temp_fd(in_name);
  int out_pipe[2] = {-1, -1}, err_pipe[2] = {-1, -1};
  if (piped && (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0)) {
    out_pipe[0] = out_pipe[1] = err_pipe[0] = err_pipe[1] = -1;
  }
  const int out_fd = piped ? out_pipe[1] : detail::temp_fd(out_name);
  const int err_fd = piped ? err_pipe[1] : detail::temp_fd(err_name);
  ProcessResult r;
  auto cleanup = [&] {
    for (int fd : {in_fd, out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]})
      if (fd >= 0) ::close(fd);
    if (!piped) {
      for (int fd : {out_fd, err_fd})
        if (fd >= 0) ::close(fd);
    }
    for (const std::string& n : {in_name, out_name, err_name})
      if (!n.empty()) ::unlink(n.c_str());
  };
  if (in_fd < 0 || out_fd < 0 || err_fd < 0 ||
      ::write(in_fd, input.data(), input.size()) != static_cast<ssize_t>(input.size())) {
    cleanup();
    return r;
  }
  ::lseek(in_fd, 0, SEEK_SET);
  std::vector<char*> argv;
  for (std::string& a : argv_strings) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(in_fd, 0);
    ::dup2(out_fd, 1);
    ::dup2(err_fd, 2);
    if (options.file_size_limit) {
      // Only async-signal-safe calls between fork and exec. An ignored signal stays ignored
      // across exec.
      ::signal(SIGXFSZ, SIG_IGN);
      struct rlimit lim {};
      ::getrlimit(RLIMIT_FSIZE, &lim);
      lim.rlim_cur = static_cast<rlim_t>(*options.file_size_limit);
      if (lim.rlim_max != RLIM_INFINITY && lim.rlim_max < lim.rlim_cur) lim.rlim_cur = lim.rlim_max;
      if (::setrlimit(RLIMIT_FSIZE, &lim) != 0) ::_exit(126);
    }
    if (options.stdout_file) {
      const int fd = ::open(options.stdout_file->c_str(), O_WRONLY);
      if (fd < 0 || ::dup2(fd, 1) < 0) ::_exit(126);
      ::close(fd);
    }
    if (options.ignore_sigpipe) ::signal(SIGPIPE, SIG_IGN);
    for (int fd : options.close_fds) ::close(fd);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  if (piped) {
    // Only the child may hold the write ends, or the pipes never end.
    ::close(out_pipe[1]);
    ::close(err_pipe[1]);
    out_pipe[1] = err_pipe[1] = -1;
    detail::drain(out_pipe[0], err_pipe[0], r.out, r.err);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (!piped) {
    ::lseek(out_fd, 0, SEEK_SET);
    ::lseek(err_fd, 0, SEEK_SET);
    r.out = detail::read_all(out_fd);
    r.err = detail::read_all(err_fd);
  }
  cleanup();
  return r;
}

}  // namespace osier::testing
