// File: the one wrapper of an open file, over the file-system seam (base/fs.hpp). Random
// reads (pread) for Bab producers and verifiers, sequential reads and appends for drops and
// staging, positioned writes for payload files, fdatasync for durability.
#pragma once

#include <cstdint>
#include <string>

#include "osier/base/bytes.hpp"
#include "osier/base/io.hpp"
#include "osier/base/status.hpp"

namespace osier {

// Owns one descriptor (closed on destruction; close() reports errors). Move-only. Reads are
// const and positioned, so one File may serve several readers on one thread; it is not
// thread-safe. Errors name the path and are classified by osier/base/io_error.hpp.
class File final : public RandomReader {
 public:
  // For reading ("-" is not special).
  static Result<File> open_read(const std::string& path);
  // For writing from the start: a new file with `mode`, or an existing one truncated.
  static Result<File> create(const std::string& path, unsigned mode = 0600);
  // A new file named `prefix` followed by six random characters [0-9a-z], never an existing
  // one (O_EXCL: mkstemp through the seam, with `mode` under the umask). path() names it.
  static Result<File> create_unique(const std::string& prefix, unsigned mode = 0600);
  // For writing at any offset, keeping what is there: an existing file, or a new one with
  // `mode`; `created` (if given) says which.
  static Result<File> open_write(const std::string& path, bool* created = nullptr,
                                 unsigned mode = 0600);

  File(File&& o) noexcept : fd_(o.fd_), path_(std::move(o.path_)) { o.fd_ = -1; }
  File& operator=(File&&) = delete;
  File(const File&) = delete;
  File& operator=(const File&) = delete;
  ~File() override;

  const std::string& path() const { return path_; }

  // Fills `out` from `offset`; a file that ends first is kCorrupt (its owner recorded more).
  Status read(std::uint64_t offset, MutableByteView out) const override;
  // Reads up to out.size() bytes at `offset`, fewer only at the end of the file.
  Result<std::size_t> read_some(std::uint64_t offset, MutableByteView out) const;
  // Reads at the current position and advances it; 0 at the end.
  Result<std::size_t> read_next(MutableByteView out);

  // Writes all of `data` at the current position and advances it.
  Status append(ByteView data);
  // Writes all of `data` at `offset` (the position does not move).
  Status write_at(std::uint64_t offset, ByteView data);
  // fdatasync: the bytes and the size (what reading them back needs), not the times.
  Status sync();
  // Asks the kernel to start writing [offset, offset + length) to the device now, without
  // waiting (Linux sync_file_range): work done before a later sync() then overlaps the device's.
  // A hint only: durability still takes sync().
  void start_writeback(std::uint64_t offset, std::uint64_t length);
  // Closes now, reporting an error the destructor could not.
  Status close();
  // The file's size; 0 when unknown (for progress reports).
  std::uint64_t size() const;

  // read_next and append as a ByteSource and a ByteSink; the File must outlive them.
  ByteSource source();
  ByteSink sink();

 private:
  File(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_;
  std::string path_;
};

}  // namespace osier
