// Node: a local osier node opened from its home directory — the store, the keystore, the
// aliases and the held capabilities, and the everyday operations on them (writing entries with
// an automatically chosen capability, reading payloads, listing, deleting).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.hpp"
#include "meadowcap/authorisation.hpp"
#include "node/aliases.hpp"
#include "node/capabilities.hpp"
#include "node/home.hpp"
#include "node/keystore.hpp"
#include "store/lmdb_store.hpp"
#include "uri/willow_uri.hpp"

namespace osier::node {

// Called now and then while payload bytes stream: the phase ("hashing", "storing", "reading"),
// bytes done and bytes in all (0 when unknown, e.g. standard input).
using Progress = std::function<void(const char* phase, std::uint64_t done, std::uint64_t total)>;

// An identity that holds its secret key: its alias and key.
struct Identity {
  std::string name;
  crypto::Ed25519SecretKey key;
};

// What signs a new entry: the receiver's key and a write capability that authorises it.
struct WriteAuthority {
  std::string identity;  // alias of the signing identity
  crypto::Ed25519SecretKey key;
  meadowcap::McCapability capability;
  std::string source;  // how it was found, for messages ("held capability 1a2b...", ...)
};

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
  // Opens the home (kNotFound unless initialised); the store opens on first use — read-only
  // with `read_only` (commands that only read: they work on read-only homes and backups, and
  // writes through this node fail).
  static Result<std::unique_ptr<Node>> open(const HomePaths& home, bool read_only = false);

  const HomePaths& home() const { return home_; }
  Aliases& aliases() { return aliases_; }
  const Aliases& aliases() const { return aliases_; }
  const Keystore& keys() const { return keys_; }
  const CapabilityStore& caps() const { return caps_; }
  Result<store::LmdbStore*> store();

  // Changes the names and keys of the home as one step against other processes: under the
  // HomeLock (node/home_lock.hpp), rereads the alias table, lets `change` edit it (and save or
  // remove key files), then writes the table back; aliases() is the result afterwards. On an
  // error from `change` nothing is written (what `change` did to key files is its to undo).
  Status update_names(const std::function<Status(Aliases&)>& change);

  // The identity named by alias or id, with its secret key (kNotFound when none is held).
  Result<Identity> identity(std::string_view name_or_id) const;
  // The identity a sync session authenticates as (issue #13 item 7): its Ed25519 key is the
  // session's static handshake key, so the peer learns this identity's public key, and read
  // capabilities granted to it can be proven over that session later. `as` names it (alias or
  // id); without `as`, the one identity whose secret key this node holds. kNotFound when none is
  // held, kInvalidArgument when several are and none was named.
  Result<Identity> sync_identity(const std::optional<std::string>& as) const;
  // The secret key of the namespace, if this node holds it.
  std::optional<crypto::Ed25519SecretKey> namespace_secret(
      const model::NamespaceId& namespace_id) const;

  // Finds a write capability that authorises `entry` and a held key to sign with: the own
  // subspace in a communal namespace, or a held write capability (the namespace's own secret key
  // is never used implicitly: `osier cap new` makes a capability from it). Otherwise kNotFound
  // (kVerification for a read capability that would fit) saying which capability is missing.
  Result<WriteAuthority> write_authority(const model::Entry& entry,
                                         const std::optional<std::string>& as) const;

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
  // Streams the payload (or the URI's slice of it) to `sink`; kNotFound unless every byte
  // asked for is held; kCorrupt when the stored entry's token or payload bytes fail
  // verification (nothing damaged reaches `sink`).
  Status read(const uri::EntryUri& uri, const store::ByteSink& sink, const Progress& progress);

  // The timestamp a new entry at `path` gets by default: now, or one more than the newest entry
  // it must beat (at a prefix of `path` or, with `descendants`, below it).
  Result<model::Timestamp> fresh_timestamp(const model::NamespaceId& ns,
                                           const model::SubspaceId& subspace,
                                           const model::Path& path, bool descendants);

 private:
  Node(const HomePaths& home, Aliases aliases, bool read_only)
      : home_(home),
        aliases_(std::move(aliases)),
        keys_(home),
        caps_(home),
        read_only_(read_only) {}
  // Signs `entry` with the authority write_authority() finds, without storing it.
  Result<PutResult> sign_entry(model::Entry entry, const std::optional<std::string>& as) const;
  // Signs and ingests an entry.
  Result<PutResult> write_entry(model::Entry entry, const std::optional<std::string>& as);

  HomePaths home_;
  Aliases aliases_;
  Keystore keys_;
  CapabilityStore caps_;
  std::unique_ptr<store::LmdbStore> store_;
  bool read_only_ = false;
};

}  // namespace osier::node
