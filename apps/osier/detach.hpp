// `osier daemon --detach`: the daemon goes on in the background after the command returns.
//
// fork_daemon() forks. The child starts a new session (no controlling terminal: a closed terminal
// or Ctrl-C there does not reach it) with standard input from /dev/null, and starts the daemon
// with its standard error still the user's, so a failure to start is printed where the user
// looks. Once it listens, daemon_started() sends standard output and error to the log file and
// tells the parent, which prints where it listens and returns 0; a child that ends without
// telling (it failed to start, and said why) makes the parent return 1.
#pragma once

#include <string>

#include "osier/base/status.hpp"

namespace osier::cli {

struct Forked {
  bool child = false;  // false: this is the parent, whose work is done
  int report_fd = -1;  // the child's end of the pipe to the parent
};

// In the parent, waits for the child's report and prints it (exit code set: 0 started, 1 not).
Result<Forked> fork_daemon();

// In the child, once listening on `address`: output to `log_path` (appended, 0600), then the
// parent hears `address` and `log_path`.
Status daemon_started(const Forked& forked, const std::string& address,
                      const std::string& log_path);

}  // namespace osier::cli
