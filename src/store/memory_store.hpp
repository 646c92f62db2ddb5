// MemoryStore: an ephemeral Store held entirely in memory (tests, caches, short-lived peers).
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <tuple>

#include "osier/store/authoriser.hpp"
#include "osier/store/store.hpp"
#include "store/entry_index.hpp"
#include "store/payload.hpp"

namespace osier::store {

class MemoryStore final : public Store {
 public:
  // Keeps the latest `max_event_history` events for replay to subscribers.
  explicit MemoryStore(std::shared_ptr<const WriteAuthoriser> authoriser = meadowcap_authoriser(),
                       std::size_t max_event_history = std::size_t{1} << 20);

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

  Result<std::uint64_t> forget_range(const model::NamespaceId& namespace_id,
                                     const model::D3Range& range) override;
  Status forget_payload(const model::NamespaceId& namespace_id, const model::SubspaceId& subspace,
                        const model::Path& path) override;
  Result<SubscriptionId> subscribe(const model::NamespaceId& namespace_id, const model::Area& area,
                                   std::optional<std::uint64_t> after, EventCallback fn) override;
  void unsubscribe(SubscriptionId id) override;
  Result<std::uint64_t> last_sequence() override;
  // Nothing to do: no other process writes to a MemoryStore.
  Status poll_events() override { return Status::ok(); }
  Result<std::size_t> payload_count() override;

 private:
  using EntryRef = std::tuple<model::NamespaceId, model::SubspaceId, model::Path>;
  struct Payload {
    std::set<EntryRef> refs;                      // the entries sharing this payload
    Bytes data;                                   // the held (verified) prefix
    std::optional<crypto::BabOutboard> outboard;  // once complete
    std::vector<crypto::BabLabel> frontier;       // while partial, if known (payload_prefix.hpp)
  };

  // Ingests `entry`. With `whole`, the entry comes with its whole payload (`whole->data` empty
  // when the payload is held complete already): the payload is kept even when the entry's own
  // pruning drops every other reference to it, and is complete before the entry is inserted.
  IngestResult ingest_locked(const AuthorisedEntry& entry, Trust trust, Payload* whole = nullptr);
  // Reads and verifies a local write of the whole payload (store/payload.hpp copy_payload).
  static Result<Payload> read_whole_payload(const model::Entry& entry, const PayloadSource& source);
  const EntryIndex* find_namespace(const model::NamespaceId& namespace_id) const;
  const IndexItem* find_item(const model::NamespaceId& namespace_id,
                             const model::SubspaceId& subspace, const model::Path& path) const;
  // Drops the entry's reference to its payload. A payload left without references stays until
  // the write ends (WriteScope), like LmdbStore's until its transaction ends: an entry of the
  // same payload inserted later in the same write takes it over with the bytes held.
  void unref_payload(const model::Entry& entry);
  // Drops the payloads unref_payload left without references that are still without.
  void drop_unreferenced();
  // Records that the payload's held bytes changed: updates every referencing entry's hash
  // (but `skip`'s) and emits `kind` for each.
  void payload_grew(Payload& payload, EventKind kind, const EntryRef* skip = nullptr);
  void emit(EventKind kind, const model::Entry& entry, std::uint64_t available);
  // One write (REQUIRES: mu_ is held): sets origin_ for its changes, and at its end makes
  // origin_ local again and drops the payloads it left without references.
  struct WriteScope {
    WriteScope(MemoryStore& store, Origin origin) : store_(store) { store_.origin_ = origin; }
    ~WriteScope() {
      store_.drop_unreferenced();
      store_.origin_ = Origin::local();
    }
    WriteScope(const WriteScope&) = delete;
    WriteScope& operator=(const WriteScope&) = delete;
    MemoryStore& store_;
  };

  std::mutex mu_;
  std::shared_ptr<const WriteAuthoriser> authoriser_;
  std::map<model::NamespaceId, EntryIndex> namespaces_;
  std::map<PayloadKey, Payload> payloads_;
  std::vector<PayloadKey> unreferenced_;  // by the write under way (unref_payload)
  std::size_t max_history_;
  std::deque<StoreEvent> history_;
  std::uint64_t last_seq_ = 0;
  Origin origin_;  // of the change under way (under mu_; local between changes)
  EventHub hub_;
};

}  // namespace osier::store
