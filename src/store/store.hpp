// Store: the 3d store of a Willow node — many namespaces of authorised entries and their
// payloads, with the queries applications and sync need.
//
// Two implementations share this interface and one conformance suite (tests/store/):
// MemoryStore (ephemeral, store/memory_store.hpp) and LmdbStore (durable, the embedded default,
// store/lmdb_store.hpp).
//
// Every store keeps the store invariant per namespace (spec: data_model#store): no entry prunes
// another. Ingesting an entry removes every entry it prunes in the same transaction.
//
// Methods are safe to call from several threads. MemoryStore serialises them on one lock;
// LmdbStore runs reads in parallel with each other and with its one writer (store/
// lmdb_store.hpp). Query callbacks must not call back into the store. Sync reads through
// snapshot(), which any thread may use while the store is written.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "base/status.hpp"
#include "crypto/bab_stream.hpp"
#include "model/area.hpp"
#include "model/entry.hpp"
#include "model/range.hpp"
#include "store/events.hpp"
#include "store/snapshot.hpp"
#include "store/types.hpp"

namespace osier::store {

class Store {
 public:
  virtual ~Store() = default;

  // ---- Entries

  // Stores an authorised entry unless it is obsolete; verifies the token unless the caller
  // vouches for it. A Status error means the store could not do its work (I/O, full disk); a
  // refused entry is a kRejected result, not an error.
  // `origin`: where the entry came from; the events of this change carry it (store/types.hpp).
  virtual Result<IngestResult> ingest(const AuthorisedEntry& entry, Trust trust = Trust::kVerify,
                                      Origin origin = {}) = 0;
  // Ingests many entries in one transaction, in order; one result per entry. On an error none of
  // them is stored.
  virtual Result<std::vector<IngestResult>> ingest_batch(std::span<const AuthorisedEntry> entries,
                                                         Trust trust = Trust::kVerify,
                                                         Origin origin = {}) = 0;
  // Ingests an entry together with its whole payload, atomically (a local write: the entry and
  // its bytes, or neither). The token is checked first (unless trusted) and an obsolete entry is
  // recognised before any byte is read; then the payload is read from `source` (raw bytes,
  // streamed through fixed memory, hashed as it goes) — not at all when the store holds it
  // complete already (payloads are shared by digest and length) or it is empty. Only if the
  // bytes are exactly the entry's payload is the entry ingested, pruning what it prunes, with
  // its payload complete, in one transaction. Its events: kPruned for each pruned entry,
  // kInserted with available == payload_length, then kPayloadAppended for the other entries
  // sharing the payload if they held it partially (they see it complete too). On any failure
  // (kVerification for the wrong bytes, too many or too few; a source error; I/O error; full
  // disk or map) the store is exactly as it was: no entry, no pruning, no payload bytes, no
  // events, no files left behind. An obsolete or rejected entry is a result, as for ingest(),
  // and stores nothing.
  virtual Result<IngestResult> ingest_with_payload(const AuthorisedEntry& entry,
                                                   const PayloadSource& source,
                                                   Trust trust = Trust::kVerify,
                                                   Origin origin = {}) = 0;

  // Applies a stream of items as ONE change: each entry is ingested in order (pruning what it
  // prunes), then its payload bytes, if any, are stored when that very entry is stored and the
  // store holds fewer of them (checked as write_payload and write_payload_prefix check them).
  // Refused entries are counted, not errors. On any error — a failing source, payload bytes
  // that do not verify, I/O, a full disk or map — nothing changes at all. Memory stays bounded
  // by one item in LmdbStore (one write transaction); MemoryStore holds the items' payloads
  // until it applies them.
  virtual Result<ImportTotals> import(const ImportSource& next, Trust trust = Trust::kVerify,
                                      Origin origin = {}) = 0;

  virtual Result<std::optional<LengthyAuthorisedEntry>> get(const model::NamespaceId& namespace_id,
                                                            const model::SubspaceId& subspace,
                                                            const model::Path& path) = 0;

  // Streams the entries of `range` (in namespace `namespace_id`) to `fn` in the requested order.
  virtual Status query(const model::NamespaceId& namespace_id, const model::D3Range& range,
                       const QueryOptions& options, const EntryCallback& fn) = 0;
  Status query_area(const model::NamespaceId& namespace_id, const model::Area& area,
                    const QueryOptions& options, const EntryCallback& fn);
  // spec: grouping_entries#aoi_include — the entries the area of interest includes, newest
  // first: the newest max_count entries of the area whose payload lengths, with those of all
  // newer entries of the area, sum to at most max_size (docs/spec-notes.md).
  Status query_aoi(const model::NamespaceId& namespace_id, const model::AreaOfInterest& aoi,
                   const EntryCallback& fn);

  // ---- Sync support

  // Fingerprint (hash_lengthy_authorised_entries), count and payload bytes of a 3d range.
  virtual Result<RangeSummary> summarise(const model::NamespaceId& namespace_id,
                                         const model::D3Range& range) = 0;
  Result<Fingerprint> fingerprint(const model::NamespaceId& namespace_id,
                                  const model::D3Range& range);
  // At most k disjoint 3d ranges covering `range` with roughly equal entry counts (fewer when
  // the range holds fewer than k entries; always at least one).
  virtual Result<std::vector<model::D3Range>> split(const model::NamespaceId& namespace_id,
                                                    const model::D3Range& range, std::size_t k) = 0;
  // Namespace `namespace_id` as of now: immutable, usable from any thread, and able to outlive
  // the store (store/snapshot.hpp). What sync reconciles against.
  virtual Result<std::shared_ptr<const NamespaceSnapshot>> snapshot(
      const model::NamespaceId& namespace_id) = 0;

  // ---- Payloads, of stored entries (named by namespace, subspace and path). Payloads are
  // shared by all entries with the same digest and length, across namespaces, and dropped when
  // no entry references them any more.

  // nullopt when no such entry is stored.
  virtual Result<std::optional<PayloadState>> payload_state(const model::NamespaceId& namespace_id,
                                                            const model::SubspaceId& subspace,
                                                            const model::Path& path) = 0;
  // A local write of the whole payload from raw bytes, streamed through fixed memory and hashed
  // as it goes; kept only if it is exactly the entry's payload (else kVerification and nothing
  // is kept). A payload that is complete already is left alone and `source` is not read.
  virtual Result<PayloadState> write_payload(const model::NamespaceId& namespace_id,
                                             const model::SubspaceId& subspace,
                                             const model::Path& path,
                                             const PayloadSource& source) = 0;
  // Appends payload bytes already verified against `digest` by whoever received them (one
  // store/payload_receiver.hpp per stream, owned by the receiver: the store keeps no transfer
  // state), the payload's bytes [offset, offset + bytes.size()), with the frontier that makes
  // the new prefix servable (the labels of the chunks still missing; empty when unknown or
  // when the bytes complete the payload). The entry at (namespace, subspace, path) must have
  // payload digest `digest` (else kNotFound: it was overwritten or forgotten). Only bytes that
  // continue what the store holds are accepted: kOutOfRange when offset is past the held bytes
  // (a gap); the part below the held length is skipped, so a call another writer got ahead of
  // is a no-op. The new end must be a multiple of 1024 or the payload's length, and a
  // non-empty frontier must have one label per maximal subtree of the chunks still missing
  // (store/payload.hpp check_frontier_shape), else kInvalidArgument and nothing changes.
  // Completing a payload builds its outboard. Shared payloads grow for all
  // their entries (kPayloadAppended for each).
  virtual Result<PayloadState> append_verified(
      const model::NamespaceId& namespace_id, const model::SubspaceId& subspace,
      const model::Path& path, const model::PayloadDigest& digest, std::uint64_t offset,
      ByteView bytes, std::span<const crypto::BabLabel> frontier, Origin origin = {}) = 0;
  // Stores a verified prefix of the payload received elsewhere (a drop's slices): the raw bytes
  // of its first `length` bytes — whole chunks, fewer than the payload has — from `source`, and
  // the labels of the chunks not held (`frontier`, crypto/bab_prefix.hpp), which let the store
  // serve the held ones as verifiable slices. Bytes and labels must hash up to the entry's
  // digest; then they are kept unless the store holds as many bytes already (and `source` is
  // not read). Else kVerification, and nothing changes.
  virtual Result<PayloadState> write_payload_prefix(const model::NamespaceId& namespace_id,
                                                    const model::SubspaceId& subspace,
                                                    const model::Path& path, std::uint64_t length,
                                                    const PayloadSource& source,
                                                    std::span<const crypto::BabLabel> frontier) = 0;
  // Streams the held bytes [offset, offset + length) to `sink`; kOutOfRange past the held ones.
  // LmdbStore verifies them against the digest (through the outboard, cheaply) before they
  // reach `sink`: bytes damaged on disk fail with kCorrupt instead of being returned.
  virtual Status read_payload(const model::NamespaceId& namespace_id,
                              const model::SubspaceId& subspace, const model::Path& path,
                              std::uint64_t offset, std::uint64_t length, const ByteSink& sink) = 0;
  // Streams a Bab verifiable stream (any slice `opts` describes) of a complete payload from its
  // stored outboard, without rehashing; of a partial one, a slice within the held chunks,
  // rehashing the held bytes (store/payload_prefix.hpp). kNotFound for other streams of a
  // partial payload, and for a partial payload whose frontier is unknown.
  virtual Status serve_payload(const model::NamespaceId& namespace_id,
                               const model::SubspaceId& subspace, const model::Path& path,
                               const crypto::BabStreamOptions& opts, const ByteSink& sink) = 0;

  // ---- Local forgetting: drops data from this store only. Not a Willow deletion — a peer may
  // send the same entries again. Space is reclaimed: LMDB reuses the freed pages, payload files
  // are removed.

  // Forgets every entry of the range; returns how many.
  virtual Result<std::uint64_t> forget_range(const model::NamespaceId& namespace_id,
                                             const model::D3Range& range) = 0;
  Result<std::uint64_t> forget_area(const model::NamespaceId& namespace_id,
                                    const model::Area& area);
  Result<bool> forget_entry(const model::NamespaceId& namespace_id,
                            const model::SubspaceId& subspace, const model::Path& path);
  Result<std::uint64_t> forget_namespace(const model::NamespaceId& namespace_id);
  // Forgets the payload bytes of an entry (the entry stays, holding 0 bytes) — and so of every
  // entry sharing that payload.
  virtual Status forget_payload(const model::NamespaceId& namespace_id,
                                const model::SubspaceId& subspace, const model::Path& path) = 0;

  // ---- Events

  // Subscribes to the events of `area` in `namespace_id`. With `after`, first replays the logged
  // events numbered above it, so a subscriber that had seen up to `after` (say, before a
  // restart) misses nothing; fails with kOutOfRange when some of them were compacted away — then
  // re-query the area and subscribe from last_sequence(). Callbacks run after the change is
  // committed, in order, each event once (a commit racing the subscription is either replayed
  // or delivered, never both); they must not write to the store, subscribe or unsubscribe.
  // They run while the store's writers are held out (LmdbStore: its writer lock, across
  // processes), so they must be quick and must never wait on another process or on a write:
  // hand the event to a queue and return.
  // kInvalidArgument when `after` is beyond the latest event (the caller's number is not of
  // this store).
  virtual Result<SubscriptionId> subscribe(const model::NamespaceId& namespace_id,
                                           const model::Area& area,
                                           std::optional<std::uint64_t> after,
                                           EventCallback fn) = 0;
  virtual void unsubscribe(SubscriptionId id) = 0;
  // The number of the latest event (0 before the first).
  virtual Result<std::uint64_t> last_sequence() = 0;
  // Delivers to this instance's subscribers, in order, the events that other processes sharing
  // the store committed since the last delivery (their commits do not reach this process by
  // themselves). This instance's own next commit does the same before delivering its own
  // events, so a process that only reads (a daemon forwarding what `osier put` wrote) calls
  // this when it wants to see others' writes: periodically, or when woken. Callbacks run in the
  // calling thread. Events compacted out of the log before delivery are skipped (a subscriber
  // can tell from the gap in the sequence numbers and re-query the area).
  virtual Status poll_events() = 0;

  // How many distinct payloads the store keeps records for (diagnostics, tests).
  virtual Result<std::size_t> payload_count() = 0;

  // The namespaces that hold at least one entry.
  virtual Result<std::vector<model::NamespaceId>> namespaces() = 0;

  // Verifies every invariant: no entry pruned by another, hashes and aggregates equal a
  // recomputation, payload reference counts equal the references. Expensive (reads everything).
  virtual Status check() = 0;
  // check(), and also every stored payload byte against its digest and every entry's token
  // (a durable store re-reads them from disk; MemoryStore checks at ingest and keeps no copy that
  // could rot, so its deep check is check()).
  virtual Status check_deep() { return check(); }
  // What dead writers left behind, listed without removing anything (store/types.hpp); empty for
  // stores that keep nothing outside their transactions.
  virtual Result<Leftovers> leftovers() { return Leftovers{}; }
};

}  // namespace osier::store
