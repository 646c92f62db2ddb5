// Payload bytes and outboards as files beside the LMDB environment (large payloads only), with
// positioned, fixed-memory I/O, over the file-system seam (base/fs.hpp).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>

#include "osier/base/bytes.hpp"
#include "osier/base/file.hpp"
#include "osier/base/io.hpp"
#include "osier/base/status.hpp"

namespace osier::store {

// Writes `data` at `offset` of the file at `path` (created if missing); with `sync`, fsyncs it,
// and its directory too when this call created it.
// `meanwhile`, if given, runs after the bytes are written (and, with `sync`, handed to the
// device) and before the sync waits for them: CPU work there overlaps the disk's.
Status file_write_at(const std::string& path, std::uint64_t offset, ByteView data, bool sync,
                     const std::function<void()>& meanwhile = {});
// Removes the file; a missing file is fine, and so is a failure (what is left has no record
// and is swept by the next writer: docs/formats.md).
void file_remove(const std::string& path);
// Renames `from` to `to`, replacing it; with `sync`, fsyncs the file first and the directory
// after, so the new name survives a power loss.
Status file_publish(const std::string& from, const std::string& to, bool sync);

// A File read through a window: a read of fewer than window bytes is served from one window
// of that many bytes of the file, refilled from the read's offset when the read falls outside
// it. For Bab producers, which read an outboard 32 bytes at a time and a light stream's payload
// a chunk at a time, mostly in file order: one pread per window instead of one per label (that
// was half of a sender's CPU: docs/benchmarks.md, "A 1 GiB payload over loopback"). Larger
// reads go straight to the file. Memory: the window. The file must not change while it is read.
// Not thread-safe (read() is const, but fills the window).
//
// The window's size is the reader's choice: the payload bytes of a run of Chunks are read in
// order, so a large window (kWindow) serves a whole message; an outboard is read mostly in small
// scattered pieces (the labels beside a run's path lie far apart), so every refill of a large
// window there mostly copies bytes nobody reads — a 64 KiB outboard window made a sender pread
// 8x the payload's size (docs/benchmarks.md, "Payload transfer, session 17").
class BufferedFileReader final : public RandomReader {
 public:
  static constexpr std::size_t kWindow = 64 * 1024;
  static constexpr std::size_t kOutboardWindow = 4 * 1024;
  explicit BufferedFileReader(File file, std::size_t window = kWindow)
      : file_(std::move(file)), capacity_(window) {}
  Status read(std::uint64_t offset, MutableByteView out) const override;

 private:
  File file_;
  std::size_t capacity_;
  mutable Bytes window_;  // capacity_ bytes once used; the file's bytes [window_at_, + held_)
  mutable std::size_t held_ = 0;
  mutable std::uint64_t window_at_ = 0;
};

}  // namespace osier::store
