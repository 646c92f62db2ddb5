// The file-system seam: every call by which osier creates, writes, makes durable, renames or
// removes its own files (payload files and their staging, drop staging, the home's key, alias
// and capability files, command output) goes through these functions, so that a test can make
// any one of them fail and check what the code left behind (tests/node/fs_failure_test.cpp).
//
// Each function behaves as its POSIX namesake: -1 (or nullptr) with errno set on failure,
// EINTR not retried. By default each is that call plus one atomic load of the interceptor
// pointer. Reads (read, pread, stat, readdir) and close are not in the seam: a failure there
// loses no data.
//
// Not covered: LMDB's own I/O (data.mdb, lock.mdb) happens inside liblmdb with its own system
// calls; a failing LMDB write shows as a failed mdb_txn_commit (store/lmdb_env.cpp maps it).
// std::filesystem::remove_all, used to clear whole staging directories, is not covered either
// (nothing that is still needed is removed that way).
#pragma once

#include <sys/types.h>

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>

#include "osier/base/bytes.hpp"
#include "osier/base/status.hpp"

namespace osier::fs {

// The kinds of call an interceptor sees.
enum class Op : std::uint8_t {
  kOpen,    // open, any flags (reading too: a file that cannot be opened fails the same way)
  kWrite,   // write, pwrite
  kSync,    // fsync, fdatasync (of files and directories)
  kRename,  // rename
  kRemove,  // unlink
  kMkdir,   // mkdir, mkdtemp
};
inline constexpr std::size_t kOpCount = 6;
const char* op_name(Op op);

int open(const char* path, int flags, mode_t mode = 0);
ssize_t write(int fd, const void* data, std::size_t n);
ssize_t pwrite(int fd, const void* data, std::size_t n, std::uint64_t offset);
int fsync(int fd);
int fdatasync(int fd);
int rename(const char* from, const char* to);
// rename() only if nothing stands at `to` (else -1 with EEXIST); a kRename to the interceptor.
// Atomic where the file system has RENAME_NOREPLACE or hard links; on one with neither, a look
// and then a rename.
int rename_noreplace(const char* from, const char* to);
int unlink(const char* path);
int mkdir(const char* path, mode_t mode);
char* mkdtemp(char* templ);

// All of `data` at the current position (write) or at `offset` (pwrite), retrying short
// writes and EINTR; errors are io_error("cannot write", path, errno).
Status write_all(int fd, ByteView data, const std::string& path);
Status pwrite_all(int fd, std::uint64_t offset, ByteView data, const std::string& path);
// Makes `path`'s directory entry durable (fsync of its directory): after a rename or the
// creation of a file, before anything records the new name.
Status sync_parent_dir(const std::string& path);

// Sees every call of the seam before it is made.
class Interceptor {
 public:
  virtual ~Interceptor() = default;
  // 0 lets the call run; an errno fails it with that errno, without doing anything. `path` is
  // null for calls on a descriptor. Called from any thread that does I/O.
  virtual int before(Op op, const char* path) = 0;
};

// Installs `interceptor` (nullptr: none), returning the previous one. For tests: the
// interceptor must outlive every call that may see it, so install it before, and remove it
// after, the threads that do I/O run.
Interceptor* set_interceptor(Interceptor* interceptor);

// Counts the calls of each kind and fails the n-th call of one kind with a chosen errno.
// Installs itself on construction and restores the previous interceptor on destruction.
// Thread-safe: the counters are atomic, so the store's background threads may call at once
// (which call is "the n-th" is then the order in which they reached the seam).
class FaultInjector final : public Interceptor {
 public:
  FaultInjector();
  ~FaultInjector() override;
  FaultInjector(const FaultInjector&) = delete;
  FaultInjector& operator=(const FaultInjector&) = delete;

  // The n-th call (1-based, counted from construction) of kind `op` fails with `err`; every
  // other call runs. Call before the I/O starts.
  void fail(Op op, std::uint64_t nth, int err);
  std::uint64_t calls(Op op) const { return calls_[static_cast<std::size_t>(op)].load(); }
  // Whether the chosen call was reached (and so failed).
  bool fired() const { return fired_.load(); }

  int before(Op op, const char* path) override;

 private:
  Interceptor* previous_;
  std::array<std::atomic<std::uint64_t>, kOpCount> calls_{};
  std::atomic<int> fail_op_{-1};
  std::atomic<std::uint64_t> fail_nth_{0};
  std::atomic<int> fail_errno_{0};
  std::atomic<bool> fired_{false};
};

}  // namespace osier::fs
