#include "store/lmdb_store.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "base/fs.hpp"
#include "crypto/random.hpp"
#include "osier/base/hex.hpp"
#include "osier/base/io_error.hpp"
#include "osier/base/std_fds.hpp"
#include "store/index_snapshot.hpp"
#include "store/ingest_plan.hpp"
#include "store/lmdb_env_registry.hpp"
#include "store/lmdb_format.hpp"
#include "store/lmdb_tree.hpp"
#include "store/payload_files.hpp"
#include "store/payload_prefix.hpp"

namespace osier::store {

namespace fmt = lmdb_format;
using lmdb::Cursor;
using lmdb::Txn;

namespace {

// Every payload record goes through here: encoding can fail (lmdb_format.hpp).
Status put_payload_record(Txn& txn, MDB_dbi payloads, ByteView key, const fmt::PayloadRecord& r) {
  OSIER_ASSIGN_OR_RETURN(Bytes value, fmt::encode_payload_record(r));
  return txn.put(payloads, key, value);
}

constexpr std::string_view kVersionKey = "format_version";
constexpr std::string_view kLastSeqKey = "last_seq";
constexpr std::string_view kTreeSaltKey = "tree_salt";

ByteArray<8> seq_key(std::uint64_t seq) {
  ByteArray<8> k{};
  for (int i = 0; i < 8; ++i)
    k[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(seq >> (8 * (7 - i)));
  return k;
}

Status make_dir(const std::string& dir, bool create) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) return error(ErrorCode::kIo, dir + " is not a directory");
    return Status::ok();
  }
  if (!create) return error(ErrorCode::kNotFound, "no store at " + dir);
  if (fs::mkdir(dir.c_str(), 0700) != 0) {
    return io_error("cannot create", dir);
  }
  return Status::ok();
}

Result<std::uint64_t> payload_held(const Txn& txn, MDB_dbi payloads, const model::Entry& e) {
  OSIER_ASSIGN_OR_RETURN(auto rec, txn.get(payloads, payload_key(e)));
  if (!rec) return std::uint64_t{0};
  OSIER_ASSIGN_OR_RETURN(auto r, fmt::decode_payload_record(*rec));
  return r.held;
}

ByteArray<fmt::kPayloadKeySize + fmt::kEntryKeySize> ref_key(const model::Entry& e) {
  ByteArray<fmt::kPayloadKeySize + fmt::kEntryKeySize> k{};
  const auto pk = payload_key(e);
  const auto ek = fmt::entry_key(e.namespace_id, e.subspace_id, e.path);
  std::copy(pk.begin(), pk.end(), k.begin());
  std::copy(ek.begin(), ek.end(), k.begin() + fmt::kPayloadKeySize);
  return k;
}

// Scans the entries of one namespace from disk into a fresh in-memory index (for check(), which
// compares it with the stored tree, and for building the tree when upgrading).
Result<EntryIndex> load_index(const Txn& txn, const LmdbStore::Dbs& dbs,
                              const model::NamespaceId& ns) {
  EntryIndex index;
  OSIER_ASSIGN_OR_RETURN(Cursor cur, Cursor::open(txn, dbs.entries));
  OSIER_ASSIGN_OR_RETURN(bool ok, cur.seek(ns));
  while (ok) {
    const ByteView k = cur.key();
    if (k.size() != fmt::kEntryKeySize) return error(ErrorCode::kCorrupt, "malformed entry key");
    if (!std::equal(ns.begin(), ns.end(), k.begin())) break;
    OSIER_ASSIGN_OR_RETURN(AuthorisedEntry ae, fmt::decode_entry_value(cur.value()));
    const auto want = fmt::entry_key(ae.entry.namespace_id, ae.entry.subspace_id, ae.entry.path);
    if (!std::equal(want.begin(), want.end(), k.begin())) {
      return error(ErrorCode::kCorrupt, "entry record filed under the wrong key");
    }
    if (index.find(ae.entry.subspace_id, ae.entry.path)) {
      return error(ErrorCode::kCorrupt, "two entry records for one key");
    }
    OSIER_ASSIGN_OR_RETURN(std::uint64_t held, payload_held(txn, dbs.payloads, ae.entry));
    const std::uint64_t available = std::min(held, ae.entry.payload_length);
    const Fp256 h = hash_lengthy_authorised_entry(ae.entry, ae.token, available);
    index.insert(IndexItem{std::move(ae.entry), available, h, {}});
    OSIER_ASSIGN_OR_RETURN(ok, cur.next());
  }
  return index;
}

}  // namespace

namespace {

Bytes version_value() {
  Bytes v;
  put_be(v, LmdbStore::kFormatVersion, 4);
  return v;
}

// The namespaces that hold entries.

Result<std::vector<model::NamespaceId>> namespaces_of(Txn& txn, const LmdbStore::Dbs& dbs) {
  std::vector<model::NamespaceId> nss;
  OSIER_ASSIGN_OR_RETURN(Cursor cur, Cursor::open(txn, dbs.entries));
  OSIER_ASSIGN_OR_RETURN(bool ok, cur.first());
  while (ok) {
    if (cur.key().size() != fmt::kEntryKeySize)
      return error(ErrorCode::kCorrupt, "malformed entry key");
    model::NamespaceId ns{};
    std::copy_n(cur.key().begin(), 32, ns.begin());
    nss.push_back(ns);
    auto next = model::subspace_successor(ns);
    if (!next) break;
    OSIER_ASSIGN_OR_RETURN(ok, cur.seek(*next));
  }
  return nss;
}

// Builds the tree of every namespace from the entry records (upgrading from format 1 or 2,
// which kept no tree on disk), in the open write transaction.
Status build_trees(Txn& txn, const LmdbStore::Dbs& dbs, const TreeSalt& salt) {
  OSIER_ASSIGN_OR_RETURN(std::vector<model::NamespaceId> nss, namespaces_of(txn, dbs));
  for (const model::NamespaceId& ns : nss) {
    // The entries are read into memory first, a namespace at a time: the tree's writes would
    // invalidate a cursor's view of the same transaction's pages.
    OSIER_ASSIGN_OR_RETURN(EntryIndex index, load_index(txn, dbs, ns));
    TreeWriteCache cache;
    LmdbTree tree(txn.get(), dbs.tree, ns, salt, &cache);
    Status st;
    index.visit(model::D3Range::full(), [&](const IndexItem& item) {
      st = tree.insert(item);
      return st.is_ok();
    });
    OSIER_RETURN_IF_ERROR(st);
    OSIER_RETURN_IF_ERROR(cache.flush(txn.get(), dbs.tree));
  }
  return Status::ok();
}

// Builds the time order of every namespace's tree from its path order (upgrading format 3).
Status build_time_orders(Txn& txn, const LmdbStore::Dbs& dbs, const TreeSalt& salt) {
  OSIER_ASSIGN_OR_RETURN(std::vector<model::NamespaceId> nss, namespaces_of(txn, dbs));
  for (const model::NamespaceId& ns : nss) {
    TreeWriteCache cache;
    LmdbTree tree(txn.get(), dbs.tree, ns, salt, &cache);
    OSIER_RETURN_IF_ERROR(tree.build_time_order());
    OSIER_RETURN_IF_ERROR(cache.flush(txn.get(), dbs.tree));
  }
  return Status::ok();
}

// Checks the format version record; writable, creates a new store's records or upgrades an
// older format (docs/formats.md) in this transaction.
Status check_version(Txn& txn, const LmdbStore::Dbs& dbs, bool write) {
  OSIER_ASSIGN_OR_RETURN(auto have, txn.get(dbs.meta, as_bytes(kVersionKey)));
  if (!have) {
    // A new store; an old one without a version record would have entries.
    MDB_stat st{};
    OSIER_RETURN_IF_ERROR(lmdb::status_of(mdb_stat(txn.get(), dbs.entries, &st), "stat"));
    if (st.ms_entries != 0) return error(ErrorCode::kCorrupt, "store has no format version record");
    if (!write) return error(ErrorCode::kCorrupt, "store has no valid format version record");
    const TreeSalt salt = crypto::random_array<16>();
    OSIER_RETURN_IF_ERROR(txn.put(dbs.meta, as_bytes(kTreeSaltKey), salt));
    return txn.put(dbs.meta, as_bytes(kVersionKey), version_value());
  }
  if (have->size() != 4) return error(ErrorCode::kCorrupt, "malformed format version record");
  const std::uint64_t version = get_be(*have);
  if (version == 1 || version == 2 || version == 3) {
    if (!write) {
      return error(ErrorCode::kInvalidArgument,
                   "store format version " + std::to_string(version) +
                       " must be upgraded to version " + std::to_string(LmdbStore::kFormatVersion) +
                       ", which a read-only open cannot do: open it once for writing");
    }
    if (version == 3) {
      // Version 4 adds the time order to each tree; the salt and the path order stay.
      OSIER_ASSIGN_OR_RETURN(auto s, txn.get(dbs.meta, as_bytes(kTreeSaltKey)));
      TreeSalt salt{};
      if (!s || s->size() != salt.size())
        return error(ErrorCode::kCorrupt, "store has no valid tree salt");
      std::copy(s->begin(), s->end(), salt.begin());
      OSIER_RETURN_IF_ERROR(build_time_orders(txn, dbs, salt));
      return txn.put(dbs.meta, as_bytes(kVersionKey), version_value());
    }
    // Version 2 added a flag to payload records (every version 1 store is a version 2 store);
    // version 3 adds the tree, version 4 its time order.
    // (An older build never made a tree; what a newer build's downgraded store may hold goes.)
    OSIER_RETURN_IF_ERROR(lmdb::status_of(mdb_drop(txn.get(), dbs.tree, 0), "empty the tree"));
    const TreeSalt salt = crypto::random_array<16>();
    OSIER_RETURN_IF_ERROR(txn.put(dbs.meta, as_bytes(kTreeSaltKey), salt));
    OSIER_RETURN_IF_ERROR(build_trees(txn, dbs, salt));
    return txn.put(dbs.meta, as_bytes(kVersionKey), version_value());
  }
  if (version != LmdbStore::kFormatVersion) {
    return error(ErrorCode::kCorrupt, "store format version " + std::to_string(version) +
                                          " is not supported (this build reads version " +
                                          std::to_string(LmdbStore::kFormatVersion) + ")");
  }
  return Status::ok();
}

// Opens the named databases and checks (or, writable, creates and upgrades) the format version.
// A read-only store needs everything present already.
Status open_databases(Txn& txn, bool write, LmdbStore::Dbs& dbs, std::uint64_t& last_seq,
                      TreeSalt& salt) {
  for (auto [name, dbi] : {std::pair{"meta", &dbs.meta}, std::pair{"entries", &dbs.entries},
                           std::pair{"payloads", &dbs.payloads}, std::pair{"refs", &dbs.refs},
                           std::pair{"events", &dbs.events}, std::pair{"tree", &dbs.tree}}) {
    const int rc = mdb_dbi_open(txn.get(), name, write ? MDB_CREATE : 0, dbi);
    if (rc == MDB_NOTFOUND && std::string_view(name) == "tree") {
      // A store of an older format: check_version says what to do.
      OSIER_RETURN_IF_ERROR(check_version(txn, dbs, false));
    }
    if (rc == MDB_NOTFOUND)
      return error(ErrorCode::kNotFound, std::string("store lacks its database ") + name);
    OSIER_RETURN_IF_ERROR(lmdb::status_of(rc, std::string("open database ") + name));
  }
  OSIER_RETURN_IF_ERROR(check_version(txn, dbs, write));
  OSIER_ASSIGN_OR_RETURN(auto s, txn.get(dbs.meta, as_bytes(kTreeSaltKey)));
  if (!s || s->size() != salt.size())
    return error(ErrorCode::kCorrupt, "store has no valid tree salt");
  std::copy(s->begin(), s->end(), salt.begin());
  OSIER_ASSIGN_OR_RETURN(auto v, txn.get(dbs.meta, as_bytes(kLastSeqKey)));
  if (v) {
    if (v->size() != 8) return error(ErrorCode::kCorrupt, "malformed event sequence record");
    last_seq = get_be(*v);
  }
  return Status::ok();
}

// True when a writable open must write: a database is missing or the version is not current.
bool needs_setup(MDB_env* env) {
  auto txn = Txn::begin(env, true);
  if (!txn) return true;
  LmdbStore::Dbs dbs;
  std::uint64_t seq = 0;
  TreeSalt salt{};
  return !open_databases(*txn, false, dbs, seq, salt);
}

}  // namespace

Result<std::unique_ptr<Store>> open_lmdb_store(const std::string& dir, LmdbStoreOptions options) {
  OSIER_ASSIGN_OR_RETURN(std::unique_ptr<LmdbStore> s, LmdbStore::open(dir, std::move(options)));
  return std::unique_ptr<Store>(std::move(s));
}

Result<std::unique_ptr<LmdbStore>> LmdbStore::open(const std::string& dir,
                                                   LmdbStoreOptions options) {
  if (!ensure_standard_fds()) {
    return error(ErrorCode::kIo,
                 "standard input, output or error is closed and /dev/null cannot be opened");
  }
  const bool write = !options.read_only;
  OSIER_RETURN_IF_ERROR(make_dir(dir, write && options.create_if_missing));
  unsigned flags = MDB_NOTLS;
  if (!options.sync_commits) flags |= MDB_NOSYNC;
  if (!write) flags |= MDB_RDONLY;
  // Every read and every live snapshot holds a reader slot; LMDB's default of 126 per home is
  // few for a daemon with many sync sessions (LmdbStoreOptions::max_readers: 1022).
  const lmdb::EnvSettings settings{flags, options.map_size, options.max_readers, 8};
  OSIER_ASSIGN_OR_RETURN(std::shared_ptr<MDB_env> env, lmdb::open_shared_env(dir, settings));
  MDB_env* raw = env.get();
  std::optional<WriterLock> lock;
  if (write) {
    OSIER_RETURN_IF_ERROR(make_dir(dir + "/payloads", true));
    OSIER_ASSIGN_OR_RETURN(WriterLock l, WriterLock::open(dir));
    lock.emplace(std::move(l));
  }
  Dbs dbs;
  std::uint64_t last_seq = 0;
  TreeSalt salt{};
  if (write && needs_setup(raw)) {
    // Creating or upgrading is a write like any other: under the writer lock.
    OSIER_ASSIGN_OR_RETURN(WriterLock::Held held, lock->acquire());
    OSIER_ASSIGN_OR_RETURN(Txn txn, Txn::begin(raw, false));
    OSIER_RETURN_IF_ERROR(open_databases(txn, true, dbs, last_seq, salt));
    OSIER_RETURN_IF_ERROR(txn.commit());
  } else {
    OSIER_ASSIGN_OR_RETURN(Txn txn, Txn::begin(raw, true));
    OSIER_RETURN_IF_ERROR(open_databases(txn, false, dbs, last_seq, salt));
    OSIER_RETURN_IF_ERROR(txn.commit());  // keeps the database handles
  }
  if (options.max_event_history == 0) options.max_event_history = 1;
  auto store = std::make_unique<LmdbStore>(PassKey{}, dir, std::move(options), std::move(env), dbs,
                                           std::move(lock));
  store->last_seq_ = last_seq;
  store->delivered_through_ = last_seq;
  store->salt_ = salt;
  return store;
}

LmdbStore::LmdbStore(PassKey, std::string dir, LmdbStoreOptions options,
                     std::shared_ptr<MDB_env> env, Dbs dbs, std::optional<WriterLock> writer_lock)
    : dir_(std::move(dir)),
      options_(std::move(options)),
      env_(std::move(env)),
      dbs_(dbs),
      writer_lock_(std::move(writer_lock)) {}

LmdbStore::~LmdbStore() = default;

std::string LmdbStore::payload_file(const PayloadKey& key) const {
  return dir_ + "/payloads/" + to_hex(key);
}

Status LmdbStore::change_refcount(Txn& txn, const model::Entry& e, int delta) {
  const PayloadKey pk = payload_key(e);
  OSIER_ASSIGN_OR_RETURN(auto have, txn.get(dbs_.payloads, pk));
  fmt::PayloadRecord r;
  if (have) {
    OSIER_ASSIGN_OR_RETURN(r, fmt::decode_payload_record(*have));
  } else {
    r.in_file = e.payload_length > kInlineMax;
  }
  if (delta < 0) {
    if (r.refcount == 0) return error(ErrorCode::kCorrupt, "payload reference count underflow");
    // At 0 the record stays until the transaction ends (drop_unreferenced): an entry of the
    // same payload inserted later in it (an overwrite of the same bytes at the same path) takes
    // it over with the bytes held, instead of starting again from none.
    if (--r.refcount == 0) pending_unreferenced_.insert(pk);
  } else {
    ++r.refcount;
  }
  return put_payload_record(txn, dbs_.payloads, pk, r);
}

Result<std::vector<std::string>> LmdbStore::stray_payload_files(bool remove) {
  // Files whose payload record is gone: a crash between publishing them and the commit that
  // records them, or between a commit that drops a payload and the removal of its files.
  // Removing them is safe only under the writer lock: no other writer is between those steps.
  OSIER_ASSIGN_OR_RETURN(Txn txn, Txn::begin(env_.get(), true));
  std::vector<std::string> stray;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(dir_ + "/payloads", ec), end; !ec && it != end;
       it.increment(ec)) {
    const std::string name = it->path().filename().string();
    auto key = from_hex(name.substr(0, 80));
    bool keep = false;
    if (key && key->size() == 40 && (name.size() == 80 || name.substr(80) == ".obao")) {
      OSIER_ASSIGN_OR_RETURN(auto rec, txn.get(dbs_.payloads, *key));
      if (rec) {
        auto r = fmt::decode_payload_record(*rec);
        keep = r && r->in_file;
      }
    }
    if (!keep) stray.push_back(it->path().string());
  }
  if (ec) return error(ErrorCode::kIo, "cannot list " + dir_ + "/payloads: " + ec.message());
  if (remove) {
    for (const auto& path : stray) std::filesystem::remove(path, ec);
  }
  return stray;
}

Result<Leftovers> LmdbStore::sweep() {
  OSIER_ASSIGN_OR_RETURN(WriteGuard guard, lock_writers());
  Leftovers out;
  out.staging_dirs = remove_dead_staging(dir_, staging_ ? staging_->dir() : std::string());
  OSIER_ASSIGN_OR_RETURN(out.payload_files, stray_payload_files(true));
  swept_ = true;
  return out;
}

Result<Leftovers> LmdbStore::leftovers() {
  Leftovers out;
  out.staging_dirs = list_dead_staging(dir_);
  OSIER_ASSIGN_OR_RETURN(out.payload_files, stray_payload_files(false));
  return out;
}

Result<LmdbStore::WriteGuard> LmdbStore::lock_writers() {
  if (!writer_lock_) return error(ErrorCode::kInvalidArgument, "the store is open read-only");
  std::unique_lock in_process(write_mu_);
  OSIER_ASSIGN_OR_RETURN(WriterLock::Held held, writer_lock_->acquire());
  return WriteGuard{std::move(in_process), std::move(held)};
}

Result<LmdbStore::WriteGuard> LmdbStore::begin_write() {
  OSIER_ASSIGN_OR_RETURN(WriteGuard guard, lock_writers());
  write_origin_ = Origin::local();
  if (!swept_) {
    swept_ = true;
    remove_dead_staging(dir_, staging_ ? staging_->dir() : std::string());
    (void)stray_payload_files(true);  // a failure to list only leaves garbage for later
  }
  return guard;
}

Status LmdbStore::ensure_staging() {
  std::lock_guard lock(staging_mu_);
  if (staging_) return Status::ok();
  OSIER_ASSIGN_OR_RETURN(WriteGuard guard, begin_write());
  OSIER_ASSIGN_OR_RETURN(StagingArea area, StagingArea::create(dir_));
  staging_.emplace(std::move(area));
  return Status::ok();
}

Result<Txn> LmdbStore::read_txn() const { return Txn::begin(env_.get(), true); }

Result<std::uint64_t> LmdbStore::stored_last_seq(const Txn& txn) const {
  OSIER_ASSIGN_OR_RETURN(auto v, txn.get(dbs_.meta, as_bytes(kLastSeqKey)));
  if (!v) return std::uint64_t{0};
  if (v->size() != 8) return error(ErrorCode::kCorrupt, "malformed event sequence record");
  return get_be(*v);
}

Status LmdbStore::sync_with_disk(const Txn& txn) {
  // Every write transaction reads the latest event number: another process may have committed
  // since this instance last wrote, and transaction ids cannot tell, because a commit that
  // writes nothing does not advance LMDB's (remembering "as of id N" once let a process number
  // its events from a stale count and overwrite another process's events).
  OSIER_ASSIGN_OR_RETURN(last_seq_, stored_last_seq(txn));
  return Status::ok();
}

Result<Txn> LmdbStore::begin_write_txn() {
  OSIER_ASSIGN_OR_RETURN(Txn txn, Txn::begin(env_.get(), false));
  // Whatever an earlier write left pending was never committed: a write that failed by an
  // exception (bad_alloc, through the C API's guard) skipped abandon(), and its removals and
  // events must not be carried out after the next commit.
  abandon();
  OSIER_RETURN_IF_ERROR(sync_with_disk(txn));
  return txn;
}

Status LmdbStore::publish(const Staged& staged, const PayloadKey& key) {
  const std::string file = payload_file(key);
  if (!staged.data.empty())
    OSIER_RETURN_IF_ERROR(file_publish(staged.data, file, options_.sync_commits));
  if (!staged.outboard.empty()) {
    OSIER_RETURN_IF_ERROR(file_publish(staged.outboard, file + ".obao", options_.sync_commits));
  }
  return Status::ok();
}

void LmdbStore::discard(const Staged& staged) {
  if (!staged.data.empty()) file_remove(staged.data);
  if (!staged.outboard.empty()) file_remove(staged.outboard);
}

Result<std::size_t> LmdbStore::payload_count() {
  OSIER_ASSIGN_OR_RETURN(Txn txn, read_txn());
  MDB_stat st{};
  OSIER_RETURN_IF_ERROR(lmdb::status_of(mdb_stat(txn.get(), dbs_.payloads, &st), "stat"));
  return static_cast<std::size_t>(st.ms_entries);
}

Result<std::optional<LmdbStore::Located>> LmdbStore::locate(const Txn& txn,
                                                            const model::NamespaceId& ns,
                                                            const model::SubspaceId& subspace,
                                                            const model::Path& path) const {
  OSIER_ASSIGN_OR_RETURN(auto v, txn.get(dbs_.entries, fmt::entry_key(ns, subspace, path)));
  if (!v) return std::optional<Located>();
  OSIER_ASSIGN_OR_RETURN(AuthorisedEntry ae, fmt::decode_entry_value(*v));
  OSIER_ASSIGN_OR_RETURN(auto rec, txn.get(dbs_.payloads, payload_key(ae.entry)));
  if (!rec) return error(ErrorCode::kCorrupt, "stored entry has no payload record");
  OSIER_ASSIGN_OR_RETURN(fmt::PayloadRecord r, fmt::decode_payload_record(*rec));
  return std::optional(Located{std::move(ae), std::move(r)});
}

Result<LmdbStore::Located> LmdbStore::locate_stored(const model::NamespaceId& ns,
                                                    const model::SubspaceId& subspace,
                                                    const model::Path& path) {
  OSIER_ASSIGN_OR_RETURN(Txn txn, read_txn());
  auto loc = locate(txn, ns, subspace, path);
  if (!loc) return loc.status();
  if (!loc->has_value()) return error(ErrorCode::kNotFound, "no such entry");
  return std::move(**loc);
}

Status LmdbStore::log_payload_change(Txn& txn, const PayloadKey& key, std::uint64_t held,
                                     EventKind kind, const model::Entry* skip) {
  std::vector<Bytes> entry_keys;
  {
    OSIER_ASSIGN_OR_RETURN(Cursor cur, Cursor::open(txn, dbs_.refs));
    OSIER_ASSIGN_OR_RETURN(bool ok, cur.seek(key));
    while (ok && cur.key().size() == key.size() + fmt::kEntryKeySize &&
           std::equal(key.begin(), key.end(), cur.key().begin())) {
      const ByteView ek = cur.key().subspan(key.size());
      entry_keys.emplace_back(ek.begin(), ek.end());
      OSIER_ASSIGN_OR_RETURN(ok, cur.next());
    }
  }
  for (const Bytes& ek : entry_keys) {
    if (skip) {
      const auto skipped = fmt::entry_key(skip->namespace_id, skip->subspace_id, skip->path);
      if (std::equal(skipped.begin(), skipped.end(), ek.begin(), ek.end())) continue;
    }
    OSIER_ASSIGN_OR_RETURN(auto v, txn.get(dbs_.entries, ek));
    if (!v) return error(ErrorCode::kCorrupt, "payload reference to a missing entry");
    OSIER_ASSIGN_OR_RETURN(AuthorisedEntry ae, fmt::decode_entry_value(*v));
    const std::uint64_t available = std::min(held, ae.entry.payload_length);
    OSIER_RETURN_IF_ERROR(emit_in(txn, kind, ae.entry, available));
    const Fp256 hash = hash_lengthy_authorised_entry(ae.entry, ae.token, available);
    OSIER_ASSIGN_OR_RETURN(
        bool updated, write_tree(txn, ae.entry.namespace_id)
                          .update_available(ae.entry.subspace_id, ae.entry.path, available, hash));
    if (!updated) return error(ErrorCode::kCorrupt, "a stored entry is missing from the tree");
  }
  return Status::ok();
}

LmdbTree LmdbStore::read_tree(const Txn& txn, const model::NamespaceId& ns) const {
  return LmdbTree(txn.get(), dbs_.tree, ns, salt_, nullptr);
}

LmdbTree LmdbStore::write_tree(const Txn& txn, const model::NamespaceId& ns) {
  return LmdbTree(txn.get(), dbs_.tree, ns, salt_, &tree_cache_);
}

EntryLookup LmdbStore::entry_lookup(const Txn& txn, const model::NamespaceId& ns) const {
  return [this, &txn, ns](const model::SubspaceId& subspace,
                          const model::Path& path) -> Result<std::optional<model::Entry>> {
    OSIER_ASSIGN_OR_RETURN(auto v, txn.get(dbs_.entries, fmt::entry_key(ns, subspace, path)));
    if (!v) return std::optional<model::Entry>();
    OSIER_ASSIGN_OR_RETURN(AuthorisedEntry ae, fmt::decode_entry_value(*v));
    return std::optional(std::move(ae.entry));
  };
}

Status LmdbStore::commit_payload(const PayloadKey& key, EventKind kind,
                                 const RecordChange& change) {
  auto run = [&]() -> Status {
    OSIER_ASSIGN_OR_RETURN(Txn txn, begin_write_txn());
    OSIER_ASSIGN_OR_RETURN(auto have, txn.get(dbs_.payloads, key));
    if (!have) return error(ErrorCode::kNotFound, "the payload is no longer stored");
    OSIER_ASSIGN_OR_RETURN(fmt::PayloadRecord record, fmt::decode_payload_record(*have));
    OSIER_ASSIGN_OR_RETURN(bool changed, change(record));
    if (!changed) return Status::ok();
    OSIER_RETURN_IF_ERROR(put_payload_record(txn, dbs_.payloads, key, record));
    OSIER_RETURN_IF_ERROR(log_payload_change(txn, key, record.held, kind, nullptr));
    return finish_write(txn);
  };
  Status st = run();
  if (!st) abandon();
  return st;
}

Status LmdbStore::build_outboard_file(const PayloadKey& key) {
  const std::string data = payload_file(key);
  const std::string tmp = staging_->fresh_name("obao");
  Status st = [&]() -> Status {
    OSIER_ASSIGN_OR_RETURN(File in, File::open_read(data));
    OSIER_ASSIGN_OR_RETURN(File out, File::create(tmp));
    const std::uint64_t length = get_be(ByteView(key).subspan(32, 8));
    crypto::BabOutboardBuilder builder([&](ByteView b) { return out.append(b); });
    Bytes buf(std::size_t{1} << 16);
    for (std::uint64_t off = 0; off < length;) {
      const std::size_t n =
          static_cast<std::size_t>(std::min<std::uint64_t>(buf.size(), length - off));
      OSIER_RETURN_IF_ERROR(in.read(off, MutableByteView(buf).first(n)));
      OSIER_RETURN_IF_ERROR(builder.update(ByteView(buf).first(n)));
      off += n;
    }
    OSIER_ASSIGN_OR_RETURN(crypto::BabLabel digest, builder.finish());
    if (!std::equal(digest.begin(), digest.end(), key.begin())) {
      return error(ErrorCode::kCorrupt, "stored payload bytes do not match their digest");
    }
    return file_publish(tmp, data + ".obao", options_.sync_commits);
  }();
  if (!st) file_remove(tmp);
  return st;
}

Result<std::optional<PayloadState>> LmdbStore::payload_state(const model::NamespaceId& ns,
                                                             const model::SubspaceId& subspace,
                                                             const model::Path& path) {
  OSIER_ASSIGN_OR_RETURN(Txn txn, read_txn());
  OSIER_ASSIGN_OR_RETURN(auto loc, locate(txn, ns, subspace, path));
  if (!loc) return std::optional<PayloadState>();
  return std::optional(PayloadState{loc->entry.entry.payload_length, loc->record.held});
}

Result<PayloadState> LmdbStore::write_payload(const model::NamespaceId& ns,
                                              const model::SubspaceId& subspace,
                                              const model::Path& path,
                                              const PayloadSource& source) {
  OSIER_ASSIGN_OR_RETURN(Located loc, locate_stored(ns, subspace, path));
  const model::Entry& entry = loc.entry.entry;
  const PayloadState done{entry.payload_length, entry.payload_length};
  if (loc.record.held == entry.payload_length) return done;
  if (loc.record.in_file) OSIER_RETURN_IF_ERROR(ensure_staging());
  OSIER_ASSIGN_OR_RETURN(Staged staged, stage_payload(entry, loc.record.in_file, source));
  const PayloadKey key = payload_key(entry);
  Status st = [&]() -> Status {
    OSIER_ASSIGN_OR_RETURN(WriteGuard guard, begin_write());
    return commit_payload(key, EventKind::kPayloadAppended,
                          [&](fmt::PayloadRecord& rec) -> Result<bool> {
                            if (rec.held == entry.payload_length)
                              return false;  // another writer got there first
                            OSIER_RETURN_IF_ERROR(publish(staged, key));
                            if (!rec.in_file) rec.inline_bytes = staged.inline_bytes;
                            rec.held = entry.payload_length;
                            rec.frontier.clear();
                            return true;
                          });
  }();
  discard(staged);  // what was not published
  OSIER_RETURN_IF_ERROR(st);
  return done;
}

Result<PayloadState> LmdbStore::write_payload_prefix(const model::NamespaceId& ns,
                                                     const model::SubspaceId& subspace,
                                                     const model::Path& path, std::uint64_t length,
                                                     const PayloadSource& source,
                                                     std::span<const crypto::BabLabel> frontier) {
  OSIER_ASSIGN_OR_RETURN(Located loc, locate_stored(ns, subspace, path));
  const model::Entry& entry = loc.entry.entry;
  if (loc.record.held >= length) return PayloadState{entry.payload_length, loc.record.held};
  if (loc.record.in_file) OSIER_RETURN_IF_ERROR(ensure_staging());
  OSIER_ASSIGN_OR_RETURN(Staged staged,
                         stage_prefix(entry, loc.record.in_file, length, source, frontier));
  const PayloadKey key = payload_key(entry);
  std::uint64_t held_now = length;
  Status st = [&]() -> Status {
    OSIER_ASSIGN_OR_RETURN(WriteGuard guard, begin_write());
    return commit_payload(key, EventKind::kPayloadAppended,
                          [&](fmt::PayloadRecord& rec) -> Result<bool> {
                            if (rec.held >= length) {  // another writer got as far already
                              held_now = rec.held;
                              return false;
                            }
                            // The new file starts with the bytes any shorter prefix held: the
                            // record stays true.
                            OSIER_RETURN_IF_ERROR(publish(staged, key));
                            if (!rec.in_file) rec.inline_bytes = staged.inline_bytes;
                            rec.held = length;
                            rec.frontier.assign(frontier.begin(), frontier.end());
                            return true;
                          });
  }();
  discard(staged);
  OSIER_RETURN_IF_ERROR(st);
  return PayloadState{entry.payload_length, held_now};
}

Result<LmdbStore::Staged> LmdbStore::stage_prefix(const model::Entry& entry, bool in_file,
                                                  std::uint64_t length, const PayloadSource& source,
                                                  std::span<const crypto::BabLabel> frontier) {
  Staged staged;
  if (!in_file) {
    OSIER_RETURN_IF_ERROR(
        copy_prefix(entry, length, source, frontier, append_to(staged.inline_bytes)));
    return staged;
  }
  staged.data = staging_->fresh_name("data");
  Status st = [&]() -> Status {
    OSIER_ASSIGN_OR_RETURN(File out, File::create(staged.data));
    return copy_prefix(entry, length, source, frontier, [&](ByteView b) { return out.append(b); });
  }();
  if (!st) {
    discard(staged);
    return st;
  }
  return staged;
}

Result<ImportTotals> LmdbStore::import(const ImportSource& next, Trust trust, Origin origin) {
  OSIER_RETURN_IF_ERROR(ensure_staging());
  // One transaction by contract, fed item by item: the guard is held throughout (tokens and
  // payload bytes are checked under it).
  OSIER_ASSIGN_OR_RETURN(WriteGuard guard, begin_write());
  write_origin_ = origin;
  ImportTotals totals;
  std::vector<std::pair<PayloadKey, std::uint64_t>> staged;  // payload files published, held before
  auto run = [&]() -> Status {
    OSIER_ASSIGN_OR_RETURN(Txn txn, begin_write_txn());
    for (;;) {
      OSIER_ASSIGN_OR_RETURN(std::optional<ImportItem> item, next());
      if (!item) break;
      OSIER_ASSIGN_OR_RETURN(IngestResult r, ingest_in(txn, item->entry, trust));
      if (!totals.count(r)) continue;
      if (item->payload_bytes > 0) {
        OSIER_RETURN_IF_ERROR(import_payload(txn, *item, staged, totals));
      }
    }
    return finish_write(txn);
  };
  Status st = run();
  if (!st) {
    abandon();
    unstage(staged);
    return st;
  }
  return totals;
}

Status LmdbStore::import_payload(Txn& txn, const ImportItem& item,
                                 std::vector<std::pair<PayloadKey, std::uint64_t>>& staged,
                                 ImportTotals& totals) {
  const model::Entry& e = item.entry.entry;
  // Only for this very entry, stored now (inserted, or there before), holding fewer bytes.
  OSIER_ASSIGN_OR_RETURN(auto loc, locate(txn, e.namespace_id, e.subspace_id, e.path));
  if (!loc || loc->entry.entry != e || loc->record.held >= item.payload_bytes) return Status::ok();
  fmt::PayloadRecord rec = std::move(loc->record);
  const PayloadKey key = payload_key(e);
  const bool whole = item.payload_bytes == e.payload_length;
  OSIER_ASSIGN_OR_RETURN(Staged files, whole ? stage_payload(e, rec.in_file, item.payload)
                                             : stage_prefix(e, rec.in_file, item.payload_bytes,
                                                            item.payload, item.frontier));
  if (rec.in_file) {
    // Under the writer lock (import holds it throughout): published now, taken back on abort.
    staged.emplace_back(key, rec.held);
    const Status published = publish(files, key);
    discard(files);
    OSIER_RETURN_IF_ERROR(published);
    // A payload dropped earlier in this transaction (its last entry pruned) has its files
    // marked for removal after the commit; they are the new ones now.
    const std::string file = payload_file(key);
    std::erase_if(pending_removals_,
                  [&](const std::string& f) { return f == file || f == file + ".obao"; });
  } else {
    rec.inline_bytes = std::move(files.inline_bytes);
  }
  totals.payload_bytes += item.payload_bytes - rec.held;
  ++(whole ? totals.payloads_completed : totals.prefixes_stored);
  rec.held = item.payload_bytes;
  rec.frontier = whole ? std::vector<crypto::BabLabel>{} : item.frontier;
  OSIER_RETURN_IF_ERROR(put_payload_record(txn, dbs_.payloads, key, rec));
  // Later items of this transaction see the entries' new available lengths.
  return log_payload_change(txn, key, rec.held, EventKind::kPayloadAppended, nullptr);
}

void LmdbStore::unstage(const std::vector<std::pair<PayloadKey, std::uint64_t>>& staged) {
  // Files published for payloads whose records did not change, judged by the records as
  // committed (read now; the caller still holds the write guard), never by what the aborted
  // transaction saw: a payload held partially keeps its (longer, verified) data file, as its
  // record only claims the old prefix; one held not at all loses it; a complete one keeps both.
  auto txn = read_txn();
  if (!txn) return;  // in doubt, remove nothing: a file without a record is swept later
  for (const auto& item : staged) {
    const PayloadKey& key = item.first;
    auto have = txn->get(dbs_.payloads, key);
    if (!have) continue;
    std::uint64_t held = 0;
    bool in_file = false;
    if (*have) {
      auto rec = fmt::decode_payload_record(**have);
      if (!rec) continue;
      held = rec->held;
      in_file = rec->in_file;
    }
    const std::string file = payload_file(key);
    if (in_file && held == get_be(ByteView(key).subspan(32, 8))) continue;  // complete
    file_remove(file + ".obao");
    if (!in_file || held == 0) file_remove(file);
  }
}

Result<LmdbStore::Staged> LmdbStore::stage_payload(const model::Entry& entry, bool in_file,
                                                   const PayloadSource& source) {
  Staged staged;
  if (!in_file) {
    OSIER_RETURN_IF_ERROR(copy_payload(entry, source, append_to(staged.inline_bytes),
                                       [](ByteView) { return Status::ok(); }));
    return staged;
  }
  staged.data = staging_->fresh_name("data");
  staged.outboard = staging_->fresh_name("obao");
  Status st = [&]() -> Status {
    OSIER_ASSIGN_OR_RETURN(File data, File::create(staged.data));
    OSIER_ASSIGN_OR_RETURN(File outboard, File::create(staged.outboard));
    return copy_payload(
        entry, source, [&](ByteView b) { return data.append(b); },
        [&](ByteView b) { return outboard.append(b); });
  }();
  if (!st) {
    discard(staged);
    return st;
  }
  return staged;
}

Result<IngestResult> LmdbStore::ingest_with_payload(const AuthorisedEntry& ae,
                                                    const PayloadSource& source, Trust trust,
                                                    Origin origin) {
  const model::Entry& e = ae.entry;
  if (trust == Trust::kVerify) {
    Status st = options_.authoriser->verify(e, ae.token);
    if (!st) return IngestResult::rejected(std::move(st));
  }
  if (!writer_lock_) return error(ErrorCode::kInvalidArgument, "the store is open read-only");
  const PayloadKey key = payload_key(e);
  const bool in_file = e.payload_length > kInlineMax;
  if (in_file) OSIER_RETURN_IF_ERROR(ensure_staging());
  // A first look before reading a byte: an obsolete entry stores nothing, a payload held
  // complete needs no bytes. Only a hint: the write transaction decides again.
  bool have_bytes = false;
  {
    OSIER_ASSIGN_OR_RETURN(Txn txn, read_txn());
    OSIER_ASSIGN_OR_RETURN(IngestPlan plan, plan_ingest(read_tree(txn, e.namespace_id), e,
                                                        entry_lookup(txn, e.namespace_id)));
    if (plan.obsolete) return IngestResult::obsolete();
    OSIER_ASSIGN_OR_RETURN(std::uint64_t held, payload_held(txn, dbs_.payloads, e));
    have_bytes = held == e.payload_length;
  }
  std::optional<Staged> staged;
  auto stage = [&]() -> Status {
    OSIER_ASSIGN_OR_RETURN(Staged s, stage_payload(e, in_file, source));
    staged.emplace(std::move(s));
    return Status::ok();
  };
  if (!have_bytes) OSIER_RETURN_IF_ERROR(stage());

  std::uint64_t held_before = 0;  // as the write transaction found it
  bool published = false;
  auto run = [&]() -> Result<IngestResult> {
    OSIER_ASSIGN_OR_RETURN(Txn txn, begin_write_txn());
    fmt::PayloadRecord rec;
    OSIER_ASSIGN_OR_RETURN(auto have, txn.get(dbs_.payloads, key));
    if (have) {
      OSIER_ASSIGN_OR_RETURN(rec, fmt::decode_payload_record(*have));
      if (rec.in_file != in_file)
        return error(ErrorCode::kCorrupt, "payload record misplaces its bytes");
    } else {
      rec.in_file = in_file;
    }
    held_before = rec.held;
    if (held_before < e.payload_length) {
      // The bytes are needed after all (another writer forgot them since the first look): read
      // them now, under the lock — rare, and the source is still unread.
      if (!staged) OSIER_RETURN_IF_ERROR(stage());
      if (rec.in_file) {
        published = true;
        OSIER_RETURN_IF_ERROR(publish(*staged, key));
      } else {
        rec.inline_bytes = staged->inline_bytes;
      }
    }
    // The payload is complete before the entry goes in, so the entry is inserted (and its
    // kInserted logged) with all of it available; one extra reference keeps the entry's own
    // pruning from dropping it (an overwrite of an entry with the same payload).
    const bool needed_bytes = held_before < e.payload_length;
    rec.held = e.payload_length;
    rec.frontier.clear();
    ++rec.refcount;
    OSIER_RETURN_IF_ERROR(put_payload_record(txn, dbs_.payloads, key, rec));
    OSIER_ASSIGN_OR_RETURN(IngestResult r, ingest_in(txn, ae, Trust::kAlreadyVerified));
    if (r.outcome != IngestOutcome::kInserted) return r;  // not committed
    OSIER_RETURN_IF_ERROR(change_refcount(txn, e, -1));
    if (needed_bytes) {
      OSIER_RETURN_IF_ERROR(
          log_payload_change(txn, key, e.payload_length, EventKind::kPayloadAppended, &e));
    }
    const Status committed = finish_write(txn);
    if (!committed) return committed;
    published = false;  // the files are the store's now
    return r;
  };
  // Held from publishing through the commit and, on failure, the taking back of the files.
  Result<WriteGuard> guard = begin_write();
  if (guard) write_origin_ = origin;
  Result<IngestResult> res = guard ? run() : Result<IngestResult>(guard.status());
  if (staged) discard(*staged);  // what was not published
  if (res && res->outcome == IngestOutcome::kInserted) return res;
  abandon();
  if (published) {
    // Take back the files published above, still under the writer lock: all of them when no
    // bytes were held before; else only the outboard (a partial payload has none), as the new
    // file holds the old prefix.
    const std::string file = payload_file(key);
    file_remove(file + ".obao");
    if (held_before == 0) file_remove(file);
  }
  return res;
}

Result<PayloadState> LmdbStore::append_verified(
    const model::NamespaceId& ns, const model::SubspaceId& subspace, const model::Path& path,
    const model::PayloadDigest& digest, std::uint64_t offset, ByteView bytes,
    std::span<const crypto::BabLabel> frontier, Origin origin) {
  OSIER_RETURN_IF_ERROR(ensure_staging());  // for the outboard built at the end
  OSIER_ASSIGN_OR_RETURN(WriteGuard guard, begin_write());
  write_origin_ = origin;
  // Under the guard nothing changes between this look and the commit below.
  OSIER_ASSIGN_OR_RETURN(Located loc, locate_stored(ns, subspace, path));
  const model::Entry& entry = loc.entry.entry;
  const std::uint64_t start = loc.record.held;
  OSIER_ASSIGN_OR_RETURN(std::optional<ByteView> fresh,
                         continuation(entry, digest, start, offset, bytes));
  if (!fresh) return PayloadState{entry.payload_length, start};
  const PayloadKey key = payload_key(entry);
  const std::uint64_t now_held = start + fresh->size();
  const bool complete = now_held == entry.payload_length;
  if (!complete)
    OSIER_RETURN_IF_ERROR(check_frontier_shape(entry.payload_length, now_held, frontier));
  // An append that fails leaves its outboard under way ahead of what the store holds: gone.
  const Status appended = [&]() -> Status {
    if (loc.record.in_file) {
      // The outboard's hashing overlaps the device's writing of the bytes.
      OSIER_RETURN_IF_ERROR(
          file_write_at(payload_file(key), start, *fresh, options_.sync_commits,
                        [&] { growing_outboards_.feed(key, start, *fresh, *staging_); }));
      if (complete) {
        if (std::optional<std::string> built = growing_outboards_.finish(key, now_held)) {
          const Status published =
              file_publish(*built, payload_file(key) + ".obao", options_.sync_commits);
          if (!published) file_remove(*built);
          OSIER_RETURN_IF_ERROR(published);
        } else {
          OSIER_RETURN_IF_ERROR(build_outboard_file(key));
        }
      }
    }
    return commit_payload(
        key, EventKind::kPayloadAppended, [&](fmt::PayloadRecord& r) -> Result<bool> {
          if (r.held != start)
            return error(ErrorCode::kInternal, "payload changed under the guard");
          if (!r.in_file) append(r.inline_bytes, *fresh);
          r.held = now_held;
          r.frontier = complete ? std::vector<crypto::BabLabel>{}
                                : std::vector<crypto::BabLabel>(frontier.begin(), frontier.end());
          return true;
        });
  }();
  if (!appended) {
    growing_outboards_.forget(key);
    return appended;
  }
  return PayloadState{entry.payload_length, now_held};
}

Status LmdbStore::read_payload(const model::NamespaceId& ns, const model::SubspaceId& subspace,
                               const model::Path& path, std::uint64_t offset, std::uint64_t length,
                               const ByteSink& sink) {
  OSIER_ASSIGN_OR_RETURN(Located loc, locate_stored(ns, subspace, path));
  const std::uint64_t held = loc.record.held;
  if (offset > held || length > held - offset) {
    return error(ErrorCode::kOutOfRange, "payload bytes not held");
  }
  if (length == 0) return Status::ok();
  return raced(loc, read_verified(loc, offset, length, sink));
}

Status LmdbStore::raced(const Located& loc, Status st) const {
  if (st || !loc.record.in_file) return st;
  // A writer may have removed or replaced the payload's files after `loc` was read (an open
  // descriptor keeps reading the old file, so only opening can fail).
  const model::Entry& e = loc.entry.entry;
  auto txn = read_txn();
  if (!txn) return st;
  auto now = locate(*txn, e.namespace_id, e.subspace_id, e.path);
  if (now &&
      (!now->has_value() || (*now)->entry.entry != e || (*now)->record.held != loc.record.held)) {
    return error(ErrorCode::kNotFound, "the payload changed during the read (a concurrent write)");
  }
  return st;
}

Status LmdbStore::read_raw(const Located& loc, std::uint64_t offset, std::uint64_t length,
                           const ByteSink& sink) {
  if (!loc.record.in_file) return sink(ByteView(loc.record.inline_bytes).subspan(offset, length));
  OSIER_ASSIGN_OR_RETURN(File in, File::open_read(payload_file(payload_key(loc.entry.entry))));
  Bytes buf(std::size_t{1} << 16);
  for (std::uint64_t done = 0; done < length;) {
    const std::size_t n =
        static_cast<std::size_t>(std::min<std::uint64_t>(buf.size(), length - done));
    OSIER_RETURN_IF_ERROR(in.read(offset + done, MutableByteView(buf).first(n)));
    OSIER_RETURN_IF_ERROR(sink(ByteView(buf).first(n)));
    done += n;
  }
  return Status::ok();
}

Status LmdbStore::read_verified(const Located& loc, std::uint64_t offset, std::uint64_t length,
                                const ByteSink& sink) {
  const model::Entry& entry = loc.entry.entry;
  if (loc.record.held < entry.payload_length && loc.record.frontier.empty()) {
    // A prefix whose frontier is unknown cannot be proven against the digest (the labels of
    // the chunks not held are missing): such bytes are served as stored.
    return read_raw(loc, offset, length, sink);
  }
  // The Bab slice of the chunks that hold [offset, offset + length), produced from what is
  // stored and verified against the entry's digest before a byte of it reaches `sink`.
  const std::uint64_t end = offset + length;
  const std::uint64_t first = offset / kPayloadChunk;
  const std::uint64_t last = end / kPayloadChunk + (end % kPayloadChunk != 0 ? 1 : 0);
  crypto::BabStreamOptions opts;
  opts.light = true;
  opts.k = 4;  // 16 KiB groups: few labels to send and check
  opts.slice = crypto::BabSlice{first, last - first};
  OSIER_ASSIGN_OR_RETURN(
      crypto::BabVerifier verifier,
      crypto::BabVerifier::create(entry.payload_digest, opts, entry.payload_length));
  std::uint64_t pos = first * kPayloadChunk;  // of the next released byte
  Status out;
  const auto release = [&](ByteView b) {
    const std::uint64_t from = std::max(pos, offset);
    const std::uint64_t to = std::min(pos + b.size(), end);
    if (out && from < to)
      out = sink(
          b.subspan(static_cast<std::size_t>(from - pos), static_cast<std::size_t>(to - from)));
    pos += b.size();
  };
  const auto bitrot = [&](const Status& st) {
    return error(ErrorCode::kCorrupt,
                 "stored payload bytes fail verification against the entry's digest (" +
                     st.message() + "); `osier store check --deep` checks every payload");
  };
  Status produced = serve_located(loc, opts, [&](ByteView piece) -> Status {
    if (Status st = verifier.feed(piece, release); !st) return bitrot(st);
    return out;
  });
  OSIER_RETURN_IF_ERROR(produced);
  if (Status st = verifier.finish(release); !st) return bitrot(st);
  return out;
}

Status LmdbStore::serve_payload(const model::NamespaceId& ns, const model::SubspaceId& subspace,
                                const model::Path& path, const crypto::BabStreamOptions& opts,
                                const ByteSink& sink) {
  OSIER_ASSIGN_OR_RETURN(Located loc, locate_stored(ns, subspace, path));
  return raced(loc, serve_located(loc, opts, sink));
}

Status LmdbStore::serve_located(const Located& loc, const crypto::BabStreamOptions& opts,
                                const ByteSink& sink) {
  const model::Entry& entry = loc.entry.entry;
  if (loc.record.held != entry.payload_length) {
    if (!loc.record.in_file) {
      BytesReader held(loc.record.inline_bytes);
      return serve_prefix(entry, loc.record.held, loc.record.frontier, held, opts, "", sink);
    }
    if (loc.record.held == 0 || loc.record.frontier.empty()) {
      return serve_prefix(entry, loc.record.held, loc.record.frontier, BytesReader({}), opts, "",
                          sink);
    }
    OSIER_ASSIGN_OR_RETURN(File held, File::open_read(payload_file(payload_key(entry))));
    // A scratch file of this call's own, outside the store: readers write nothing in it.
    std::error_code ec;
    const std::filesystem::path tmp = std::filesystem::temp_directory_path(ec);
    const std::string scratch =
        ec ? std::string() : (tmp / ("osier-prefix-" + to_hex(crypto::random_array<8>()))).string();
    return serve_prefix(entry, loc.record.held, loc.record.frontier, held, opts, scratch, sink);
  }
  if (!loc.record.in_file) {
    // Small: the outboard is cheaper to recompute than to store.
    OSIER_ASSIGN_OR_RETURN(crypto::BabOutboard ob, crypto::bab_outboard(loc.record.inline_bytes));
    BytesReader data(loc.record.inline_bytes);
    BytesReader outboard(ob.pairs);
    return crypto::bab_produce_stream(opts, entry.payload_length, data, outboard, sink);
  }
  const std::string file = payload_file(payload_key(entry));
  OSIER_ASSIGN_OR_RETURN(File data_file, File::open_read(file));
  OSIER_ASSIGN_OR_RETURN(File outboard_file, File::open_read(file + ".obao"));
  const BufferedFileReader data(std::move(data_file));
  const BufferedFileReader outboard(std::move(outboard_file), BufferedFileReader::kOutboardWindow);
  return crypto::bab_produce_stream(opts, entry.payload_length, data, outboard, sink);
}

Status LmdbStore::remove_stored(Txn& txn, LmdbTree& tree, const model::NamespaceId& ns,
                                const model::SubspaceId& subspace, const model::Path& path,
                                EventKind why) {
  OSIER_ASSIGN_OR_RETURN(std::optional<IndexItem> old, tree.erase(subspace, path));
  if (!old) return error(ErrorCode::kCorrupt, "entry to remove is not in the tree");
  const model::Entry& old_entry = old->entry;
  OSIER_RETURN_IF_ERROR(emit_in(txn, why, old_entry, old->available));
  OSIER_RETURN_IF_ERROR(txn.del(dbs_.entries, fmt::entry_key(ns, subspace, path)));
  OSIER_RETURN_IF_ERROR(txn.del(dbs_.refs, ref_key(old_entry)));
  return change_refcount(txn, old_entry, -1);
}

Status LmdbStore::emit_in(Txn& txn, EventKind kind, const model::Entry& entry,
                          std::uint64_t available) {
  StoreEvent ev{last_seq_ + pending_events_.size() + 1, kind, entry, available, write_origin_};
  OSIER_RETURN_IF_ERROR(txn.put(dbs_.events, seq_key(ev.seq), encode_event(ev)));
  pending_events_.push_back(std::move(ev));
  return Status::ok();
}

Status LmdbStore::drop_unreferenced(Txn& txn) {
  for (const PayloadKey& pk : pending_unreferenced_) {
    OSIER_ASSIGN_OR_RETURN(auto have, txn.get(dbs_.payloads, pk));
    if (!have) continue;
    OSIER_ASSIGN_OR_RETURN(fmt::PayloadRecord r, fmt::decode_payload_record(*have));
    if (r.refcount > 0) continue;  // taken over by an entry inserted later
    // Garbage: the record goes with this transaction, its files once it commits.
    if (r.in_file) {
      pending_removals_.push_back(payload_file(pk));
      pending_removals_.push_back(payload_file(pk) + ".obao");
      growing_outboards_.forget(pk);
    }
    OSIER_RETURN_IF_ERROR(txn.del(dbs_.payloads, pk));
  }
  pending_unreferenced_.clear();
  return Status::ok();
}

void LmdbStore::abandon() {
  tree_cache_.clear();
  pending_unreferenced_.clear();
  pending_removals_.clear();
  pending_events_.clear();
}

Status LmdbStore::finish_write(Txn& txn) {
  auto run = [&]() -> Status {
    OSIER_RETURN_IF_ERROR(drop_unreferenced(txn));
    if (!pending_events_.empty()) {
      Bytes v;
      put_be(v, pending_events_.back().seq, 8);
      OSIER_RETURN_IF_ERROR(txn.put(dbs_.meta, as_bytes(kLastSeqKey), v));
      // Compact: keep the latest max_event_history events.
      MDB_stat st{};
      OSIER_RETURN_IF_ERROR(lmdb::status_of(mdb_stat(txn.get(), dbs_.events, &st), "stat"));
      std::uint64_t excess = st.ms_entries > options_.max_event_history
                                 ? st.ms_entries - options_.max_event_history
                                 : 0;
      while (excess > 0) {
        OSIER_ASSIGN_OR_RETURN(Cursor cur, Cursor::open(txn, dbs_.events));
        OSIER_ASSIGN_OR_RETURN(bool ok, cur.first());
        if (!ok) break;
        const Bytes k(cur.key().begin(), cur.key().end());
        OSIER_RETURN_IF_ERROR(txn.del(dbs_.events, k));
        --excess;
      }
    }
    OSIER_RETURN_IF_ERROR(tree_cache_.flush(txn.get(), dbs_.tree));
    return txn.commit();
  };
  Status st = run();
  if (!st) {
    abandon();
    return st;
  }
  // last_seq_ was read in this transaction (sync_with_disk) and takes its events below.
  for (const auto& f : pending_removals_) file_remove(f);
  pending_removals_.clear();
  if (!pending_events_.empty()) {
    last_seq_ = pending_events_.back().seq;
    // Delivered in order: the next writer waits for write_mu_ and the writer lock, held by our
    // caller, so what the log holds below our first event is final. Other processes' events
    // since the last delivery come first; a poll_events() racing us may have delivered ours.
    std::lock_guard lock(events_mu_);
    const std::uint64_t first = pending_events_.front().seq;
    if (first > delivered_through_ + 1) {
      // The commit stands whatever happens here; a log that cannot be read leaves a gap the
      // subscribers can see in the sequence numbers.
      if (Result<Txn> txn = read_txn()) (void)deliver_logged(*txn, first - 1);
      delivered_through_ = std::max(delivered_through_, first - 1);
    }
    for (const auto& ev : pending_events_) {
      if (ev.seq > delivered_through_) hub_.dispatch(ev);
    }
    delivered_through_ = std::max(delivered_through_, last_seq_);
  }
  pending_events_.clear();
  return Status::ok();
}

Status LmdbStore::deliver_logged(Txn& txn, std::uint64_t through) {
  if (through <= delivered_through_) return Status::ok();
  OSIER_ASSIGN_OR_RETURN(Cursor cur, Cursor::open(txn, dbs_.events));
  OSIER_ASSIGN_OR_RETURN(bool ok, cur.seek(seq_key(delivered_through_ + 1)));
  while (ok) {
    if (cur.key().size() != 8) return error(ErrorCode::kCorrupt, "malformed event key");
    const std::uint64_t seq = get_be(cur.key());
    if (seq > through) break;
    OSIER_ASSIGN_OR_RETURN(StoreEvent ev, decode_event(seq, cur.value()));
    hub_.dispatch(ev);
    delivered_through_ = seq;
    OSIER_ASSIGN_OR_RETURN(ok, cur.next());
  }
  delivered_through_ = through;
  return Status::ok();
}

Status LmdbStore::poll_events() {
  std::lock_guard lock(events_mu_);
  OSIER_ASSIGN_OR_RETURN(Txn txn, read_txn());
  OSIER_ASSIGN_OR_RETURN(const std::uint64_t stored, stored_last_seq(txn));
  return deliver_logged(txn, stored);
}

Result<SubscriptionId> LmdbStore::subscribe(const model::NamespaceId& ns, const model::Area& area,
                                            std::optional<std::uint64_t> after, EventCallback fn) {
  // Under the events lock no commit delivers; the read transaction sees every commit up to
  // `seen`, whose events are replayed (or were before the subscription) and so not delivered
  // again when their writer gets the lock.
  std::lock_guard lock(events_mu_);
  OSIER_ASSIGN_OR_RETURN(Txn txn, read_txn());
  OSIER_ASSIGN_OR_RETURN(const std::uint64_t seen, stored_last_seq(txn));
  if (after && *after > seen) return after_beyond_latest(*after, seen);
  if (after) {
    OSIER_ASSIGN_OR_RETURN(Cursor cur, Cursor::open(txn, dbs_.events));
    OSIER_ASSIGN_OR_RETURN(bool ok, cur.first());
    const std::uint64_t oldest = ok ? get_be(cur.key()) : seen + 1;
    if (*after + 1 < oldest) {
      return error(ErrorCode::kOutOfRange,
                   "events after " + std::to_string(*after) + " were compacted; re-query the area");
    }
    OSIER_ASSIGN_OR_RETURN(ok, cur.seek(seq_key(*after + 1)));
    while (ok) {
      if (cur.key().size() != 8) return error(ErrorCode::kCorrupt, "malformed event key");
      OSIER_ASSIGN_OR_RETURN(StoreEvent ev, decode_event(get_be(cur.key()), cur.value()));
      if (event_matches(ev, ns, area)) fn(ev);
      OSIER_ASSIGN_OR_RETURN(ok, cur.next());
    }
  }
  return hub_.add(ns, area, std::move(fn), seen);
}

void LmdbStore::unsubscribe(SubscriptionId id) {
  std::lock_guard lock(events_mu_);
  hub_.remove(id);
}

Result<std::uint64_t> LmdbStore::last_sequence() {
  OSIER_ASSIGN_OR_RETURN(Txn txn, read_txn());
  return stored_last_seq(txn);
}

Result<std::uint64_t> LmdbStore::forget_range(const model::NamespaceId& ns,
                                              const model::D3Range& range) {
  OSIER_ASSIGN_OR_RETURN(WriteGuard guard, begin_write());
  auto run = [&]() -> Result<std::uint64_t> {
    OSIER_ASSIGN_OR_RETURN(Txn txn, begin_write_txn());
    LmdbTree t = write_tree(txn, ns);
    std::vector<std::pair<model::SubspaceId, model::Path>> keys;
    OSIER_RETURN_IF_ERROR(t.visit(range, [&](const IndexItem& item) {
      keys.emplace_back(item.entry.subspace_id, item.entry.path);
      return true;
    }));
    for (const auto& [ss, path] : keys) {
      OSIER_RETURN_IF_ERROR(remove_stored(txn, t, ns, ss, path, EventKind::kForgotten));
    }
    OSIER_RETURN_IF_ERROR(finish_write(txn));
    return std::uint64_t{keys.size()};
  };
  auto res = run();
  if (!res) abandon();
  return res;
}

Status LmdbStore::forget_payload(const model::NamespaceId& ns, const model::SubspaceId& subspace,
                                 const model::Path& path) {
  OSIER_ASSIGN_OR_RETURN(WriteGuard guard, begin_write());
  OSIER_ASSIGN_OR_RETURN(Located loc, locate_stored(ns, subspace, path));
  const PayloadKey key = payload_key(loc.entry.entry);
  return commit_payload(key, EventKind::kPayloadForgotten,
                        [&](fmt::PayloadRecord& rec) -> Result<bool> {
                          if (rec.in_file && rec.held > 0) {
                            pending_removals_.push_back(payload_file(key));
                            pending_removals_.push_back(payload_file(key) + ".obao");
                            growing_outboards_.forget(key);
                          }
                          rec.held = 0;
                          rec.inline_bytes.clear();
                          rec.frontier.clear();
                          return true;
                        });
}

Result<IngestResult> LmdbStore::ingest_in(Txn& txn, const AuthorisedEntry& ae, Trust trust) {
  if (trust == Trust::kVerify) {
    Status st = options_.authoriser->verify(ae.entry, ae.token);
    if (!st) return IngestResult::rejected(std::move(st));
  }
  const model::Entry& e = ae.entry;
  LmdbTree t = write_tree(txn, e.namespace_id);
  OSIER_ASSIGN_OR_RETURN(IngestPlan plan, plan_ingest(t, e, entry_lookup(txn, e.namespace_id)));
  if (plan.obsolete) return IngestResult::obsolete();
  for (const model::Path& p : plan.pruned) {
    OSIER_RETURN_IF_ERROR(
        remove_stored(txn, t, e.namespace_id, e.subspace_id, p, EventKind::kPruned));
  }
  OSIER_RETURN_IF_ERROR(txn.put(dbs_.entries, fmt::entry_key(e.namespace_id, e.subspace_id, e.path),
                                fmt::encode_entry_value(e, ae.token)));
  OSIER_RETURN_IF_ERROR(txn.put(dbs_.refs, ref_key(e), {}));
  OSIER_RETURN_IF_ERROR(change_refcount(txn, e, +1));
  OSIER_ASSIGN_OR_RETURN(std::uint64_t held, payload_held(txn, dbs_.payloads, e));
  const std::uint64_t available = std::min(held, e.payload_length);
  OSIER_RETURN_IF_ERROR(
      t.insert(IndexItem{e, available, hash_lengthy_authorised_entry(e, ae.token, available), {}}));
  OSIER_RETURN_IF_ERROR(emit_in(txn, EventKind::kInserted, e, available));
  return IngestResult::inserted(plan.pruned.size());
}

Result<std::vector<IngestResult>> LmdbStore::write_batch(std::span<const AuthorisedEntry> entries,
                                                         Trust trust) {
  auto run = [&]() -> Result<std::vector<IngestResult>> {
    OSIER_ASSIGN_OR_RETURN(Txn txn, begin_write_txn());
    std::vector<IngestResult> out;
    out.reserve(entries.size());
    for (const auto& ae : entries) {
      OSIER_ASSIGN_OR_RETURN(IngestResult r, ingest_in(txn, ae, trust));
      out.push_back(std::move(r));
    }
    OSIER_RETURN_IF_ERROR(finish_write(txn));
    return out;
  };
  auto res = run();
  if (!res) abandon();
  return res;
}

Result<IngestResult> LmdbStore::ingest(const AuthorisedEntry& entry, Trust trust, Origin origin) {
  OSIER_ASSIGN_OR_RETURN(auto rs, ingest_batch(std::span(&entry, 1), trust, origin));
  return std::move(rs.front());
}

Result<std::vector<IngestResult>> LmdbStore::ingest_batch(std::span<const AuthorisedEntry> entries,
                                                          Trust trust, Origin origin) {
  // Tokens are verified before the write guard is taken, so other writers do not wait for it.
  std::vector<IngestResult> out(entries.size());
  std::vector<std::size_t> valid_at;  // of the entries to write, when some were rejected
  if (trust == Trust::kVerify) {
    for (std::size_t i = 0; i < entries.size(); ++i) {
      if (Status st = options_.authoriser->verify(entries[i].entry, entries[i].token); !st) {
        out[i] = IngestResult::rejected(std::move(st));
      } else {
        valid_at.push_back(i);
      }
    }
    if (valid_at.empty()) return out;
  }
  // The entries are copied only when some must be left out.
  const bool all = trust != Trust::kVerify || valid_at.size() == entries.size();
  std::vector<AuthorisedEntry> some;
  if (!all) {
    for (std::size_t i : valid_at) some.push_back(entries[i]);
  }
  OSIER_ASSIGN_OR_RETURN(WriteGuard guard, begin_write());
  write_origin_ = origin;
  OSIER_ASSIGN_OR_RETURN(
      std::vector<IngestResult> written,
      write_batch(all ? entries : std::span<const AuthorisedEntry>(some), Trust::kAlreadyVerified));
  if (all) return written;
  for (std::size_t j = 0; j < written.size(); ++j) out[valid_at[j]] = std::move(written[j]);
  return out;
}

Result<std::optional<LengthyAuthorisedEntry>> LmdbStore::get(const model::NamespaceId& ns,
                                                             const model::SubspaceId& subspace,
                                                             const model::Path& path) {
  OSIER_ASSIGN_OR_RETURN(Txn txn, read_txn());
  OSIER_ASSIGN_OR_RETURN(auto v, txn.get(dbs_.entries, fmt::entry_key(ns, subspace, path)));
  if (!v) return std::optional<LengthyAuthorisedEntry>();
  OSIER_ASSIGN_OR_RETURN(AuthorisedEntry ae, fmt::decode_entry_value(*v));
  OSIER_ASSIGN_OR_RETURN(std::uint64_t held, payload_held(txn, dbs_.payloads, ae.entry));
  const std::uint64_t available = std::min(held, ae.entry.payload_length);
  return std::optional(LengthyAuthorisedEntry{std::move(ae), available});
}

Status LmdbStore::query(const model::NamespaceId& ns, const model::D3Range& range,
                        const QueryOptions& options, const EntryCallback& fn) {
  OSIER_ASSIGN_OR_RETURN(Txn txn, read_txn());
  return query_index(
      read_tree(txn, ns), range, options,
      [&](const IndexItem& item) -> Result<LengthyAuthorisedEntry> {
        const model::Entry& e = item.entry;
        OSIER_ASSIGN_OR_RETURN(auto v,
                               txn.get(dbs_.entries, fmt::entry_key(ns, e.subspace_id, e.path)));
        if (!v) return error(ErrorCode::kCorrupt, "indexed entry missing on disk");
        OSIER_ASSIGN_OR_RETURN(AuthorisedEntry ae, fmt::decode_entry_value(*v));
        return LengthyAuthorisedEntry{std::move(ae), item.available};
      },
      fn);
}

Result<RangeSummary> LmdbStore::summarise(const model::NamespaceId& ns,
                                          const model::D3Range& range) {
  OSIER_ASSIGN_OR_RETURN(Txn txn, read_txn());
  return read_tree(txn, ns).summarise(range);
}

Result<std::vector<model::D3Range>> LmdbStore::split(const model::NamespaceId& ns,
                                                     const model::D3Range& range, std::size_t k) {
  OSIER_ASSIGN_OR_RETURN(Txn txn, read_txn());
  return split_range(read_tree(txn, ns), range, k);
}

Result<std::shared_ptr<const NamespaceSnapshot>> LmdbStore::snapshot(const model::NamespaceId& ns) {
  // One read transaction for the snapshot's life; the environment lives as long as it does.
  // The tree's read cache lives (and dies) with the read transaction it points into.
  struct State {
    std::shared_ptr<MDB_env> env;
    Txn txn;
    TreeReadCache nodes;
  };
  OSIER_ASSIGN_OR_RETURN(Txn txn, read_txn());
  auto state = std::make_shared<State>(State{env_, std::move(txn), {}});
  auto view = std::make_unique<const LmdbTree>(
      LmdbTree(state->txn.get(), dbs_.tree, ns, salt_, nullptr, &state->nodes));
  const MDB_dbi entries = dbs_.entries;
  const Txn* in = &state->txn;
  IndexSnapshot::Load load = [in, entries,
                              ns](const IndexItem& item) -> Result<LengthyAuthorisedEntry> {
    const model::Entry& e = item.entry;
    OSIER_ASSIGN_OR_RETURN(auto v, in->get(entries, fmt::entry_key(ns, e.subspace_id, e.path)));
    if (!v) return error(ErrorCode::kCorrupt, "indexed entry missing on disk");
    OSIER_ASSIGN_OR_RETURN(AuthorisedEntry ae, fmt::decode_entry_value(*v));
    return LengthyAuthorisedEntry{std::move(ae), item.available};
  };
  // The entry's record is its canonic encoding and the token's, so equal bytes are the same entry
  // and token: one lookup, where the index would descend the tree.
  IndexSnapshot::Holds holds = [in, entries, ns](const model::Entry& e,
                                                 ByteView token) -> Result<bool> {
    OSIER_ASSIGN_OR_RETURN(auto v, in->get(entries, fmt::entry_key(ns, e.subspace_id, e.path)));
    return v && std::ranges::equal(*v, fmt::encode_entry_value(e, token));
  };
  return std::shared_ptr<const NamespaceSnapshot>(
      std::make_shared<IndexSnapshot>(ns, std::move(state), std::move(view), std::move(load),
                                      /*serialise=*/true, std::move(holds)));
}

Result<std::vector<model::NamespaceId>> LmdbStore::namespaces() {
  OSIER_ASSIGN_OR_RETURN(Txn txn, read_txn());
  return namespaces_in(txn);
}

Result<std::vector<model::NamespaceId>> LmdbStore::namespaces_in(const Txn& txn) const {
  OSIER_ASSIGN_OR_RETURN(Cursor cur, Cursor::open(txn, dbs_.entries));
  std::vector<model::NamespaceId> out;
  OSIER_ASSIGN_OR_RETURN(bool ok, cur.first());
  while (ok) {
    if (cur.key().size() < 32) return error(ErrorCode::kCorrupt, "malformed entry key");
    model::NamespaceId ns{};
    std::copy_n(cur.key().begin(), 32, ns.begin());
    out.push_back(ns);
    // Jump past this namespace: seek to the next 32-byte prefix.
    auto next = model::subspace_successor(ns);
    if (!next) break;
    OSIER_ASSIGN_OR_RETURN(ok, cur.seek(*next));
  }
  return out;
}

Status LmdbStore::check() { return check(false); }

Status LmdbStore::check_tree(const Txn& txn, const model::NamespaceId& ns,
                             const EntryIndex& fresh) {
  const LmdbTree t = read_tree(txn, ns);
  OSIER_ASSIGN_OR_RETURN(const std::uint64_t items, t.check());
  if (items != fresh.size())
    return error(ErrorCode::kCorrupt, "store tree: entries missing or extra");
  // Item by item: the same entries, available lengths and hashes as a recomputation.
  std::vector<IndexItem> stored;
  OSIER_RETURN_IF_ERROR(t.visit(model::D3Range::full(), [&](const IndexItem& item) {
    stored.push_back(item);
    return true;
  }));
  std::size_t i = 0;
  bool same = stored.size() == fresh.size();
  fresh.visit(model::D3Range::full(), [&](const IndexItem& item) {
    const IndexItem& s = stored[i++];
    same = s.entry == item.entry && s.available == item.available && s.hash == item.hash;
    return same && i < stored.size();
  });
  if (!same) return error(ErrorCode::kCorrupt, "store tree: an item differs from its entry record");
  return Status::ok();
}

Status LmdbStore::check_tokens(const Txn& txn, const model::NamespaceId& ns) {
  OSIER_ASSIGN_OR_RETURN(Cursor cur, Cursor::open(txn, dbs_.entries));
  OSIER_ASSIGN_OR_RETURN(bool ok, cur.seek(ns));
  while (ok && cur.key().size() >= ns.size() &&
         std::equal(ns.begin(), ns.end(), cur.key().begin())) {
    OSIER_ASSIGN_OR_RETURN(AuthorisedEntry ae, fmt::decode_entry_value(cur.value()));
    if (Status st = options_.authoriser->verify(ae.entry, ae.token); !st) {
      return error(ErrorCode::kCorrupt, "entry " + ae.entry.path.to_string() + " in namespace " +
                                            to_hex(ns).substr(0, 16) +
                                            "… fails verification: " + st.message());
    }
    OSIER_ASSIGN_OR_RETURN(ok, cur.next());
  }
  return Status::ok();
}

Status LmdbStore::check(bool deep) {
  // Payload files change outside LMDB's transactions: a writable store keeps writers out while
  // it compares them with the records (a read-only one cannot; other processes may write).
  std::optional<WriteGuard> guard;
  if (writer_lock_) {
    OSIER_ASSIGN_OR_RETURN(WriteGuard g, begin_write());
    guard.emplace(std::move(g));
  }
  // One transaction for everything: on a read-only open another process may add a namespace
  // meanwhile, which a second transaction would see without its entries' context.
  OSIER_ASSIGN_OR_RETURN(Txn txn, read_txn());
  OSIER_ASSIGN_OR_RETURN(auto nss, namespaces_in(txn));
  std::map<ByteArray<fmt::kPayloadKeySize>, std::uint64_t> refs;
  std::uint64_t total_entries = 0;
  for (const auto& ns : nss) {
    OSIER_ASSIGN_OR_RETURN(EntryIndex fresh, load_index(txn, dbs_, ns));
    OSIER_RETURN_IF_ERROR(fresh.check());
    OSIER_RETURN_IF_ERROR(check_no_pruning(EntryIndexView(fresh)));
    // Tokens first: a damaged token also changes the hash the tree holds, and "fails
    // verification" says more than "differs".
    if (deep) OSIER_RETURN_IF_ERROR(check_tokens(txn, ns));
    OSIER_RETURN_IF_ERROR(check_tree(txn, ns, fresh));
    total_entries += fresh.size();
    Status st;
    fresh.visit(model::D3Range::full(), [&](const IndexItem& item) {
      ++refs[payload_key(item.entry)];
      auto r = txn.get(dbs_.refs, ref_key(item.entry));
      if (!r || !r->has_value())
        st = error(ErrorCode::kCorrupt, "entry lacks its payload reference");
      return st.is_ok();
    });
    OSIER_RETURN_IF_ERROR(st);
  }
  // No tree of a namespace without entries.
  {
    OSIER_ASSIGN_OR_RETURN(Cursor cur, Cursor::open(txn, dbs_.tree));
    OSIER_ASSIGN_OR_RETURN(bool ok, cur.first());
    while (ok) {
      if (cur.key().size() < 32) return error(ErrorCode::kCorrupt, "malformed tree node key");
      model::NamespaceId ns{};
      std::copy_n(cur.key().begin(), 32, ns.begin());
      if (std::find(nss.begin(), nss.end(), ns) == nss.end()) {
        return error(ErrorCode::kCorrupt, "store tree: nodes of a namespace without entries");
      }
      auto next = model::subspace_successor(ns);
      if (!next) break;
      OSIER_ASSIGN_OR_RETURN(ok, cur.seek(*next));
    }
  }
  // Payload records: exactly the referenced payloads, with exact counts.
  OSIER_ASSIGN_OR_RETURN(Cursor cur, Cursor::open(txn, dbs_.payloads));
  OSIER_ASSIGN_OR_RETURN(bool ok, cur.first());
  std::size_t records = 0;
  while (ok) {
    if (cur.key().size() != fmt::kPayloadKeySize)
      return error(ErrorCode::kCorrupt, "malformed payload key");
    ByteArray<fmt::kPayloadKeySize> k{};
    std::copy_n(cur.key().begin(), fmt::kPayloadKeySize, k.begin());
    OSIER_ASSIGN_OR_RETURN(auto rec, fmt::decode_payload_record(cur.value()));
    if (rec.held > get_be(ByteView(k).subspan(32, 8))) {
      return error(ErrorCode::kCorrupt, "payload holds more bytes than its length");
    }
    if (rec.in_file && rec.held > 0) {
      std::error_code ec;
      const auto size = std::filesystem::file_size(payload_file(k), ec);
      if (ec || size < rec.held) return error(ErrorCode::kCorrupt, "payload file missing or short");
    }
    if (!rec.frontier.empty()) {
      // The held bytes and the frontier must hash up to the digest.
      model::Entry e;
      std::copy_n(k.begin(), 32, e.payload_digest.begin());
      e.payload_length = get_be(ByteView(k).subspan(32, 8));
      Status st;
      if (rec.in_file) {
        OSIER_ASSIGN_OR_RETURN(File held, File::open_read(payload_file(k)));
        st = check_prefix(e, rec.held, rec.frontier, held);
      } else {
        st = check_prefix(e, rec.held, rec.frontier, BytesReader(rec.inline_bytes));
      }
      if (!st) return error(ErrorCode::kCorrupt, "a partial payload's frontier: " + st.message());
    }
    if (deep && rec.held > 0 &&
        (rec.held == get_be(ByteView(k).subspan(32, 8)) || !rec.frontier.empty())) {
      // Every held byte, and every label of a complete payload's outboard (a baseline stream
      // sends them all), against the digest.
      Located loc;
      std::copy_n(k.begin(), 32, loc.entry.entry.payload_digest.begin());
      loc.entry.entry.payload_length = get_be(ByteView(k).subspan(32, 8));
      loc.record = rec;
      crypto::BabStreamOptions whole;
      whole.slice = crypto::BabSlice{0, (rec.held + kPayloadChunk - 1) / kPayloadChunk};
      OSIER_ASSIGN_OR_RETURN(crypto::BabVerifier verifier,
                             crypto::BabVerifier::create(loc.entry.entry.payload_digest, whole,
                                                         loc.entry.entry.payload_length));
      const auto ignore = [](ByteView) {};
      Status st =
          serve_located(loc, whole, [&](ByteView piece) { return verifier.feed(piece, ignore); });
      if (st) st = verifier.finish(ignore);
      if (!st) {
        return error(ErrorCode::kCorrupt, "payload " + to_hex(k).substr(0, 16) +
                                              "… fails verification: " + st.message());
      }
    }
    auto it = refs.find(k);
    if (it == refs.end() || it->second != rec.refcount) {
      return error(ErrorCode::kCorrupt, "payload reference count differs from the references");
    }
    ++records;
    OSIER_ASSIGN_OR_RETURN(ok, cur.next());
  }
  if (records != refs.size()) return error(ErrorCode::kCorrupt, "referenced payload has no record");
  MDB_stat st{};
  OSIER_RETURN_IF_ERROR(lmdb::status_of(mdb_stat(txn.get(), dbs_.refs, &st), "stat"));
  if (st.ms_entries != total_entries) return error(ErrorCode::kCorrupt, "stray payload references");
  return Status::ok();
}

}  // namespace osier::store
