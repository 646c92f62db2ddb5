// RemoveOnSignal: temporary files and directories a command makes (an export's temporary file,
// an import's staging directory) are removed when SIGINT, SIGTERM or SIGHUP ends the process,
// which then dies of the signal as it would have. (kill -9 cannot be caught: what it leaves is
// swept by the next import, see drop/staging.hpp.)
//
// The handler only calls unlink(2), rmdir(2), signal(2) and raise(3), which are async-signal-
// safe, over paths copied into fixed buffers when they were registered.
// Thread safety: register and unregister from the main thread.
#pragma once

#include <string>
#include <vector>

namespace osier::cli {

class RemoveOnSignal {
 public:
  // `files` are unlinked, then `dirs` removed (they must be empty by then), in order.
  RemoveOnSignal(std::vector<std::string> files, std::vector<std::string> dirs = {});
  RemoveOnSignal(const RemoveOnSignal&) = delete;
  RemoveOnSignal& operator=(const RemoveOnSignal&) = delete;
  ~RemoveOnSignal();

 private:
  int slot_ = -1;
};

}  // namespace osier::cli
