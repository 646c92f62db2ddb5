// One LMDB environment per store directory per process.
//
// LMDB forbids opening the same data file twice in one process: the second mdb_env_open sees no
// conflicting lock (a process's own POSIX locks never conflict), resets the reader table — the
// slots of the first environment's live read transactions included, so a writer may reuse pages
// they still read — and closing either environment drops the other's locks. A snapshot may
// outlive its LmdbStore (it shares the environment), so a store reopened in the same process
// while one lives would do exactly that. open_shared_env hands out the environment that is
// already open for the directory (keyed by the directory's device and inode) instead.
//
// Thread-safe: one process-wide mutex guards the registry (held while an environment is opened).
// A child made by fork() never gets its parent's environment (LMDB environments do not survive
// fork); it opens its own.
#pragma once

#include <lmdb.h>

#include <cstdint>
#include <memory>
#include <string>

#include "osier/base/status.hpp"

namespace osier::store::lmdb {

struct EnvSettings {
  unsigned flags = 0;  // mdb_env_open flags (MDB_RDONLY, MDB_NOSYNC, MDB_NOTLS, ...)
  std::uint64_t map_size = 0;
  unsigned max_readers = 0;
  unsigned max_dbs = 0;
};

// The environment of the store in `dir` (an existing directory): the one this process has open
// already, or a new one opened with `settings` (which then also clears the reader slots of dead
// processes). An environment open read-only cannot serve a writer: kInvalidArgument then (close
// the read-only store and its snapshots first). A writable one serves readers too; the settings
// of the first opener stay in force.
Result<std::shared_ptr<MDB_env>> open_shared_env(const std::string& dir,
                                                 const EnvSettings& settings);

}  // namespace osier::store::lmdb
