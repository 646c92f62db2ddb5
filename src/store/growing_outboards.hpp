// GrowingOutboards: the outboards of file payloads that Store::append_verified is filling,
// built from the bytes of each append as it is made, so that the append that completes a
// payload publishes an outboard already written instead of rereading and rehashing the whole
// payload (for 1 GiB that reread was 0.4 s of CPU and a pass over the file at the end of a
// transfer, with the connection waiting: docs/benchmarks.md, "Payload transfer, session 17").
//
// An optimisation: a payload whose appends this instance did not see from byte 0 on, in
// order, has no outboard here, and its completing append builds one from the file as before
// (LmdbStore::build_outboard_file). Continuity is all it checks: verified bytes at an offset are
// the payload's bytes whoever appended them (they match its digest), so an outboard fed the
// bytes [0, n) is right for any writer's file holding n bytes. An append that fails after
// feed() leaves the outboard ahead of what the store holds, and the next append, which starts
// where the store holds, then drops it. One check is not made here that the rebuild made: the
// rebuild reread the finished file and refused it if it did not match the digest; an outboard
// built here never reads the file back, so a file damaged between appends is found when its
// bytes are read (every read is verified against this outboard), not at completion.
//
// Files: one staging file per payload (StagingArea::fresh_name), 64 bytes per 1 KiB fed, which
// goes with forget(), finish(), eviction, the instance or, at a crash, the next sweep of dead
// staging directories: at most kMax such files (of payloads that may each be large) at once.
// Memory: at most kMax payloads at once (the least recently fed goes first), each ~45 KiB (the
// builder's batch of chunks and output buffer) and up to 64 KiB of outboard bytes not yet written.
// Thread safety: none; LmdbStore calls it under its write mutex.
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <optional>
#include <string>

#include "osier/base/bytes.hpp"
#include "osier/base/file.hpp"
#include "osier/crypto/bab_outboard.hpp"
#include "store/payload.hpp"
#include "store/store_lock.hpp"

namespace osier::store {

class GrowingOutboards {
 public:
  static constexpr std::size_t kMax = 16;

  // `bytes` were written at `offset` of the payload `key`'s file: an offset of 0 starts its
  // outboard (replacing any), the offset where the last feed ended continues it, any other drops
  // it. Never fails: an I/O error drops the outboard (its completion then rebuilds it).
  void feed(const PayloadKey& key, std::uint64_t offset, ByteView bytes, StagingArea& staging);
  // For a payload just made complete at `length` bytes: the staging file holding its whole
  // outboard, when every byte was fed here and the outboard's root is the key's digest; nullopt
  // otherwise. Either way the payload leaves the list (the caller publishes or removes the file).
  std::optional<std::string> finish(const PayloadKey& key, std::uint64_t length);
  // Forgets the payload's outboard under way, if any, and removes its file: for a payload whose
  // bytes go (forgotten, dropped) or whose append failed, so its file does not wait for the
  // instance's end or kMax newer ones.
  void forget(const PayloadKey& key);
  // Forgets every outboard under way and removes their files.
  void clear();
  ~GrowingOutboards() { clear(); }

 private:
  // Outboard bytes are written kWriteBatch at a time (the builder hands out 4 KiB pieces).
  static constexpr std::size_t kWriteBatch = 64 * 1024;
  struct Growing {
    PayloadKey key;
    File file;
    Bytes unwritten;                     // outboard bytes not yet written to `file`
    crypto::BabOutboardBuilder builder;  // its length(): the payload bytes fed
    Growing(const PayloadKey& k, File f)
        : key(k), file(std::move(f)), builder([this](ByteView b) { return write(b); }) {}
    // The builder's sink points at this object: it stays where it was made.
    Growing(const Growing&) = delete;
    Growing& operator=(const Growing&) = delete;
    Status write(ByteView b) {
      append(unwritten, b);
      if (unwritten.size() < kWriteBatch) return Status::ok();
      return flush();
    }
    Status flush() {
      Status st = file.append(unwritten);
      unwritten.clear();
      return st;
    }
  };
  using List = std::list<std::unique_ptr<Growing>>;
  List::iterator find(const PayloadKey& key);
  void drop(List::iterator it);

  List growing_;  // most recently fed first
};

}  // namespace osier::store
