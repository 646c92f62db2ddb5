// Crash tests: a forked child works and acknowledges what it made durable through a pipe; the
// parent kills it with SIGKILL at a moment of its choosing and collects the acknowledgements.
#pragma once

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <thread>
#include <vector>

namespace osier::store::testing {

// Runs `work(fd)` in a child process (it must never return: it works until killed and calls
// _exit on a failure), kills it after `delay`, and returns the numbers it wrote to `fd` (see
// acknowledge()). A child that exited by itself is a test failure.
template <typename Work>
std::vector<std::uint32_t> run_then_kill(Work work, std::chrono::microseconds delay) {
  std::vector<std::uint32_t> acked;
  int fds[2];
  if (::pipe(fds) != 0) {
    ADD_FAILURE() << "pipe failed";
    return acked;
  }
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    work(fds[1]);
    ::_exit(1);
  }
  ::close(fds[1]);
  if (pid < 0) {
    ::close(fds[0]);
    ADD_FAILURE() << "fork failed";
    return acked;
  }
  std::this_thread::sleep_for(delay);
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFSIGNALED(status)) << "child exited early with " << WEXITSTATUS(status);
  std::uint32_t i;
  while (::read(fds[0], &i, sizeof i) == sizeof i) acked.push_back(i);
  ::close(fds[0]);
  return acked;
}

// In the child: acknowledges number `i` (exits if the parent cannot be told).
inline void acknowledge(int fd, std::uint32_t i) {
  if (::write(fd, &i, sizeof i) != sizeof i) ::_exit(5);
}

}  // namespace osier::store::testing
