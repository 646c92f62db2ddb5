// DaemonLock: one daemon per home. Two daemons on one home would both listen, dial the same
// peers and forward every entry twice; the second refuses to start instead.
//
// flock(2) on HOME/config/daemon.lock, non-blocking, held for the daemon's life and released by
// the kernel when the process dies (no stale lock after a crash). The file holds the holder's pid,
// for the message a second daemon prints; it is never deleted (deleting it would let a third
// process lock a new inode while the second still holds the old one).
#pragma once

#include "node/file_lock.hpp"
#include "osier/base/status.hpp"
#include "osier/node/home_paths.hpp"

namespace osier::node {

class DaemonLock {
 public:
  // kInvalidArgument "a daemon is already running on this home (pid N)" when another holds it.
  static Result<DaemonLock> acquire(const HomePaths& home);
  DaemonLock(DaemonLock&&) = default;
  DaemonLock& operator=(DaemonLock&&) = delete;
  // Empties the file before letting go: a pid left behind could be reused by another process,
  // and `osier daemon --stop` signals the pid it finds.
  ~DaemonLock();

 private:
  explicit DaemonLock(FileLock lock) : lock_(std::move(lock)) {}
  FileLock lock_;
};

}  // namespace osier::node
