// Safety of several processes writing one LmdbStore: the writer lock and the staging area.
//
// LMDB serialises write transactions across processes by itself, but a write of the store is
// more than its transaction: payload files are published (renamed into payloads/) before the
// transaction that records them commits, and the files of dropped payloads are removed after
// the one that drops them. Another process doing either in between would lose or destroy
// acknowledged data (issue #10: a sweep at open deleted other processes' just-published files).
// So every write — publishing files, the transaction, removing files, and sweeping leftovers —
// runs under one inter-process lock, `WriterLock` (flock(2) on DIR/writer.lock; the kernel
// drops it when its holder dies, so a crash never leaves it taken). Reading payload bytes from
// their source and hashing them, which can take long, happens before, outside the lock, into
// files of the process's own `StagingArea`.
//
// Thread safety: WriterLock does not lock against threads of its own process (flock locks
// belong to an open file description, which the threads share): LmdbStore's write mutex does
// that. StagingArea::fresh_name may be called from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "osier/base/status.hpp"

namespace osier::store {

class WriterLock {
 public:
  // Opens (creating if missing) `dir`/writer.lock; does not lock yet.
  static Result<WriterLock> open(const std::string& dir);
  WriterLock(WriterLock&& o) noexcept : fd_(o.fd_), depth_(o.depth_) { o.fd_ = -1; }
  WriterLock& operator=(WriterLock&&) = delete;
  WriterLock(const WriterLock&) = delete;
  ~WriterLock();

  // Held from acquire() until destruction (acquire blocks until the lock is free). Nested holds
  // in one thread are fine: the lock goes when the outermost is destroyed.
  // REQUIRES: the WriterLock outlives and does not move under its Held objects.
  class Held {
   public:
    Held(Held&& o) noexcept : lock_(o.lock_) { o.lock_ = nullptr; }
    Held& operator=(Held&&) = delete;
    Held(const Held&) = delete;
    ~Held();

   private:
    friend class WriterLock;
    explicit Held(const WriterLock* lock) : lock_(lock) {}
    const WriterLock* lock_;
  };
  Result<Held> acquire() const;

 private:
  explicit WriterLock(int fd) : fd_(fd) {}
  int fd_;
  mutable int depth_ = 0;  // Held objects alive (guarded by the owner's mutex)
};

// A directory of this store instance's own under DIR/staging/, where payload bytes are written
// before they are verified and published: a lock file inside it is flock()ed for as long as the
// instance lives, so that a sweep (remove_dead_staging) can tell a live process's files from a
// dead one's. Each staged file gets a fresh name (fresh_name()), so two writers of one payload
// never share a file. The directory is removed with the instance.
class StagingArea {
 public:
  // REQUIRES: the writer lock is held (the sweep must not see a directory before its lock is).
  static Result<StagingArea> create(const std::string& store_dir);
  StagingArea(StagingArea&& o) noexcept;
  StagingArea& operator=(StagingArea&&) = delete;
  StagingArea(const StagingArea&) = delete;
  ~StagingArea();

  // A path in this area that no other staged file has. Thread-safe.
  std::string fresh_name(const char* what);
  const std::string& dir() const { return dir_; }

 private:
  StagingArea(std::string dir, int lock_fd) : dir_(std::move(dir)), lock_fd_(lock_fd) {}
  std::string dir_;
  int lock_fd_;
  std::atomic<std::uint64_t> counter_{0};
};

// True when a staging directory (this file's StagingArea, or a drop import's) belongs to no
// live process: the flock of its `lock` file can be taken, or it has none and is older than
// ten minutes (its maker died before making the lock file).
bool staging_dir_abandoned(const std::string& dir);

// Makes `dir`'s `lock` file, held (flock) by the returned descriptor for as long as it is open.
// The file is locked under another name first and then renamed into place, so a sweep
// (staging_dir_abandoned) never finds an unlocked `lock` of a live directory: created, then
// locked, it once could, and removed the directory of an import under way.
Result<int> make_staging_lock(const std::string& dir);

// REQUIRES: the writer lock is held. Removes the staging directories under DIR/staging/ whose
// owner is gone (their lock can be taken), except `own` (this instance's, if any); returns the
// paths removed.
std::vector<std::string> remove_dead_staging(const std::string& store_dir, const std::string& own);
// Lists them without removing (no lock needed: a report may be momentarily out of date).
std::vector<std::string> list_dead_staging(const std::string& store_dir);

}  // namespace osier::store
