#include "osier/node/home.hpp"

#include <sys/stat.h>

#include <cerrno>

#include "node/home_lock.hpp"
#include "osier/base/hex.hpp"
#include "osier/meadowcap/communal_capability.hpp"

namespace osier::node {

namespace {

std::string short_hex(const ByteArray<32>& id) { return to_hex(id).substr(0, 12) + "…"; }

}  // namespace

Result<Home::Loaded> Home::load(const HomePaths& paths) {
  // The stamp first: a table replaced between the stat and the read is read new with an old
  // stamp, and the next lookup reloads it once more (never the reverse, a stale table kept).
  const FileStamp stamp = file_stamp(paths.aliases());
  OSIER_ASSIGN_OR_RETURN(Aliases aliases, Aliases::load(paths));
  return Loaded{std::make_shared<const Aliases>(std::move(aliases)), stamp};
}

Result<std::unique_ptr<Home>> Home::open(const HomePaths& paths) {
  OSIER_RETURN_IF_ERROR(require_home(paths));
  OSIER_ASSIGN_OR_RETURN(Loaded loaded, load(paths));
  return std::unique_ptr<Home>(new Home(paths, std::move(loaded)));  // NOLINT: private ctor
}

const std::shared_ptr<const Aliases>& Home::current_locked() const {
  if (!(file_stamp(paths_.aliases()) == loaded_.stamp)) {
    // Another process changed the table. A table that cannot be read now (a moment without the
    // file, a damaged one) leaves the last good one in use: lookups keep working, and the next
    // one tries again.
    if (Result<Loaded> fresh = load(paths_)) {
      loaded_ = std::move(*fresh);
      key_cache_.clear();
    }
  }
  return loaded_.aliases;
}

std::shared_ptr<const Aliases> Home::aliases() const {
  const std::lock_guard lock(mutex_);
  return current_locked();
}

Status Home::update_names(const std::function<Status(Aliases&)>& change) {
  const std::lock_guard lock(mutex_);
  OSIER_ASSIGN_OR_RETURN(HomeLock file_lock, HomeLock::acquire(paths_));
  OSIER_ASSIGN_OR_RETURN(Aliases fresh, Aliases::load(paths_));
  OSIER_RETURN_IF_ERROR(change(fresh));
  Status saved = fresh.save();
  key_cache_.clear();
  // Reloaded through load() so the stamp is the saved file's. Whatever happens now, the next
  // lookup rereads the table (a failed reload must not leave the old one in use).
  loaded_.stamp = FileStamp{};
  Result<Loaded> reloaded = load(paths_);
  // The save can fail after its rename put the new table in place (syncing the directory
  // failed). Callers undo what `change` did to key files when this fails, so an error here
  // while the table on disk names the new keys would delete keys that are in use: a table on
  // disk equal to ours is a success (its durability is that of any write just before a crash).
  const bool on_disk = reloaded && reloaded->aliases->identities() == fresh.identities() &&
                       reloaded->aliases->namespaces() == fresh.namespaces();
  if (reloaded) loaded_ = std::move(*reloaded);
  if (!saved && !on_disk) return saved;
  return Status::ok();
}

Result<Identity> Home::identity(std::string_view name_or_id) const {
  const std::lock_guard lock(mutex_);
  return identity_locked(name_or_id);
}

Result<Identity> Home::identity_locked(std::string_view name_or_id) const {
  // Held: a nested lookup may load a newer table.
  const std::shared_ptr<const Aliases> table = current_locked();
  const Aliases& aliases = *table;
  OSIER_ASSIGN_OR_RETURN(model::SubspaceId id, aliases.identity(name_or_id));
  const std::optional<std::string> name = aliases.name_of(uri::IdKind::kSubspace, id);
  if (!name || !keys_.has(KeyKind::kIdentity, *name)) {
    return error(ErrorCode::kNotFound,
                 "no secret key for identity '" + std::string(name_or_id) +
                     "' on this node (see `osier id list`; `osier id import` adds one)");
  }
  if (auto cached = key_cache_.find(*name); cached != key_cache_.end())
    return Identity{*name, cached->second.clone()};
  OSIER_ASSIGN_OR_RETURN(crypto::Ed25519SecretKey key, keys_.load(KeyKind::kIdentity, *name));
  if (key.public_key() != id)
    return error(ErrorCode::kCorrupt,
                 "the key file of identity '" + *name + "' does not match its id");
  key_cache_.emplace(*name, key.clone());
  return Identity{*name, std::move(key)};
}

Result<Identity> Home::sync_identity(const std::optional<std::string>& as) const {
  const std::lock_guard lock(mutex_);
  // Held: a nested lookup may load a newer table.
  const std::shared_ptr<const Aliases> table = current_locked();
  const Aliases& aliases = *table;
  if (as) return identity_locked(*as);
  std::vector<std::string> held;
  for (const auto& [name, id] : aliases.identities()) {
    if (keys_.has(KeyKind::kIdentity, name)) held.push_back(name);
  }
  if (held.empty()) {
    return error(ErrorCode::kNotFound,
                 "no identity with a secret key on this node: create one with `osier id new NAME`");
  }
  if (held.size() > 1) {
    std::string names;
    for (const std::string& n : held) names += (names.empty() ? "" : ", ") + n;
    return error(ErrorCode::kInvalidArgument, "this node holds the keys of several identities (" +
                                                  names +
                                                  "): choose the one to authenticate as with --as");
  }
  return identity_locked(held.front());
}

std::optional<crypto::Ed25519SecretKey> Home::namespace_secret(
    const model::NamespaceId& namespace_id) const {
  const std::lock_guard lock(mutex_);
  return namespace_secret_locked(namespace_id);
}

std::optional<crypto::Ed25519SecretKey> Home::namespace_secret_locked(
    const model::NamespaceId& namespace_id) const {
  // Held: a nested lookup may load a newer table.
  const std::shared_ptr<const Aliases> table = current_locked();
  const Aliases& aliases = *table;
  const std::optional<std::string> name = aliases.name_of(uri::IdKind::kNamespace, namespace_id);
  if (!name || !keys_.has(KeyKind::kNamespace, *name)) return std::nullopt;
  Result<crypto::Ed25519SecretKey> key = keys_.load(KeyKind::kNamespace, *name);
  if (!key || key->public_key() != namespace_id) return std::nullopt;
  return std::move(*key);
}

Result<WriteAuthority> Home::write_authority(const model::Entry& entry,
                                             const std::optional<std::string>& as) const {
  const std::lock_guard lock(mutex_);
  // Held: a nested lookup may load a newer table.
  const std::shared_ptr<const Aliases> table = current_locked();
  const Aliases& aliases = *table;
  // The identities that may sign: the one asked for, or every identity with a held key.
  std::vector<Identity> signers;
  Status unusable;  // why a held key could not be used (a key file others can read, say)
  if (as) {
    OSIER_ASSIGN_OR_RETURN(Identity id, identity_locked(*as));
    signers.push_back(std::move(id));
  } else {
    for (const auto& [name, id] : aliases.identities()) {
      if (!keys_.has(KeyKind::kIdentity, name)) continue;
      Result<Identity> loaded = identity_locked(name);
      if (loaded) {
        signers.push_back(std::move(*loaded));
      } else if (unusable.is_ok()) {
        unusable = loaded.status();
      }
    }
  }
  const bool communal = model::is_communal(entry.namespace_id);
  const auto held = caps_.list();
  if (!held) return held.status();
  std::string read_only;  // a held read capability that would have covered the entry
  for (Identity& signer : signers) {
    const meadowcap::UserPublicKey me = signer.key.public_key();
    if (communal && me == entry.subspace_id) {
      return WriteAuthority{signer.name, std::move(signer.key),
                            meadowcap::CommunalCapability::create(meadowcap::AccessMode::kWrite,
                                                                  entry.namespace_id, me),
                            "own subspace of " + signer.name};
    }
    for (const HeldCapability& h : *held) {
      const meadowcap::McCapability& c = h.cap;
      if (c.granted_namespace() != entry.namespace_id || c.receiver() != me ||
          !c.granted_area().includes(entry))
        continue;
      if (c.access_mode() != meadowcap::AccessMode::kWrite) {
        read_only = h.id;
        continue;
      }
      return WriteAuthority{signer.name, std::move(signer.key), c, "held capability " + h.id};
    }
  }
  if (signers.empty()) {
    if (!unusable.is_ok()) return unusable;
    return error(ErrorCode::kNotFound,
                 "no identity with a secret key on this node: create one with `osier id new NAME`");
  }
  const std::string ns = aliases.name_of(uri::IdKind::kNamespace, entry.namespace_id)
                             .value_or(short_hex(entry.namespace_id));
  const std::string ss = aliases.name_of(uri::IdKind::kSubspace, entry.subspace_id)
                             .value_or(short_hex(entry.subspace_id));
  if (!read_only.empty()) {
    return error(
        ErrorCode::kVerification,
        "wrong mode: held capability " + read_only +
            " covers this entry but is a read capability; writing needs a write capability");
  }
  if (communal) {
    std::string tried;
    for (const Identity& s : signers) tried += (tried.empty() ? "" : ", ") + s.name;
    return error(ErrorCode::kNotFound,
                 "missing capability: in communal namespace " + ns + " only the key of subspace " +
                     ss +
                     " (or a write capability it delegated) may write there; none is held "
                     "for " +
                     tried);
  }
  // The identity the hint's capability should go to: the one asked for, the one whose subspace
  // the entry is in, or else the first that could sign (a copied hint must work as it is).
  std::string receiver = as ? *as : signers.front().name;
  for (const Identity& s : signers) {
    if (!as && s.key.public_key() == entry.subspace_id) receiver = s.name;
  }
  return error(
      ErrorCode::kNotFound,
      "missing capability: no held write capability for owned namespace " + ns +
          " covers subspace " + ss + " path " + entry.path.to_string() +
          (as ? " for identity " + *as : std::string()) +
          (namespace_secret_locked(entry.namespace_id)
               ? " (this node holds the namespace's key: create one with `osier cap new --ns " +
                     ns + " --mode write --as " + receiver + "`)"
               : " (import one with `osier cap import`, or ask its owner to delegate one)"));
}

}  // namespace osier::node
