// Node: the everyday operations of a local osier node over its Home (osier/node/home.hpp: names,
// keys, capabilities) and its Store — writing entries with an automatically chosen capability and
// their payloads, reading payloads, deleting (prefix pruning), and the lookups they need.
//
// Long-lived and thread-safe: a Node keeps no state of its own besides the two references, and
// both Home and Store may be used from any thread, so any thread may call any method at any
// time (a CLI command, a daemon's sessions and its control API share one Node). Both must
// outlive it. Writes by this Node and by other processes on the same home never lose each
// other's entries: every decision is made again inside the store's write transaction.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "osier/base/status.hpp"
#include "osier/meadowcap/authorisation.hpp"
#include "osier/node/home.hpp"
#include "osier/store/store.hpp"
#include "osier/uri/willow_uri.hpp"

namespace osier::node {

// Called now and then while payload bytes stream: the phase ("hashing", "storing", "reading"),
// bytes done and bytes in all (0 when unknown, e.g. standard input).
using Progress = std::function<void(const char* phase, std::uint64_t done, std::uint64_t total)>;

struct PutOptions {
  std::optional<std::string> as;              // identity to sign with (alias or id)
  std::optional<model::Timestamp> timestamp;  // default: now, beating any entry it must replace
  Progress progress;
};

struct PutResult {
  store::AuthorisedEntry entry;
  std::uint64_t pruned = 0;
  std::string authority;  // WriteAuthority::source
};

// Microseconds since the Unix epoch.
model::Timestamp now_micros();

class Node {
 public:
  Node(const Home& home, store::Store& store) : home_(home), store_(store) {}

  const Home& home() const { return home_; }
  store::Store& store() const { return store_; }

  // Writes the entry `uri` names with the payload of `file` ('-': standard input; it and any
  // other input that is not a regular file are spooled to tmp/ first). The payload is hashed
  // (and checked against the URI's digest=, if any; a from/to slice or a fragment is refused),
  // the entry signed, then the entry and the payload read again go into the store in one step
  // (Store::ingest_with_payload): on any failure — the file changed in between, I/O error, full
  // disk — the store is left exactly as it was. Without options.timestamp a put that loses a
  // race to another writer of the path is signed again with a fresh timestamp (a few times).
  Result<PutResult> put(const uri::EntryUri& uri, const std::string& file,
                        const PutOptions& options);

  // Writes the Willow delete of everything under `uri`'s path: an entry with an empty payload
  // that prunes them. `removes` is filled in before writing (the count of entries it prunes).
  Result<PutResult> remove(const uri::EntryUri& uri, const std::optional<std::string>& as);
  // The entry remove() would write (to check its authorisation before asking the user).
  Result<model::Entry> deletion_entry(const uri::EntryUri& uri);
  // How many stored entries a delete at `uri` would prune.
  Result<std::uint64_t> count_under(const uri::EntryUri& uri);

  // The stored entry `uri` names (kNotFound when none).
  Result<store::LengthyAuthorisedEntry> stat(const uri::EntryUri& uri);
  // Streams the payload (or the URI's slice of it) to `sink`; kCorrupt when the stored entry's
  // token or payload bytes fail verification (nothing damaged reaches `sink`).
  // Without `wait_for_more`, kNotFound unless every byte asked for is held (nothing is streamed
  // then). With it, a payload that is still arriving (a daemon fetching it, a sync) streams as
  // its verified bytes are stored: the held bytes go to `sink`, then wait_for_more(held) is
  // called, where held is the store's count of verified bytes; it waits as it sees fit and
  // returns true to look again, false to give up (kNotFound). kNotFound too when the entry is
  // overwritten meanwhile. Memory: one store read buffer, whatever the payload size.
  Status read(const uri::EntryUri& uri, const store::ByteSink& sink, const Progress& progress,
              const std::function<bool(std::uint64_t held)>& wait_for_more = {});

  // The timestamp a new entry at `path` gets by default: now, or one more than the newest entry
  // it must beat (at a prefix of `path` or, with `descendants`, below it).
  Result<model::Timestamp> fresh_timestamp(const model::NamespaceId& ns,
                                           const model::SubspaceId& subspace,
                                           const model::Path& path, bool descendants);

 private:
  // Signs `entry` with the authority write_authority() finds, without storing it.
  Result<PutResult> sign_entry(model::Entry entry, const std::optional<std::string>& as) const;
  // Signs and ingests an entry.
  Result<PutResult> write_entry(model::Entry entry, const std::optional<std::string>& as);

  const Home& home_;
  store::Store& store_;
};

}  // namespace osier::node
