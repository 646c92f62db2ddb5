// Opening the durable, embedded store without seeing LMDB: its options and a factory that
// returns it as a Store. The implementation class (store/lmdb_store.hpp) includes <lmdb.h>;
// applications and the layers above the store need only this header and osier/store/store.hpp.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "osier/base/status.hpp"
#include "osier/store/authoriser.hpp"
#include "osier/store/store.hpp"

namespace osier::store {

struct LmdbStoreOptions {
  std::shared_ptr<const WriteAuthoriser> authoriser = meadowcap_authoriser();
  // The most the data file may grow to (LMDB's map size); a write beyond it fails with
  // kResourceExhausted and leaves the store as it was.
  std::uint64_t map_size = std::uint64_t{1} << 36;
  bool create_if_missing = true;
  // Flush to disk on every commit (LMDB's default), so a committed write survives a crash of the
  // machine. false trades that for speed (MDB_NOSYNC): a process crash still loses nothing
  // committed, a power loss may lose the latest commits (never consistency).
  bool sync_commits = true;
  // How many of the latest events are kept for replay to subscribers (at least 1).
  std::uint64_t max_event_history = std::uint64_t{1} << 20;
  // Opens the store for reading only (MDB_RDONLY: read-only media and backups work; nothing is
  // created, upgraded or swept). Every write fails with kInvalidArgument. A store of an older
  // format version is refused with kInvalidArgument (its upgrade builds the tree: a write).
  bool read_only = false;
  // Reader slots (LMDB's maxreaders): every read and every live snapshot holds one, per process
  // and home; a read beyond them fails. Set when the home's lock file is made (the first opener
  // of the environment decides for the process).
  unsigned max_readers = 1022;
};

// Opens (or creates) the LMDB store in directory `dir` (store/lmdb_store.hpp states its
// contract: threads, processes, durability, errors). The store is safe to use from any thread
// and closes when the pointer is released.
Result<std::unique_ptr<Store>> open_lmdb_store(const std::string& dir,
                                               LmdbStoreOptions options = {});

}  // namespace osier::store
