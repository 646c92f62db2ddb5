// LmdbStore: the durable, embedded Store — one LMDB environment (a directory) holding every
// namespace. On-disk format: docs/formats.md "Store (LMDB)".
//
// LMDB holds the truth; a namespace's EntryIndex (the aggregate tree for fingerprints, counts,
// splits and newest-first queries) is built in memory from it on first use, so opening the store
// and merely knowing namespaces costs nothing, and a committed write is durable (LMDB syncs on
// commit). Writes are serialised; a failed transaction (I/O error, full map) changes nothing on
// disk and drops the affected in-memory indexes, which reload from disk on next use.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/authoriser.hpp"
#include "store/entry_index.hpp"
#include "store/lmdb_env.hpp"
#include "store/lmdb_format.hpp"
#include "store/payload.hpp"
#include "store/store.hpp"

namespace osier::store {

struct LmdbStoreOptions {
  std::shared_ptr<const WriteAuthoriser> authoriser = meadowcap_authoriser();
  // The most the data file may grow to (LMDB's map size); a write beyond it fails with
  // kOutOfRange and leaves the store as it was.
  std::uint64_t map_size = std::uint64_t{1} << 36;
  bool create_if_missing = true;
  // Flush to disk on every commit (LMDB's default), so a committed write survives a crash of the
  // machine. false trades that for speed (MDB_NOSYNC): a process crash still loses nothing
  // committed, a power loss may lose the latest commits (never consistency).
  bool sync_commits = true;
  // At most this many namespace indexes stay in memory; the least recently used goes first
  // (it is rebuilt from disk when needed again).
  std::size_t max_loaded_namespaces = 64;
  // How many of the latest events are kept for replay to subscribers (at least 1).
  std::uint64_t max_event_history = std::uint64_t{1} << 20;
};

class LmdbStore final : public Store {
 public:
  // The on-disk format version this build reads and writes.
  static constexpr std::uint32_t kFormatVersion = 2;

  // Opens (or creates) the store in directory `dir`. Fails with kCorrupt for damaged files or an
  // unknown format version, kIo when the directory cannot be used.
  static Result<std::unique_ptr<LmdbStore>> open(const std::string& dir,
                                                 LmdbStoreOptions options = {});
  ~LmdbStore() override;

  Result<IngestResult> ingest(const AuthorisedEntry& entry, Trust trust = Trust::kVerify) override;
  Result<std::vector<IngestResult>> ingest_batch(std::span<const AuthorisedEntry> entries,
                                                 Trust trust = Trust::kVerify) override;
  Result<ImportTotals> import(const ImportSource& next, Trust trust = Trust::kVerify) override;
  Result<IngestResult> ingest_with_payload(const AuthorisedEntry& entry, const PayloadSource& source,
                                           Trust trust = Trust::kVerify) override;
  Result<std::optional<LengthyAuthorisedEntry>> get(const model::NamespaceId& namespace_id,
                                                    const model::SubspaceId& subspace,
                                                    const model::Path& path) override;
  Status query(const model::NamespaceId& namespace_id, const model::D3Range& range,
               const QueryOptions& options, const EntryCallback& fn) override;
  Result<RangeSummary> summarise(const model::NamespaceId& namespace_id,
                                 const model::D3Range& range) override;
  Result<std::vector<model::D3Range>> split(const model::NamespaceId& namespace_id,
                                            const model::D3Range& range, std::size_t k) override;
  Result<std::vector<model::NamespaceId>> namespaces() override;
  Status check() override;

  Result<std::optional<PayloadState>> payload_state(const model::NamespaceId& namespace_id,
                                                    const model::SubspaceId& subspace,
                                                    const model::Path& path) override;
  Result<PayloadState> write_payload(const model::NamespaceId& namespace_id,
                                     const model::SubspaceId& subspace, const model::Path& path,
                                     const PayloadSource& source) override;
  Result<PayloadState> write_payload_prefix(const model::NamespaceId& namespace_id,
                                            const model::SubspaceId& subspace,
                                            const model::Path& path, std::uint64_t length,
                                            const PayloadSource& source,
                                            std::span<const crypto::BabLabel> frontier) override;
  Result<PayloadState> append_payload(const model::NamespaceId& namespace_id,
                                      const model::SubspaceId& subspace, const model::Path& path,
                                      ByteView stream_piece) override;
  Status read_payload(const model::NamespaceId& namespace_id, const model::SubspaceId& subspace,
                      const model::Path& path, std::uint64_t offset, std::uint64_t length,
                      const ByteSink& sink) override;
  Status serve_payload(const model::NamespaceId& namespace_id, const model::SubspaceId& subspace,
                       const model::Path& path, const crypto::BabStreamOptions& opts,
                       const ByteSink& sink) override;

  // Payloads up to this length live inline in their LMDB record; longer ones in files.
  static constexpr std::uint64_t kInlineMax = 16 * 1024;

  // How many namespaces have their index in memory (for tests of lazy loading).
  std::size_t loaded_namespaces();
  Result<std::uint64_t> forget_range(const model::NamespaceId& namespace_id,
                                     const model::D3Range& range) override;
  Status forget_payload(const model::NamespaceId& namespace_id, const model::SubspaceId& subspace,
                        const model::Path& path) override;
  Result<SubscriptionId> subscribe(const model::NamespaceId& namespace_id, const model::Area& area,
                                   std::optional<std::uint64_t> after, EventCallback fn) override;
  void unsubscribe(SubscriptionId id) override;
  Result<std::uint64_t> last_sequence() override;
  Result<std::size_t> payload_count() override;
  // The file a large payload's bytes live in (its outboard: the same name plus ".obao").
  std::string payload_file(const PayloadKey& key) const;

  struct Dbs {
    MDB_dbi meta = 0, entries = 0, payloads = 0, refs = 0, events = 0;
  };
  // Only open() can make one.
  class PassKey {
    friend class LmdbStore;
    PassKey() = default;
  };
  LmdbStore(PassKey, std::string dir, LmdbStoreOptions options, lmdb::EnvPtr env, Dbs dbs);

 private:
  Result<EntryIndex*> index_for(const lmdb::Txn& txn, const model::NamespaceId& namespace_id);
  Result<IngestResult> ingest_in(lmdb::Txn& txn, const AuthorisedEntry& entry, Trust trust,
                                 std::vector<model::NamespaceId>& touched);
  Result<std::vector<IngestResult>> write_batch(std::span<const AuthorisedEntry> entries,
                                                Trust trust);
  void after_abort(const std::vector<model::NamespaceId>& touched);
  Status change_refcount(lmdb::Txn& txn, const model::Entry& entry, int delta);
  // Removes a stored entry (disk records, payload reference, index item), logging `why`.
  Status remove_stored(lmdb::Txn& txn, EntryIndex& index, const model::NamespaceId& ns,
                       const model::SubspaceId& subspace, const model::Path& path, EventKind why);
  // Logs an event in the open write transaction; it is numbered and delivered on commit.
  Status emit_in(lmdb::Txn& txn, EventKind kind, const model::Entry& entry,
                 std::uint64_t available);
  // Forgets everything an unfinished write transaction did to in-memory state.
  void abandon(const std::vector<model::NamespaceId>& touched);
  // Commits `txn`, then removes the files of payloads it dropped; on failure forgets the
  // in-memory state of `touched` namespaces.
  Status finish_write(lmdb::Txn& txn, const std::vector<model::NamespaceId>& touched);
  // The stored entry and its payload record (nullopt record: none yet).
  struct Located {
    AuthorisedEntry entry;
    lmdb_format::PayloadRecord record;
  };
  Result<std::optional<Located>> locate(const lmdb::Txn& txn, const model::NamespaceId& ns,
                                        const model::SubspaceId& subspace,
                                        const model::Path& path);
  // The same in a read transaction of its own; kNotFound when there is no such entry.
  Result<Located> locate_stored(const model::NamespaceId& ns, const model::SubspaceId& subspace,
                                const model::Path& path);
  // Stores a new held length (and inline bytes) for a payload, logs `kind` for every entry that
  // references it, commits, and updates the hashes of those entries in loaded indexes.
  Status commit_payload(const PayloadKey& key, const lmdb_format::PayloadRecord& record,
                        EventKind kind);
  // A stored entry's new available length, for the loaded indexes once the change commits.
  struct AvailableUpdate {
    model::Entry entry;
    Fp256 hash;
    std::uint64_t available;
  };
  // Logs `kind` in `txn` for every entry that references payload `key` (now holding `held`
  // bytes) except `skip`, noting their new hashes in `updates`.
  Status log_payload_change(lmdb::Txn& txn, const PayloadKey& key, std::uint64_t held,
                            EventKind kind, const model::Entry* skip,
                            std::vector<AvailableUpdate>& updates);
  void apply_updates(const std::vector<AvailableUpdate>& updates);
  // Reads a local write of a whole payload from `source` and verifies it. A file payload
  // (`in_file`) streams to temporary files (bytes, outboard) that replace the payload's files
  // only once verified, so any held prefix stays intact; an inline one is returned. On failure
  // nothing is left behind.
  Result<Bytes> stage_payload(const model::Entry& entry, bool in_file, const PayloadSource& source);
  // The same for a verified prefix with its frontier (store/payload_prefix.hpp): a file
  // payload's prefix replaces the data file once verified.
  Result<Bytes> stage_prefix(const model::Entry& entry, bool in_file, std::uint64_t length,
                             const PayloadSource& source, std::span<const crypto::BabLabel> frontier);
  // import(): stores an item's payload bytes in the open transaction, noting published files.
  Status import_payload(lmdb::Txn& txn, const ImportItem& item,
                        std::vector<model::NamespaceId>& touched,
                        std::vector<std::pair<PayloadKey, std::uint64_t>>& staged,
                        ImportTotals& totals);
  // Takes back files import_payload published, after an abort.
  void unstage(const std::vector<std::pair<PayloadKey, std::uint64_t>>& staged);
  // Writes the outboard file of a complete file payload.
  Status build_outboard_file(const PayloadKey& key);
  void sweep_payload_files();

  std::string dir_;
  LmdbStoreOptions options_;
  lmdb::EnvPtr env_;
  Dbs dbs_;
  std::mutex mu_;
  std::map<model::NamespaceId, EntryIndex> loaded_;
  std::map<model::NamespaceId, std::uint64_t> last_used_;  // for evicting loaded_ (LRU)
  std::uint64_t use_clock_ = 0;
  std::map<PayloadKey, PayloadAppender> appenders_;
  std::vector<std::string> pending_removals_;  // files of payloads dropped by the open txn
  std::vector<StoreEvent> pending_events_;     // events logged by the open txn
  std::uint64_t last_seq_ = 0;
  EventHub hub_;
};

}  // namespace osier::store
