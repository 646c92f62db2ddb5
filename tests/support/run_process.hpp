// Runs a program (the built osier binary, in the CLI tests) directly, without a shell, with
// `input` on standard input (not a terminal) and stdout/stderr captured in temporary files,
// so large outputs cannot deadlock a pipe.
#pragma once

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

namespace osier::testing {

struct ProcessResult {
  int exit_code = -1;  // -1 when the process did not exit normally
  std::string out;
  std::string err;
};

namespace detail {
inline std::string read_all(int fd) {
  std::string s;
  char buf[65536];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) s.append(buf, static_cast<std::size_t>(n));
  return s;
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
                                 const std::string& input = "") {
  std::string in_name, out_name, err_name;
  const int in_fd = detail::temp_fd(in_name);
  const int out_fd = detail::temp_fd(out_name);
  const int err_fd = detail::temp_fd(err_name);
  ProcessResult r;
  auto cleanup = [&] {
    for (int fd : {in_fd, out_fd, err_fd})
      if (fd >= 0) ::close(fd);
    for (const std::string& n : {in_name, out_name, err_name}) ::unlink(n.c_str());
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
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  ::lseek(out_fd, 0, SEEK_SET);
  ::lseek(err_fd, 0, SEEK_SET);
  r.out = detail::read_all(out_fd);
  r.err = detail::read_all(err_fd);
  cleanup();
  return r;
}

}  // namespace osier::testing
