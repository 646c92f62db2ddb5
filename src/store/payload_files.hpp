// Payload bytes and outboards as files beside the LMDB environment (large payloads only), with
// positioned, fixed-memory I/O.
#pragma once

#include <cstdint>
#include <string>

#include "base/bytes.hpp"
#include "base/status.hpp"
#include "crypto/bab_io.hpp"

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

 private:
  explicit FileReader(int fd) : fd_(fd) {}
  int fd_;
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
