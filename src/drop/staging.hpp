// The staging area of an import: verified entries and payloads, written to temporary files in
// a first pass, so that nothing reaches the store before the whole drop checked out, whatever
// its size.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "drop/drop_input.hpp"
#include "osier/base/file.hpp"
#include "osier/base/io.hpp"
#include "osier/crypto/bab_hash.hpp"
#include "osier/drop/drop_reader.hpp"
#include "osier/store/types.hpp"

namespace osier::drop {

// Verified payload bytes staged for an entry: the whole payload, or a prefix of whole chunks
// with the labels of the rest (crypto/bab_prefix.hpp), which a store needs to keep it.
struct StagedPayload {
  std::uint64_t offset = 0;  // where the bytes start in the staged payloads
  std::uint64_t length = 0;  // how many (the entry's payload_length: complete)
  std::vector<crypto::BabLabel> frontier;
};

struct StagedEntry {
  store::AuthorisedEntry authorised;
  std::optional<StagedPayload> payload;
};

// Staging directories are named PARENT/osier-drop-XXXXXX and hold a `lock` file their owner
// keeps flock()ed (store/store_lock.hpp's staging_dir_abandoned tells a dead owner's).
inline constexpr const char* kStagingPrefix = "osier-drop-";

// list_stale_staging, remove_stale_staging: osier/drop/drop_reader.hpp.

class Staging {
 public:
  // Creates a fresh directory under `parent` (the system's temporary directory when empty).
  static Result<std::unique_ptr<Staging>> create(const std::string& parent);
  Staging(const Staging&) = delete;
  Staging& operator=(const Staging&) = delete;
  // Removes the directory and everything in it.
  ~Staging();
  const std::string& dir() const { return dir_; }
  // The files in dir() (for a signal handler that must remove them without allocating).
  std::vector<std::string> files() const;

  // Appends an entry, with the staged bytes of its payload if any.
  Status add_entry(const store::AuthorisedEntry& entry,
                   const std::optional<StagedPayload>& payload);
  Status add_payload_bytes(ByteView data);
  std::uint64_t payload_bytes() const { return payloads_.written(); }
  // Ends the writing phase.
  Status seal();

  // Reads the staged entries back, in order, one at a time.
  class EntryReader {
   public:
    // The next staged entry; nullopt after the last.
    Result<std::optional<StagedEntry>> next();

   private:
    friend class Staging;
    explicit EntryReader(std::unique_ptr<File> file);
    std::unique_ptr<File> file_;  // where in_ reads from: stays put when the reader moves
    DropInput in_;
  };
  Result<EntryReader> entries() const;
  Status for_each_entry(const std::function<Status(const StagedEntry&)>& fn) const;
  // Fills `out` with the staged payload bytes from `offset`.
  Status read_payload(std::uint64_t offset, MutableByteView out) const;

 private:
  struct Key {};  // create() is the only way in

 public:
  Staging(Key, std::string dir, int lock_fd, File entries, File payloads);

 private:
  std::string dir_;
  int lock_fd_;
  File entries_file_;
  File payloads_file_;
  BufferedSink entries_;
  BufferedSink payloads_;
};

}  // namespace osier::drop
