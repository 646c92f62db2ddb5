// Payload bytes and outboards as files beside the LMDB environment (large payloads only), with
// positioned, fixed-memory I/O.
#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include "osier/base/bytes.hpp"
#include "osier/base/status.hpp"
#include "osier/crypto/bab_io.hpp"

namespace osier::store {

// Writes `data` at `offset` of the file at `path` (created if missing); with `sync`, fsyncs it,
// and its directory too when this call created it.
Status file_write_at(const std::string& path, std::uint64_t offset, ByteView data, bool sync);
// Removes the file; a missing file is fine.
void file_remove(const std::string& path);
// Renames `from` to `to`, replacing it; with `sync`, fsyncs the file first and the directory
// after, so the new name survives a power loss.
Status file_publish(const std::string& from, const std::string& to, bool sync);

// Reads a file through pread (random access for Bab producers).
class FileReader final : public crypto::BabReader {
 public:
  static Result<FileReader> open(const std::string& path);
  FileReader(FileReader&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  FileReader& operator=(FileReader&&) = delete;
  FileReader(const FileReader&) = delete;
  ~FileReader() override;
  Status read(std::uint64_t offset, MutableByteView out) const override;
  // Reads up to out.size() bytes at `offset`, fewer only at the end of the file.
  Result<std::size_t> read_some(std::uint64_t offset, MutableByteView out) const;

 private:
  explicit FileReader(int fd) : fd_(fd) {}
  int fd_;
};

// A FileReader that reads ahead: a read of fewer than kWindow bytes is served from one window of
// kWindow bytes of the file, refilled from the read's offset when the read falls outside it.
// For Bab producers, which read an outboard 32 bytes at a time and a light stream's payload a
// chunk at a time, mostly in file order: one pread per 64 KiB instead of one per label (that was
// half of a sender's CPU: docs/benchmarks.md, "A 1 GiB payload over loopback"). Larger reads go
// straight to the file. Memory: the window. The file must not change while it is read (as for
// FileReader). Not thread-safe (read() is const, but fills the window).
class BufferedFileReader final : public crypto::BabReader {
 public:
  static constexpr std::size_t kWindow = 64 * 1024;
  explicit BufferedFileReader(FileReader file) : file_(std::move(file)) {}
  Status read(std::uint64_t offset, MutableByteView out) const override;

 private:
  FileReader file_;
  mutable Bytes window_;  // the file's bytes [window_at_, window_at_ + size)
  mutable std::uint64_t window_at_ = 0;
};

// Appends to a file sequentially (for outboards being built), buffered by the caller.
class FileAppender {
 public:
  static Result<FileAppender> create(const std::string& path);  // truncates
  FileAppender(FileAppender&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  FileAppender& operator=(FileAppender&&) = delete;
  FileAppender(const FileAppender&) = delete;
  ~FileAppender();
  Status write(ByteView data);

 private:
  explicit FileAppender(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace osier::store
