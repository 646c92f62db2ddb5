// Byte sources and sinks drops are read from and written to (files, memory), with buffering
// so that a drop of any size streams through fixed memory.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>

#include "osier/base/bytes.hpp"
#include "osier/base/status.hpp"
#include "osier/store/types.hpp"

namespace osier::drop {

using store::ByteSink;
// Fills (a prefix of) `out`; returns how many bytes it wrote, 0 at the end of the input.
using ByteSource = std::function<Result<std::size_t>(MutableByteView out)>;

// A source over bytes in memory (tests, fuzzing). `bytes` must outlive the source.
ByteSource memory_source(ByteView bytes);

// Collects a sink's output in `out`.
ByteSink memory_sink(Bytes& out);

// Collects small writes into pieces of up to 64 KiB for `sink`. Call flush() at the end.
class BufferedSink {
 public:
  explicit BufferedSink(ByteSink sink);
  Status write(ByteView data);
  Status flush();
  std::uint64_t written() const { return written_; }

 private:
  ByteSink sink_;
  Bytes buf_;
  std::uint64_t written_ = 0;
};

// A file opened for sequential reading or writing ("-" is not special). Closes on destruction.
class File {
 public:
  static Result<File> open_read(const std::string& path);
  static Result<File> create(const std::string& path);  // truncates
  File(File&& o) noexcept : f_(o.f_), path_(std::move(o.path_)) { o.f_ = nullptr; }
  File& operator=(File&&) = delete;
  File(const File&) = delete;
  ~File();

  ByteSource source();
  ByteSink sink();
  // Flushes and closes, reporting write errors (the destructor cannot).
  Status close();
  // The file size (for progress reports); 0 when unknown.
  std::uint64_t size() const;

 private:
  File(std::FILE* f, std::string path) : f_(f), path_(std::move(path)) {}
  std::FILE* f_;
  std::string path_;
};

}  // namespace osier::drop
