// LmdbStore: the durable, embedded Store — one LMDB environment (a directory) holding every
// namespace. On-disk format: docs/formats.md "Store (LMDB)".
//
// LMDB holds everything: the entries, the payload records and, per namespace, the aggregate
// tree (store/lmdb_tree.hpp) that answers fingerprints, counts, splits and newest-first queries
// — updated in the same write transaction as the entries, so nothing is rebuilt or cached in
// memory and opening a namespace is a lookup. A committed write is durable (LMDB syncs on
// commit); a failed transaction (I/O error, full map) changes nothing on disk.
//
// Several processes may open one store and write it at once (store/store_lock.hpp): every
// write runs under the inter-process writer lock and decides what to do inside its own write
// transaction, from what that transaction sees (the tree included, so no decision is ever made
// on a stale index). Payload bytes are read and hashed
// into the instance's own staging files before the lock is taken, and published under it.
// Nothing is deleted by a process that only reads; leftovers of dead writers (staging files,
// payload files a crash left without a record) are swept by the first write of each instance.
//
// Threads: one writer, many readers. Every method may be called from any thread. Reads (get,
// query, summarise, split, payload reads, namespaces, snapshots) take no lock: each runs in an
// LMDB read transaction of its own, in parallel with each other and with the writer, and sees
// the store as of its start. Writes take the write guard (below) only for their transaction:
// tokens are verified and payload bytes read and hashed before it, and the write decides again
// inside its transaction (an entry that became obsolete meanwhile stores nothing). Events are
// delivered in order, after the commit, under the events lock: a subscriber's callback may read
// the store but not write it, subscribe or unsubscribe. A read that races a write removing a
// payload's file fails cleanly (kNotFound) instead of returning bytes.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "osier/store/authoriser.hpp"
#include "osier/store/lmdb.hpp"
#include "osier/store/store.hpp"
#include "store/entry_index.hpp"
#include "store/growing_outboards.hpp"
#include "store/ingest_plan.hpp"
#include "store/lmdb_env.hpp"
#include "store/lmdb_format.hpp"
#include "store/lmdb_tree.hpp"
#include "store/payload.hpp"
#include "store/store_lock.hpp"

namespace osier::store {

class LmdbStore final : public Store {
 public:
  // The on-disk format version this build reads and writes.
  static constexpr std::uint32_t kFormatVersion = 4;

  // Opens (or creates) the store in directory `dir`. Fails with kCorrupt for damaged files or an
  // unknown format version, kIo when the directory cannot be used. Makes sure the standard
  // descriptors are open first (osier/base/std_fds.hpp), so LMDB's files never become
  // stdout/stderr.
  static Result<std::unique_ptr<LmdbStore>> open(const std::string& dir,
                                                 LmdbStoreOptions options = {});
  ~LmdbStore() override;

  Result<IngestResult> ingest(const AuthorisedEntry& entry, Trust trust = Trust::kVerify,
                              Origin origin = {}) override;
  Result<std::vector<IngestResult>> ingest_batch(std::span<const AuthorisedEntry> entries,
                                                 Trust trust = Trust::kVerify,
                                                 Origin origin = {}) override;
  Result<ImportTotals> import(const ImportSource& next, Trust trust = Trust::kVerify,
                              Origin origin = {}) override;
  Result<IngestResult> ingest_with_payload(const AuthorisedEntry& entry,
                                           const PayloadSource& source,
                                           Trust trust = Trust::kVerify,
                                           Origin origin = {}) override;
  Result<std::optional<LengthyAuthorisedEntry>> get(const model::NamespaceId& namespace_id,
                                                    const model::SubspaceId& subspace,
                                                    const model::Path& path) override;
  Status query(const model::NamespaceId& namespace_id, const model::D3Range& range,
               const QueryOptions& options, const EntryCallback& fn) override;
  Result<RangeSummary> summarise(const model::NamespaceId& namespace_id,
                                 const model::D3Range& range) override;
  Result<std::vector<model::D3Range>> split(const model::NamespaceId& namespace_id,
                                            const model::D3Range& range, std::size_t k) override;
  Result<std::shared_ptr<const NamespaceSnapshot>> snapshot(
      const model::NamespaceId& namespace_id) override;
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
  Result<PayloadState> append_verified(const model::NamespaceId& namespace_id,
                                       const model::SubspaceId& subspace, const model::Path& path,
                                       const model::PayloadDigest& digest, std::uint64_t offset,
                                       ByteView bytes, std::span<const crypto::BabLabel> frontier,
                                       Origin origin = {}) override;
  Status read_payload(const model::NamespaceId& namespace_id, const model::SubspaceId& subspace,
                      const model::Path& path, std::uint64_t offset, std::uint64_t length,
                      const ByteSink& sink) override;
  Status serve_payload(const model::NamespaceId& namespace_id, const model::SubspaceId& subspace,
                       const model::Path& path, const crypto::BabStreamOptions& opts,
                       const ByteSink& sink) override;

  // Payloads up to this length live inline in their LMDB record; longer ones in files.
  static constexpr std::uint64_t kInlineMax = 16 * 1024;

  Result<std::uint64_t> forget_range(const model::NamespaceId& namespace_id,
                                     const model::D3Range& range) override;
  Status forget_payload(const model::NamespaceId& namespace_id, const model::SubspaceId& subspace,
                        const model::Path& path) override;
  Result<SubscriptionId> subscribe(const model::NamespaceId& namespace_id, const model::Area& area,
                                   std::optional<std::uint64_t> after, EventCallback fn) override;
  void unsubscribe(SubscriptionId id) override;
  Result<std::uint64_t> last_sequence() override;
  Status poll_events() override;
  Result<std::size_t> payload_count() override;
  // The file a large payload's bytes live in (its outboard: the same name plus ".obao").
  std::string payload_file(const PayloadKey& key) const;
  // Like check(), and with `deep` also re-verifies every stored payload byte against its digest
  // (through the outboard, whose every label is checked too) and every entry's authorisation
  // token. Reads everything.
  Status check(bool deep);
  // What writers that died (kill -9, power loss) left behind: their staging directories, and
  // payload files whose record never committed or was dropped before they were removed. The
  // first write of each instance removes them (under the writer lock); sweep() does it now.
  // Opening or reading a store never deletes anything.
  Result<Leftovers> sweep();
  // The same, listed without removing (no lock: a report may be momentarily out of date).
  Result<Leftovers> leftovers() override;
  Status check_deep() override { return check(true); }

  struct Dbs {
    MDB_dbi meta = 0, entries = 0, payloads = 0, refs = 0, events = 0, tree = 0;
  };
  // Only open() can make one.
  class PassKey {
    friend class LmdbStore;
    PassKey() = default;
  };
  LmdbStore(PassKey, std::string dir, LmdbStoreOptions options, std::shared_ptr<MDB_env> env,
            Dbs dbs, std::optional<WriterLock> writer_lock);

 private:
  // One write at a time: this process's writers (write_mu_), then every process's (the
  // WriterLock); released in the reverse order.
  struct WriteGuard {
    std::unique_lock<std::mutex> in_process;
    WriterLock::Held across_processes;
  };
  // Takes both (kInvalidArgument for a read-only store).
  Result<WriteGuard> lock_writers();
  // The same for one write; the first write of the instance sweeps dead writers' leftovers
  // under them.
  Result<WriteGuard> begin_write();
  // Creates the staging area unless it exists (takes the write guard briefly: call it while not
  // holding it).
  Status ensure_staging();
  // A read transaction of the caller's own (no lock: LMDB readers never wait).
  Result<lmdb::Txn> read_txn() const;
  // Called with every write transaction before it numbers an event: reads the latest event
  // number as the transaction sees it (another process may have written since).
  Status sync_with_disk(const lmdb::Txn& txn);
  // The latest event number `txn` sees.
  Result<std::uint64_t> stored_last_seq(const lmdb::Txn& txn) const;
  // Begins the write transaction and syncs with the disk. REQUIRES: the write guard is held.
  Result<lmdb::Txn> begin_write_txn();
  // Payload bytes read and verified into staging files (or memory, for inline payloads), not
  // yet part of the store.
  struct Staged {
    Bytes inline_bytes;
    std::string data, outboard;  // staging files ("" when none)
  };
  // Renames staged files over the payload's files (under the writer lock).
  Status publish(const Staged& staged, const PayloadKey& key);
  static void discard(const Staged& staged);
  // The tree of a namespace in a read transaction, and in the open write transaction (through
  // its node cache, flushed by finish_write; REQUIRES: the write guard is held).
  LmdbTree read_tree(const lmdb::Txn& txn, const model::NamespaceId& namespace_id) const;
  LmdbTree write_tree(const lmdb::Txn& txn, const model::NamespaceId& namespace_id);
  // Point lookups of stored entries of a namespace in `txn` (for plan_ingest).
  EntryLookup entry_lookup(const lmdb::Txn& txn, const model::NamespaceId& namespace_id) const;
  Result<IngestResult> ingest_in(lmdb::Txn& txn, const AuthorisedEntry& entry, Trust trust);
  Result<std::vector<IngestResult>> write_batch(std::span<const AuthorisedEntry> entries,
                                                Trust trust);
  Status change_refcount(lmdb::Txn& txn, const model::Entry& entry, int delta);
  // Removes a stored entry (disk records, payload reference, tree item), logging `why`.
  Status remove_stored(lmdb::Txn& txn, LmdbTree& tree, const model::NamespaceId& ns,
                       const model::SubspaceId& subspace, const model::Path& path, EventKind why);
  // Logs an event in the open write transaction; it is numbered and delivered on commit.
  Status emit_in(lmdb::Txn& txn, EventKind kind, const model::Entry& entry,
                 std::uint64_t available);
  // Forgets the pending file removals and events of an unfinished write transaction.
  void abandon();
  // Commits `txn`, then removes the files of payloads it dropped and delivers its events; on
  // failure abandons them.
  Status finish_write(lmdb::Txn& txn);
  // The stored entry and its payload record (nullopt record: none yet).
  struct Located {
    AuthorisedEntry entry;
    lmdb_format::PayloadRecord record;
  };
  Result<std::optional<Located>> locate(const lmdb::Txn& txn, const model::NamespaceId& ns,
                                        const model::SubspaceId& subspace,
                                        const model::Path& path) const;
  // The same in a read transaction of its own; kNotFound when there is no such entry.
  Result<Located> locate_stored(const model::NamespaceId& ns, const model::SubspaceId& subspace,
                                const model::Path& path);
  // In one write transaction (the caller holds the writer lock): reads the payload's record,
  // lets `change` update it (returning false: nothing to do, e.g. another writer got there
  // first), stores it, logs `kind` for every entry that references it, updates those entries'
  // hashes in the trees, and commits. kNotFound when the payload has no record.
  using RecordChange = std::function<Result<bool>(lmdb_format::PayloadRecord&)>;
  Status commit_payload(const PayloadKey& key, EventKind kind, const RecordChange& change);
  // Logs `kind` in `txn` for every entry that references payload `key` (now holding `held`
  // bytes) except `skip`, and sets their new available lengths and hashes in their trees.
  Status log_payload_change(lmdb::Txn& txn, const PayloadKey& key, std::uint64_t held,
                            EventKind kind, const model::Entry* skip);
  // Reads a local write of a whole payload from `source` and verifies it. A file payload
  // (`in_file`) streams to staging files (bytes, outboard) that publish() later puts in place;
  // an inline one is kept in memory. On failure nothing is left behind.
  Result<Staged> stage_payload(const model::Entry& entry, bool in_file,
                               const PayloadSource& source);
  // The same for a verified prefix with its frontier (store/payload_prefix.hpp).
  Result<Staged> stage_prefix(const model::Entry& entry, bool in_file, std::uint64_t length,
                              const PayloadSource& source,
                              std::span<const crypto::BabLabel> frontier);
  // import(): stores an item's payload bytes in the open transaction, noting published files.
  Status import_payload(lmdb::Txn& txn, const ImportItem& item,
                        std::vector<std::pair<PayloadKey, std::uint64_t>>& staged,
                        ImportTotals& totals);
  // Takes back files import_payload published, after an abort.
  void unstage(const std::vector<std::pair<PayloadKey, std::uint64_t>>& staged);
  // Writes the outboard file of a complete file payload (under the writer lock).
  Status build_outboard_file(const PayloadKey& key);
  // Payload files that have no record; removes them with `remove` (REQUIRES for that: the
  // writer lock is held).
  Result<std::vector<std::string>> stray_payload_files(bool remove);
  // Streams held bytes [offset, offset + length) of a located payload, verified against the
  // entry's digest before they reach `sink` (kCorrupt for bytes that fail: bit rot).
  Status read_verified(const Located& loc, std::uint64_t offset, std::uint64_t length,
                       const ByteSink& sink);
  // Verifies the tree of `ns` against `fresh`, an index built from its entry records (check()).
  Status check_tree(const lmdb::Txn& txn, const model::NamespaceId& ns, const EntryIndex& fresh);
  // Verifies the token of every entry of `ns` (check(true)).
  Status check_tokens(const lmdb::Txn& txn, const model::NamespaceId& ns);
  // The same as stored, unverified.
  Status read_raw(const Located& loc, std::uint64_t offset, std::uint64_t length,
                  const ByteSink& sink);
  // `st`, the outcome of reading located payload files; kNotFound instead when it failed
  // because a concurrent write changed the payload since `loc` was read.
  Status raced(const Located& loc, Status st) const;
  // serve_payload() of a located payload.
  Status serve_located(const Located& loc, const crypto::BabStreamOptions& opts,
                       const ByteSink& sink);

  // Set by open(), then only read (by any thread).
  std::string dir_;
  LmdbStoreOptions options_;
  std::shared_ptr<MDB_env> env_;  // shared with the snapshots, which may outlive the store
  Dbs dbs_;
  TreeSalt salt_{};
  std::optional<WriterLock> writer_lock_;  // none when read-only

  // Locks, always taken in this order: staging_mu_, write_mu_ (then the WriterLock),
  // events_mu_. Reads take none: each runs in an LMDB read transaction of its own.
  std::mutex staging_mu_;               // guards the making of staging_
  std::optional<StagingArea> staging_;  // made by the first write that stages bytes; then fixed
  // Outboards of file payloads append_verified is filling (in staging_'s directory, so declared
  // after it: gone first). Guarded by write_mu_.
  GrowingOutboards growing_outboards_;
  std::mutex write_mu_;  // guards everything down to events_mu_
  bool swept_ = false;
  Origin write_origin_;         // of the write under way (begin_write resets it to local)
  TreeWriteCache tree_cache_;   // its changed tree nodes
  std::uint64_t last_seq_ = 0;  // the latest event number, as the open write txn read it
  std::vector<std::string> pending_removals_;  // files of payloads dropped by the open txn
  // Payloads whose reference count the open txn brought to 0; dropped at its end unless an
  // entry took them over meanwhile (drop_unreferenced).
  std::set<PayloadKey> pending_unreferenced_;
  std::vector<StoreEvent> pending_events_;  // events logged by the open txn
  // Dispatches the logged events numbered (delivered_through_, through] that `txn` sees, in
  // order, and moves delivered_through_ to `through`. REQUIRES: events_mu_ held.
  Status deliver_logged(lmdb::Txn& txn, std::uint64_t through);
  // Deletes the records of pending_unreferenced_ still at reference count 0 and marks their
  // files for removal after the commit. Called by finish_write before the commit.
  Status drop_unreferenced(lmdb::Txn& txn);
  // The namespaces holding entries, as `txn` sees them.
  Result<std::vector<model::NamespaceId>> namespaces_in(const lmdb::Txn& txn) const;

  std::mutex events_mu_;  // guards hub_ and delivered_through_; held while events are delivered
  EventHub hub_;
  // Events numbered up to it were delivered to subscribers (or precede the open): those of
  // other processes are delivered from the log, before this instance's next own events or by
  // poll_events().
  std::uint64_t delivered_through_ = 0;
};

}  // namespace osier::store
