#include "store/lmdb_store.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "store/ingest_plan.hpp"
#include "store/lmdb_format.hpp"

namespace osier::store {

namespace fmt = lmdb_format;
using lmdb::Cursor;
using lmdb::Txn;

namespace {

constexpr std::string_view kVersionKey = "format_version";

Status make_dir(const std::string& dir, bool create) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) return error(ErrorCode::kIo, dir + " is not a directory");
    return Status::ok();
  }
  if (!create) return error(ErrorCode::kNotFound, "no store at " + dir);
  if (::mkdir(dir.c_str(), 0700) != 0) {
    return error(ErrorCode::kIo, "cannot create " + dir + ": " + std::strerror(errno));
  }
  return Status::ok();
}

Status check_version(Txn& txn, MDB_dbi meta, MDB_dbi entries) {
  OSIER_ASSIGN_OR_RETURN(auto have, txn.get(meta, as_bytes(kVersionKey)));
  if (!have) {
    // A new store; an old one without a version record would have entries.
    MDB_stat st{};
    OSIER_RETURN_IF_ERROR(lmdb::status_of(mdb_stat(txn.get(), entries, &st), "stat"));
    if (st.ms_entries != 0) return error(ErrorCode::kCorrupt, "store has no format version record");
    Bytes v;
    put_be(v, LmdbStore::kFormatVersion, 4);
    return txn.put(meta, as_bytes(kVersionKey), v);
  }
  if (have->size() != 4) return error(ErrorCode::kCorrupt, "malformed format version record");
  const std::uint64_t version = get_be(*have);
  if (version != LmdbStore::kFormatVersion) {
    return error(ErrorCode::kCorrupt, "store format version " + std::to_string(version) +
                                          " is not supported (this build reads version " +
                                          std::to_string(LmdbStore::kFormatVersion) + ")");
  }
  return Status::ok();
}

Result<std::uint64_t> payload_held(const Txn& txn, MDB_dbi payloads, const model::Entry& e) {
  OSIER_ASSIGN_OR_RETURN(auto rec, txn.get(payloads, fmt::payload_key(e)));
  if (!rec) return std::uint64_t{0};
  OSIER_ASSIGN_OR_RETURN(auto r, fmt::decode_payload_record(*rec));
  return r.held;
}

ByteArray<fmt::kPayloadKeySize + fmt::kEntryKeySize> ref_key(const model::Entry& e) {
  ByteArray<fmt::kPayloadKeySize + fmt::kEntryKeySize> k{};
  const auto pk = fmt::payload_key(e);
  const auto ek = fmt::entry_key(e.namespace_id, e.subspace_id, e.path);
  std::copy(pk.begin(), pk.end(), k.begin());
  std::copy(ek.begin(), ek.end(), k.begin() + fmt::kPayloadKeySize);
  return k;
}

// Adds `delta` (+1 or -1) references to the payload of `e`; drops the record at zero.
Status change_refcount(Txn& txn, const LmdbStore::Dbs& dbs, const model::Entry& e, int delta) {
  const auto pk = fmt::payload_key(e);
  OSIER_ASSIGN_OR_RETURN(auto have, txn.get(dbs.payloads, pk));
  fmt::PayloadRecord r;
  if (have) {
    OSIER_ASSIGN_OR_RETURN(r, fmt::decode_payload_record(*have));
  }
  if (delta < 0) {
    if (r.refcount == 0) return error(ErrorCode::kCorrupt, "payload reference count underflow");
    if (--r.refcount == 0) return txn.del(dbs.payloads, pk);
  } else {
    ++r.refcount;
  }
  return txn.put(dbs.payloads, pk, fmt::encode_payload_record(r));
}

// Scans the entries of one namespace from disk into a fresh index.
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

Result<std::unique_ptr<LmdbStore>> LmdbStore::open(const std::string& dir,
                                                   LmdbStoreOptions options) {
  OSIER_RETURN_IF_ERROR(make_dir(dir, options.create_if_missing));
  MDB_env* raw = nullptr;
  OSIER_RETURN_IF_ERROR(lmdb::status_of(mdb_env_create(&raw), "create environment"));
  lmdb::EnvPtr env(raw);
  OSIER_RETURN_IF_ERROR(lmdb::status_of(mdb_env_set_maxdbs(raw, 8), "set max dbs"));
  OSIER_RETURN_IF_ERROR(
      lmdb::status_of(mdb_env_set_mapsize(raw, options.map_size), "set map size"));
  OSIER_RETURN_IF_ERROR(
      lmdb::status_of(mdb_env_open(raw, dir.c_str(),
                                   MDB_NOTLS | (options.sync_commits ? 0u : unsigned{MDB_NOSYNC}),
                                   0600),
                      "open " + dir));
  Dbs dbs;
  OSIER_ASSIGN_OR_RETURN(Txn txn, Txn::begin(raw, false));
  for (auto [name, dbi] : {std::pair{"meta", &dbs.meta}, std::pair{"entries", &dbs.entries},
                           std::pair{"payloads", &dbs.payloads}, std::pair{"refs", &dbs.refs}}) {
    OSIER_RETURN_IF_ERROR(lmdb::status_of(mdb_dbi_open(txn.get(), name, MDB_CREATE, dbi),
                                          std::string("open database ") + name));
  }
  OSIER_RETURN_IF_ERROR(check_version(txn, dbs.meta, dbs.entries));
  OSIER_RETURN_IF_ERROR(txn.commit());
  return std::make_unique<LmdbStore>(PassKey{}, dir, std::move(options), std::move(env), dbs);
}

LmdbStore::LmdbStore(PassKey, std::string dir, LmdbStoreOptions options, lmdb::EnvPtr env,
                     Dbs dbs)
    : dir_(std::move(dir)), options_(std::move(options)), env_(std::move(env)), dbs_(dbs) {}

LmdbStore::~LmdbStore() = default;

std::size_t LmdbStore::loaded_namespaces() {
  std::lock_guard lock(mu_);
  return loaded_.size();
}

Result<EntryIndex*> LmdbStore::index_for(const Txn& txn, const model::NamespaceId& ns) {
  auto it = loaded_.find(ns);
  if (it != loaded_.end()) return &it->second;
  OSIER_ASSIGN_OR_RETURN(EntryIndex index, load_index(txn, dbs_, ns));
  return &loaded_.emplace(ns, std::move(index)).first->second;
}

void LmdbStore::after_abort(const std::vector<model::NamespaceId>& touched) {
  for (const auto& ns : touched) loaded_.erase(ns);
}

Result<IngestResult> LmdbStore::ingest_in(Txn& txn, const AuthorisedEntry& ae, Trust trust,
                                          std::vector<model::NamespaceId>& touched) {
  if (trust == Trust::kVerify) {
    Status st = options_.authoriser->verify(ae.entry, ae.token);
    if (!st) return IngestResult::rejected(std::move(st));
  }
  const model::Entry& e = ae.entry;
  OSIER_ASSIGN_OR_RETURN(EntryIndex * index, index_for(txn, e.namespace_id));
  IngestPlan plan = plan_ingest(*index, e);
  if (plan.obsolete) return IngestResult::obsolete();
  touched.push_back(e.namespace_id);
  for (const model::Path& p : plan.pruned) {
    const IndexItem* old = index->find(e.subspace_id, p);
    if (!old) return error(ErrorCode::kInternal, "pruned entry vanished from the index");
    const model::Entry old_entry = old->entry;
    OSIER_RETURN_IF_ERROR(txn.del(dbs_.entries, fmt::entry_key(e.namespace_id, e.subspace_id, p)));
    OSIER_RETURN_IF_ERROR(txn.del(dbs_.refs, ref_key(old_entry)));
    OSIER_RETURN_IF_ERROR(change_refcount(txn, dbs_, old_entry, -1));
    (void)index->erase(e.subspace_id, p);
  }
  OSIER_RETURN_IF_ERROR(txn.put(dbs_.entries, fmt::entry_key(e.namespace_id, e.subspace_id, e.path),
                                fmt::encode_entry_value(e, ae.token)));
  OSIER_RETURN_IF_ERROR(txn.put(dbs_.refs, ref_key(e), {}));
  OSIER_RETURN_IF_ERROR(change_refcount(txn, dbs_, e, +1));
  OSIER_ASSIGN_OR_RETURN(std::uint64_t held, payload_held(txn, dbs_.payloads, e));
  const std::uint64_t available = std::min(held, e.payload_length);
  index->insert(IndexItem{e, available, hash_lengthy_authorised_entry(e, ae.token, available), {}});
  return IngestResult::inserted(plan.pruned.size());
}

Result<std::vector<IngestResult>> LmdbStore::write_batch(std::span<const AuthorisedEntry> entries,
                                                         Trust trust) {
  std::vector<model::NamespaceId> touched;
  auto run = [&]() -> Result<std::vector<IngestResult>> {
    OSIER_ASSIGN_OR_RETURN(Txn txn, Txn::begin(env_.get(), false));
    std::vector<IngestResult> out;
    out.reserve(entries.size());
    for (const auto& ae : entries) {
      OSIER_ASSIGN_OR_RETURN(IngestResult r, ingest_in(txn, ae, trust, touched));
      out.push_back(std::move(r));
    }
    OSIER_RETURN_IF_ERROR(txn.commit());
    return out;
  };
  auto res = run();
  if (!res) after_abort(touched);
  return res;
}

Result<IngestResult> LmdbStore::ingest(const AuthorisedEntry& entry, Trust trust) {
  std::lock_guard lock(mu_);
  OSIER_ASSIGN_OR_RETURN(auto rs, write_batch(std::span(&entry, 1), trust));
  return std::move(rs.front());
}

Result<std::vector<IngestResult>> LmdbStore::ingest_batch(std::span<const AuthorisedEntry> entries,
                                                          Trust trust) {
  std::lock_guard lock(mu_);
  return write_batch(entries, trust);
}

Result<std::optional<LengthyAuthorisedEntry>> LmdbStore::get(const model::NamespaceId& ns,
                                                             const model::SubspaceId& subspace,
                                                             const model::Path& path) {
  std::lock_guard lock(mu_);
  OSIER_ASSIGN_OR_RETURN(Txn txn, Txn::begin(env_.get(), true));
  OSIER_ASSIGN_OR_RETURN(auto v, txn.get(dbs_.entries, fmt::entry_key(ns, subspace, path)));
  if (!v) return std::optional<LengthyAuthorisedEntry>();
  OSIER_ASSIGN_OR_RETURN(AuthorisedEntry ae, fmt::decode_entry_value(*v));
  OSIER_ASSIGN_OR_RETURN(std::uint64_t held, payload_held(txn, dbs_.payloads, ae.entry));
  const std::uint64_t available = std::min(held, ae.entry.payload_length);
  return std::optional(LengthyAuthorisedEntry{std::move(ae), available});
}

Status LmdbStore::query(const model::NamespaceId& ns, const model::D3Range& range,
                        const QueryOptions& options, const EntryCallback& fn) {
  std::lock_guard lock(mu_);
  OSIER_ASSIGN_OR_RETURN(Txn txn, Txn::begin(env_.get(), true));
  OSIER_ASSIGN_OR_RETURN(EntryIndex * index, index_for(txn, ns));
  return query_index(
      *index, range, options,
      [&](const IndexItem& item) -> Result<LengthyAuthorisedEntry> {
        const model::Entry& e = item.entry;
        OSIER_ASSIGN_OR_RETURN(auto v, txn.get(dbs_.entries,
                                               fmt::entry_key(ns, e.subspace_id, e.path)));
        if (!v) return error(ErrorCode::kCorrupt, "indexed entry missing on disk");
        OSIER_ASSIGN_OR_RETURN(AuthorisedEntry ae, fmt::decode_entry_value(*v));
        return LengthyAuthorisedEntry{std::move(ae), item.available};
      },
      fn);
}

Result<RangeSummary> LmdbStore::summarise(const model::NamespaceId& ns,
                                          const model::D3Range& range) {
  std::lock_guard lock(mu_);
  OSIER_ASSIGN_OR_RETURN(Txn txn, Txn::begin(env_.get(), true));
  OSIER_ASSIGN_OR_RETURN(EntryIndex * index, index_for(txn, ns));
  return index->summarise(range);
}

Result<std::vector<model::D3Range>> LmdbStore::split(const model::NamespaceId& ns,
                                                     const model::D3Range& range, std::size_t k) {
  std::lock_guard lock(mu_);
  OSIER_ASSIGN_OR_RETURN(Txn txn, Txn::begin(env_.get(), true));
  OSIER_ASSIGN_OR_RETURN(EntryIndex * index, index_for(txn, ns));
  return index->split(range, k);
}

Result<std::vector<model::NamespaceId>> LmdbStore::namespaces() {
  std::lock_guard lock(mu_);
  OSIER_ASSIGN_OR_RETURN(Txn txn, Txn::begin(env_.get(), true));
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

Status LmdbStore::check() {
  OSIER_ASSIGN_OR_RETURN(auto nss, namespaces());
  std::lock_guard lock(mu_);
  OSIER_ASSIGN_OR_RETURN(Txn txn, Txn::begin(env_.get(), true));
  std::map<ByteArray<fmt::kPayloadKeySize>, std::uint64_t> refs;
  std::uint64_t total_entries = 0;
  for (const auto& ns : nss) {
    OSIER_ASSIGN_OR_RETURN(EntryIndex fresh, load_index(txn, dbs_, ns));
    OSIER_RETURN_IF_ERROR(fresh.check());
    OSIER_RETURN_IF_ERROR(check_no_pruning(fresh));
    total_entries += fresh.size();
    Status st;
    fresh.visit(model::D3Range::full(), [&](const IndexItem& item) {
      ++refs[fmt::payload_key(item.entry)];
      auto r = txn.get(dbs_.refs, ref_key(item.entry));
      if (!r || !r->has_value()) st = error(ErrorCode::kCorrupt, "entry lacks its payload reference");
      return st.is_ok();
    });
    OSIER_RETURN_IF_ERROR(st);
    // The in-memory index must agree with the disk.
    auto it = loaded_.find(ns);
    if (it != loaded_.end()) {
      OSIER_RETURN_IF_ERROR(it->second.check());
      if (!(it->second.summarise(model::D3Range::full()) == fresh.summarise(model::D3Range::full()))) {
        return error(ErrorCode::kCorrupt, "in-memory index differs from the stored entries");
      }
    }
  }
  for (const auto& [ns, index] : loaded_) {
    if (index.size() > 0 && std::find(nss.begin(), nss.end(), ns) == nss.end()) {
      return error(ErrorCode::kCorrupt, "in-memory index holds a namespace absent on disk");
    }
  }
  // Payload records: exactly the referenced payloads, with exact counts.
  OSIER_ASSIGN_OR_RETURN(Cursor cur, Cursor::open(txn, dbs_.payloads));
  OSIER_ASSIGN_OR_RETURN(bool ok, cur.first());
  std::size_t records = 0;
  while (ok) {
    if (cur.key().size() != fmt::kPayloadKeySize) return error(ErrorCode::kCorrupt, "malformed payload key");
    ByteArray<fmt::kPayloadKeySize> k{};
    std::copy_n(cur.key().begin(), fmt::kPayloadKeySize, k.begin());
    OSIER_ASSIGN_OR_RETURN(auto rec, fmt::decode_payload_record(cur.value()));
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
