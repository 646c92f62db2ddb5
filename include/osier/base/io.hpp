// The byte-stream vocabulary of every layer: one pull source, one push sink, one random-access
// reader. Payloads, outboards, drops, staged files and command output all move through these,
// whether the bytes live in memory, in a file (osier/base/file.hpp) or in a store.
//
// Why three and not one: a producer that decides how much to emit (a Bab stream, a drop
// writer) pushes into a ByteSink; a consumer that decides how much to take (a drop reader, a
// payload being hashed into a store) pulls from a ByteSource into its own fixed buffer; Bab
// producers and verifiers jump around an outboard and read through a RandomReader.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>

#include "osier/base/bytes.hpp"
#include "osier/base/status.hpp"

namespace osier {

// Fills a prefix of `out` and returns how many bytes it wrote; 0 only at the end of the input
// (or for an empty `out`). An error ends the input; calling again after one is not defined.
using ByteSource = std::function<Result<std::size_t>(MutableByteView out)>;

// Receives output in pieces, in order; the view is valid only during the call. A failed
// Status stops the producer, which returns it.
using ByteSink = std::function<Status(ByteView)>;

// Random access to a byte string (a payload, an outboard, a staged file).
class RandomReader {
 public:
  virtual ~RandomReader() = default;
  // Fills `out` with the bytes at [offset, offset + out.size()); fails if they do not all
  // exist (kOutOfRange in memory, kCorrupt for a file shorter than its owner recorded).
  virtual Status read(std::uint64_t offset, MutableByteView out) const = 0;
};

// A RandomReader over bytes in memory; `bytes` must outlive it.
class BytesReader final : public RandomReader {
 public:
  explicit BytesReader(ByteView bytes) : bytes_(bytes) {}
  Status read(std::uint64_t offset, MutableByteView out) const override;

 private:
  ByteView bytes_;
};

// A source over bytes in memory, in pieces of at most `max_piece` bytes (tests, fuzzing);
// `bytes` must outlive it.
ByteSource memory_source(ByteView bytes,
                         std::size_t max_piece = std::numeric_limits<std::size_t>::max());

// A sink that appends everything to `out` (tests, small payloads); `out` must outlive it.
ByteSink append_to(Bytes& out);

// Collects small writes into pieces of up to 64 KiB for `sink` (which sees pieces of at most
// 64 KiB, or one larger write unsplit). Call flush() at the end: the destructor does not.
// Memory: 64 KiB.
class BufferedSink {
 public:
  explicit BufferedSink(ByteSink sink);
  Status write(ByteView data);
  Status flush();
  // Bytes given to write() so far, flushed or not.
  std::uint64_t written() const { return written_; }

 private:
  ByteSink sink_;
  Bytes buf_;
  std::uint64_t written_ = 0;
};

}  // namespace osier
