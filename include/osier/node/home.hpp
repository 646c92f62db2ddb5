// Home: the files of a local node (osier/node/home_paths.hpp has the layout) — its alias table, its
// keystore and its held capabilities — and what is decided from them alone: which identity a
// name means, which key and capability sign a new entry. The store is not part of it: a Node
// (osier/node/node.hpp) joins a Home and a Store.
//
// Long-lived and thread-safe: every method may be called from any thread. The alias table is
// held as an immutable snapshot (aliases()) and replaced whole, under `mutex_`, when this Home
// changes it (update_names) or another process has (each lookup first compares the table
// file's identity — device, inode, size, modification and change times — with the one it
// loaded: a stat, no read).
// Loaded identity keys are kept in memory (wiped when dropped, osier/crypto/ed25519.hpp) until the
// table changes, so writes do not reread key files; held
// capabilities are read from caps/ on each lookup (another process may add one at any time).
#pragma once

#include <sys/types.h>

#include <ctime>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "osier/base/status.hpp"
#include "osier/meadowcap/capability.hpp"
#include "osier/model/entry.hpp"
#include "osier/node/aliases.hpp"
#include "osier/node/capabilities.hpp"
#include "osier/node/file_stamp.hpp"
#include "osier/node/home_paths.hpp"
#include "osier/node/keystore.hpp"

namespace osier::node {

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

class Home {
 public:
  // Opens an initialised home (kNotFound, with a hint to run `osier init`, unless it is one)
  // and loads its alias table.
  static Result<std::unique_ptr<Home>> open(const HomePaths& paths);

  const HomePaths& paths() const { return paths_; }
  // The alias table as of now (reloaded first if another process changed it). The snapshot
  // never changes; a later call may return a newer one.
  std::shared_ptr<const Aliases> aliases() const;
  // Key files and capability files: stateless views of the directories (thread-safe).
  const Keystore& keys() const { return keys_; }
  const CapabilityStore& caps() const { return caps_; }

  // Changes the names and keys of the home as one step against other processes and threads:
  // under the HomeLock (node/home_lock.hpp), rereads the alias table, lets `change` edit it (and
  // save or remove key files), then writes the table back; aliases() is the result afterwards.
  // On an error from `change` nothing is written (what `change` did to key files is its to
  // undo). `change` runs while this Home's lookups wait: it must not call back into the Home.
  Status update_names(const std::function<Status(Aliases&)>& change);

  // The identity named by alias or id, with its secret key (kNotFound when none is held).
  Result<Identity> identity(std::string_view name_or_id) const;
  // The identity a sync session authenticates as (issue #13 item 7): its Ed25519 key is the
  // session's static handshake key, so the peer learns this identity's public key, and read
  // capabilities granted to it can be proven over that session later. `as` names it (alias or
  // id); without `as`, the one identity whose secret key this home holds. kNotFound when none is
  // held, kInvalidArgument when several are and none was named.
  Result<Identity> sync_identity(const std::optional<std::string>& as) const;
  // The secret key of the namespace, if this home holds it.
  std::optional<crypto::Ed25519SecretKey> namespace_secret(
      const model::NamespaceId& namespace_id) const;

  // Finds a write capability that authorises `entry` and a held key to sign with: the own
  // subspace in a communal namespace, or a held write capability (the namespace's own secret key
  // is never used implicitly: `osier cap new` makes a capability from it). Otherwise kNotFound
  // (kVerification for a read capability that would fit) saying which capability is missing.
  Result<WriteAuthority> write_authority(const model::Entry& entry,
                                         const std::optional<std::string>& as) const;

 private:
  struct Loaded {
    std::shared_ptr<const Aliases> aliases;
    FileStamp stamp;  // of the alias table file (replaced by rename, never edited)
  };

  Home(HomePaths paths, Loaded loaded)
      : paths_(std::move(paths)), keys_(paths_), caps_(paths_), loaded_(std::move(loaded)) {}
  static Result<Loaded> load(const HomePaths& paths);
  // The current table, reloaded when the file changed on disk; caller holds `mutex_`.
  const std::shared_ptr<const Aliases>& current_locked() const;
  Result<Identity> identity_locked(std::string_view name_or_id) const;
  std::optional<crypto::Ed25519SecretKey> namespace_secret_locked(
      const model::NamespaceId& namespace_id) const;

  const HomePaths paths_;
  const Keystore keys_;
  const CapabilityStore caps_;
  mutable std::mutex mutex_;  // guards loaded_ and key_cache_
  mutable Loaded loaded_;
  // Identity keys loaded under the current table, by alias; cleared when the table changes.
  mutable std::map<std::string, crypto::Ed25519SecretKey, std::less<>> key_cache_;
};

}  // namespace osier::node
