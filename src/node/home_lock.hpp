// HomeLock: one process at a time changes the home's names and keys.
//
// The alias table (config/aliases) is one JSON file rewritten whole, and a new identity or
// namespace is a key file plus an alias: two `osier id new` at once would each load the table,
// add their name and write it back, and the later write would drop the earlier name (its key
// file orphaned) — or, for one name, leave the alias of one key beside the key file of the
// other. Every read-modify-write of the names and keys runs under this lock (flock(2) on
// HOME/config/lock, released by the kernel if its holder dies) and rereads the table first.
#pragma once

#include <chrono>

#include "node/file_lock.hpp"
#include "osier/base/status.hpp"
#include "osier/node/home_paths.hpp"

namespace osier::node {

// How long a write of the home's config waits for another process's: they hold the lock for
// milliseconds, so this is reached only when its holder is stopped (Ctrl-Z) or hung.
inline constexpr std::chrono::milliseconds kHomeLockWait{30'000};

class HomeLock {
 public:
  // Waits until the lock is free, at most `limit` (then kIo: held by another process).
  static Result<HomeLock> acquire(const HomePaths& home,
                                  std::chrono::milliseconds limit = kHomeLockWait);

 private:
  explicit HomeLock(FileLock lock) : lock_(std::move(lock)) {}
  FileLock lock_;
};

}  // namespace osier::node
