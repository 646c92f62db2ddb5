// FileStamp: a cheap identity of one version of a file, from stat(2), for a reader that polls a
// file another process replaces (by rename, as write_file_atomic does) and reloads it on a change.
// Device and inode tell a replacement from the file it replaced; a replacement may reuse the freed
// inode, so size, mtime and ctime (nanoseconds) tell those apart too. A change goes unseen only
// when a replacement reuses the inode, has the same size and lands within the same timestamp tick
// of the file system (a few milliseconds at most on Linux). One stat, no allocation, any thread.
#pragma once

#include <cstdint>
#include <string>

namespace osier::node {

struct FileStamp {
  std::uint64_t device = 0;
  std::uint64_t inode = 0;
  std::uint64_t size = 0;
  std::int64_t mtime_ns = 0;
  std::int64_t ctime_ns = 0;

  bool operator==(const FileStamp&) const = default;
};

// The stamp of the file at `path` (symbolic links followed); all zero when it cannot be stat'ed
// (missing, or a directory on the way cannot be searched).
FileStamp file_stamp(const std::string& path);

}  // namespace osier::node
