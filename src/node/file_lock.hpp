// FileLock: an exclusive flock(2) on a lock file of the home, held while the object lives and
// released by the kernel if the process dies (no stale lock after a crash). The file is created
// 0600 (never through a symbolic link) and never deleted: deleting it would let another process
// lock a new inode while a third still holds the old one. HomeLock and DaemonLock are its uses.
// Not thread-safe to share; flock locks are per open file, so two FileLocks on one path exclude
// each other within a process too.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "osier/base/status.hpp"

namespace osier::node {

class FileLock {
 public:
  // Waits until the lock is free.
  static Result<FileLock> acquire(const std::string& path);
  // Does not wait: nullopt when another holds the lock.
  static Result<std::optional<FileLock>> try_acquire(const std::string& path);
  // Waits at most `limit` (trying every few milliseconds): kIo saying the lock is held by
  // another process when it is still held then (a stopped process — Ctrl-Z — may hold it).
  static Result<FileLock> acquire_within(const std::string& path, std::chrono::milliseconds limit);

  FileLock(FileLock&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  FileLock& operator=(FileLock&&) = delete;
  FileLock(const FileLock&) = delete;
  ~FileLock();

  // The open lock file (the holder may note its pid in it).
  int fd() const { return fd_; }

 private:
  explicit FileLock(int fd) : fd_(fd) {}
  static Result<int> lock(const std::string& path, bool wait);
  int fd_;
};

}  // namespace osier::node
