#include "store/memory_store.hpp"

#include "osier/store/memory.hpp"
#include "store/index_snapshot.hpp"
#include "store/ingest_plan.hpp"
#include "store/payload_prefix.hpp"

namespace osier::store {

std::unique_ptr<Store> make_memory_store(std::shared_ptr<const WriteAuthoriser> authoriser,
                                         std::size_t max_event_history) {
  return std::make_unique<MemoryStore>(std::move(authoriser), max_event_history);
}

MemoryStore::MemoryStore(std::shared_ptr<const WriteAuthoriser> authoriser,
                         std::size_t max_event_history)
    : authoriser_(std::move(authoriser)), max_history_(max_event_history) {}

void MemoryStore::emit(EventKind kind, const model::Entry& entry, std::uint64_t available) {
  StoreEvent ev{++last_seq_, kind, entry, available, origin_};
  history_.push_back(ev);
  while (history_.size() > max_history_) history_.pop_front();
  hub_.dispatch(ev);
}

Result<SubscriptionId> MemoryStore::subscribe(const model::NamespaceId& ns, const model::Area& area,
                                              std::optional<std::uint64_t> after,
                                              EventCallback fn) {
  std::lock_guard lock(mu_);
  if (after && *after > last_seq_) return after_beyond_latest(*after, last_seq_);
  if (after) {
    const std::uint64_t oldest = history_.empty() ? last_seq_ + 1 : history_.front().seq;
    if (*after + 1 < oldest) {
      return error(ErrorCode::kOutOfRange,
                   "events after " + std::to_string(*after) + " were compacted; re-query the area");
    }
    for (const auto& ev : history_) {
      if (ev.seq > *after && event_matches(ev, ns, area)) fn(ev);
    }
  }
  return hub_.add(ns, area, std::move(fn));
}

void MemoryStore::unsubscribe(SubscriptionId id) {
  std::lock_guard lock(mu_);
  hub_.remove(id);
}

Result<std::uint64_t> MemoryStore::last_sequence() {
  std::lock_guard lock(mu_);
  return last_seq_;
}

const EntryIndex* MemoryStore::find_namespace(const model::NamespaceId& namespace_id) const {
  auto it = namespaces_.find(namespace_id);
  return it == namespaces_.end() ? nullptr : &it->second;
}

IngestResult MemoryStore::ingest_locked(const AuthorisedEntry& ae, Trust trust, Payload* whole) {
  if (trust == Trust::kVerify) {
    Status st = authoriser_->verify(ae.entry, ae.token);
    if (!st) return IngestResult::rejected(std::move(st));
  }
  EntryIndex& index = namespaces_[ae.entry.namespace_id];
  // An in-memory view never fails.
  IngestPlan plan = plan_ingest(EntryIndexView(index), ae.entry).value();
  if (plan.obsolete) return IngestResult::obsolete();
  const PayloadKey key = payload_key(ae.entry);
  for (const model::Path& p : plan.pruned) {
    auto old = index.erase(ae.entry.subspace_id, p);
    if (!old) continue;
    unref_payload(old->entry);
    emit(EventKind::kPruned, old->entry, old->available);
  }
  Payload& payload = payloads_[key];
  const bool grows = whole && payload.data.size() != ae.entry.payload_length;
  if (grows) {
    payload.data = std::move(whole->data);
    payload.outboard = std::move(whole->outboard);
    payload.frontier.clear();
  }
  const EntryRef ref{ae.entry.namespace_id, ae.entry.subspace_id, ae.entry.path};
  payload.refs.insert(ref);
  const std::uint64_t available = payload.data.size();
  index.insert(IndexItem{ae.entry, available,
                         hash_lengthy_authorised_entry(ae.entry, ae.token, available), ae.token});
  emit(EventKind::kInserted, ae.entry, available);
  if (grows) payload_grew(payload, EventKind::kPayloadAppended, &ref);  // the others sharing it
  return IngestResult::inserted(plan.pruned.size());
}

void MemoryStore::unref_payload(const model::Entry& e) {
  auto it = payloads_.find(payload_key(e));
  if (it == payloads_.end()) return;
  it->second.refs.erase(EntryRef{e.namespace_id, e.subspace_id, e.path});
  if (it->second.refs.empty()) unreferenced_.push_back(it->first);
}

void MemoryStore::drop_unreferenced() {
  for (const PayloadKey& key : unreferenced_) {
    auto it = payloads_.find(key);
    if (it != payloads_.end() && it->second.refs.empty()) payloads_.erase(it);
  }
  unreferenced_.clear();
}

void MemoryStore::payload_grew(Payload& payload, EventKind kind, const EntryRef* skip) {
  for (const EntryRef& ref : payload.refs) {
    if (skip && ref == *skip) continue;
    const auto& [ns, ss, path] = ref;
    EntryIndex& index = namespaces_[ns];
    const IndexItem* item = index.find(ss, path);
    if (!item) continue;
    const std::uint64_t available = payload.data.size();
    index.update_available(ss, path, available,
                           hash_lengthy_authorised_entry(item->entry, item->token, available));
    emit(kind, item->entry, available);
  }
}

const IndexItem* MemoryStore::find_item(const model::NamespaceId& ns,
                                        const model::SubspaceId& subspace,
                                        const model::Path& path) const {
  const EntryIndex* index = find_namespace(ns);
  return index ? index->find(subspace, path) : nullptr;
}

Result<std::size_t> MemoryStore::payload_count() {
  std::lock_guard lock(mu_);
  return payloads_.size();
}

Result<std::optional<PayloadState>> MemoryStore::payload_state(const model::NamespaceId& ns,
                                                               const model::SubspaceId& subspace,
                                                               const model::Path& path) {
  std::lock_guard lock(mu_);
  const IndexItem* item = find_item(ns, subspace, path);
  if (!item) return std::optional<PayloadState>();
  return std::optional(PayloadState{item->entry.payload_length, item->available});
}

Result<MemoryStore::Payload> MemoryStore::read_whole_payload(const model::Entry& entry,
                                                             const PayloadSource& source) {
  Payload whole;
  Bytes outboard;
  OSIER_RETURN_IF_ERROR(copy_payload(entry, source, append_to(whole.data), append_to(outboard)));
  whole.outboard =
      crypto::BabOutboard{entry.payload_length, entry.payload_digest, std::move(outboard)};
  return whole;
}

Result<IngestResult> MemoryStore::ingest_with_payload(const AuthorisedEntry& ae,
                                                      const PayloadSource& source, Trust trust,
                                                      Origin origin) {
  std::lock_guard lock(mu_);
  WriteScope scope(*this, origin);
  const model::Entry& e = ae.entry;
  if (trust == Trust::kVerify) {
    Status st = authoriser_->verify(e, ae.token);
    if (!st) return IngestResult::rejected(std::move(st));
  }
  // Decide before reading a byte; nothing below can fail once the bytes are verified.
  const EntryIndex* index = find_namespace(e.namespace_id);
  if (index && plan_ingest(EntryIndexView(*index), e).value().obsolete)
    return IngestResult::obsolete();
  auto held = payloads_.find(payload_key(e));
  Payload whole;
  if ((held == payloads_.end() ? 0 : held->second.data.size()) < e.payload_length) {
    OSIER_ASSIGN_OR_RETURN(whole, read_whole_payload(e, source));
  }
  return ingest_locked(ae, Trust::kAlreadyVerified, &whole);
}

Result<ImportTotals> MemoryStore::import(const ImportSource& next, Trust trust, Origin origin) {
  std::lock_guard lock(mu_);
  WriteScope scope(*this, origin);
  // Everything that can fail happens first — reading the items and verifying their payload
  // bytes — so that applying them cannot fail halfway.
  struct Read {
    ImportItem item;
    Payload payload;
  };
  std::vector<Read> items;
  for (;;) {
    OSIER_ASSIGN_OR_RETURN(std::optional<ImportItem> item, next());
    if (!item) break;
    Read r{std::move(*item), {}};
    const model::Entry& e = r.item.entry.entry;
    if (r.item.payload_bytes == e.payload_length && e.payload_length > 0) {
      OSIER_ASSIGN_OR_RETURN(r.payload, read_whole_payload(e, r.item.payload));
    } else if (r.item.payload_bytes > 0) {
      OSIER_RETURN_IF_ERROR(copy_prefix(e, r.item.payload_bytes, r.item.payload, r.item.frontier,
                                        append_to(r.payload.data)));
      r.payload.frontier = r.item.frontier;
    }
    items.push_back(std::move(r));
  }
  ImportTotals totals;
  for (Read& r : items) {
    const model::Entry& e = r.item.entry.entry;
    if (!totals.count(ingest_locked(r.item.entry, trust))) continue;
    const IndexItem* stored = find_item(e.namespace_id, e.subspace_id, e.path);
    if (r.item.payload_bytes == 0 || !stored || stored->entry != e) continue;
    Payload& payload = payloads_[payload_key(e)];
    if (payload.data.size() >= r.payload.data.size()) continue;
    totals.payload_bytes += r.payload.data.size() - payload.data.size();
    ++(r.payload.outboard ? totals.payloads_completed : totals.prefixes_stored);
    payload.data = std::move(r.payload.data);
    payload.outboard = std::move(r.payload.outboard);
    payload.frontier = std::move(r.payload.frontier);
    payload_grew(payload, EventKind::kPayloadAppended);
  }
  return totals;
}

Result<PayloadState> MemoryStore::write_payload(const model::NamespaceId& ns,
                                                const model::SubspaceId& subspace,
                                                const model::Path& path,
                                                const PayloadSource& source) {
  std::lock_guard lock(mu_);
  const IndexItem* item = find_item(ns, subspace, path);
  if (!item) return error(ErrorCode::kNotFound, "no such entry");
  const model::Entry entry = item->entry;
  Payload& payload = payloads_[payload_key(entry)];
  if (payload.data.size() == entry.payload_length) {
    return PayloadState{entry.payload_length, entry.payload_length};
  }
  OSIER_ASSIGN_OR_RETURN(Payload whole, read_whole_payload(entry, source));
  payload.data = std::move(whole.data);
  payload.outboard = std::move(whole.outboard);
  payload.frontier.clear();
  payload_grew(payload, EventKind::kPayloadAppended);
  return PayloadState{entry.payload_length, entry.payload_length};
}

Result<PayloadState> MemoryStore::write_payload_prefix(
    const model::NamespaceId& ns, const model::SubspaceId& subspace, const model::Path& path,
    std::uint64_t length, const PayloadSource& source, std::span<const crypto::BabLabel> frontier) {
  std::lock_guard lock(mu_);
  const IndexItem* item = find_item(ns, subspace, path);
  if (!item) return error(ErrorCode::kNotFound, "no such entry");
  const model::Entry entry = item->entry;
  Payload& payload = payloads_[payload_key(entry)];
  if (payload.data.size() >= length) return PayloadState{entry.payload_length, payload.data.size()};
  Bytes bytes;
  OSIER_RETURN_IF_ERROR(copy_prefix(entry, length, source, frontier, append_to(bytes)));
  payload.data = std::move(bytes);
  payload.frontier.assign(frontier.begin(), frontier.end());
  payload_grew(payload, EventKind::kPayloadAppended);
  return PayloadState{entry.payload_length, payload.data.size()};
}

Result<PayloadState> MemoryStore::append_verified(
    const model::NamespaceId& ns, const model::SubspaceId& subspace, const model::Path& path,
    const model::PayloadDigest& digest, std::uint64_t offset, ByteView bytes,
    std::span<const crypto::BabLabel> frontier, Origin origin) {
  std::lock_guard lock(mu_);
  WriteScope scope(*this, origin);
  const IndexItem* item = find_item(ns, subspace, path);
  if (!item) return error(ErrorCode::kNotFound, "no such entry");
  const model::Entry entry = item->entry;
  Payload& payload = payloads_[payload_key(entry)];
  OSIER_ASSIGN_OR_RETURN(std::optional<ByteView> fresh,
                         continuation(entry, digest, payload.data.size(), offset, bytes));
  if (!fresh) return PayloadState{entry.payload_length, payload.data.size()};
  const std::uint64_t now_held = payload.data.size() + fresh->size();
  if (now_held != entry.payload_length) {
    OSIER_RETURN_IF_ERROR(check_frontier_shape(entry.payload_length, now_held, frontier));
  }
  append(payload.data, *fresh);
  if (payload.data.size() == entry.payload_length) {
    payload.frontier.clear();
    auto ob = crypto::bab_outboard(payload.data);
    if (!ob) return ob.status();
    payload.outboard = std::move(*ob);
  } else {
    payload.frontier.assign(frontier.begin(), frontier.end());
  }
  payload_grew(payload, EventKind::kPayloadAppended);
  return PayloadState{entry.payload_length, payload.data.size()};
}

Status MemoryStore::read_payload(const model::NamespaceId& ns, const model::SubspaceId& subspace,
                                 const model::Path& path, std::uint64_t offset,
                                 std::uint64_t length, const ByteSink& sink) {
  std::lock_guard lock(mu_);
  const IndexItem* item = find_item(ns, subspace, path);
  if (!item) return error(ErrorCode::kNotFound, "no such entry");
  auto it = payloads_.find(payload_key(item->entry));
  const std::uint64_t held = it == payloads_.end() ? 0 : it->second.data.size();
  if (offset > held || length > held - offset) {
    return error(ErrorCode::kOutOfRange, "payload bytes not held");
  }
  if (length == 0) return Status::ok();
  return sink(ByteView(it->second.data).subspan(offset, length));
}

Status MemoryStore::serve_payload(const model::NamespaceId& ns, const model::SubspaceId& subspace,
                                  const model::Path& path, const crypto::BabStreamOptions& opts,
                                  const ByteSink& sink) {
  std::lock_guard lock(mu_);
  const IndexItem* item = find_item(ns, subspace, path);
  if (!item) return error(ErrorCode::kNotFound, "no such entry");
  if (item->entry.payload_length == 0) {
    // The empty payload is held by every entry that names it, whatever record it has.
    const crypto::BabOutboard empty_outboard = crypto::bab_outboard(ByteView()).value();
    BytesReader data(ByteView{});
    BytesReader outboard(empty_outboard.pairs);
    return crypto::bab_produce_stream(opts, 0, data, outboard, sink);
  }
  auto it = payloads_.find(payload_key(item->entry));
  if (it == payloads_.end()) return error(ErrorCode::kNotFound, "payload is not complete");
  if (!it->second.outboard) {
    BytesReader held(it->second.data);
    return serve_prefix(item->entry, it->second.data.size(), it->second.frontier, held, opts, "",
                        sink);
  }
  BytesReader data(it->second.data);
  BytesReader outboard(it->second.outboard->pairs);
  return crypto::bab_produce_stream(opts, item->entry.payload_length, data, outboard, sink);
}

Result<std::uint64_t> MemoryStore::forget_range(const model::NamespaceId& ns,
                                                const model::D3Range& range) {
  std::lock_guard lock(mu_);
  WriteScope scope(*this, Origin::local());
  auto it = namespaces_.find(ns);
  if (it == namespaces_.end()) return std::uint64_t{0};
  std::vector<std::pair<model::SubspaceId, model::Path>> keys;
  it->second.visit(range, [&](const IndexItem& item) {
    keys.emplace_back(item.entry.subspace_id, item.entry.path);
    return true;
  });
  for (const auto& [ss, path] : keys) {
    auto old = it->second.erase(ss, path);
    if (!old) continue;
    unref_payload(old->entry);
    emit(EventKind::kForgotten, old->entry, old->available);
  }
  if (it->second.size() == 0) namespaces_.erase(it);
  return std::uint64_t{keys.size()};
}

Status MemoryStore::forget_payload(const model::NamespaceId& ns, const model::SubspaceId& subspace,
                                   const model::Path& path) {
  std::lock_guard lock(mu_);
  const IndexItem* item = find_item(ns, subspace, path);
  if (!item) return error(ErrorCode::kNotFound, "no such entry");
  auto it = payloads_.find(payload_key(item->entry));
  if (it == payloads_.end()) return Status::ok();
  Payload& p = it->second;
  p.data.clear();
  p.data.shrink_to_fit();
  p.outboard.reset();
  p.frontier.clear();
  payload_grew(p, EventKind::kPayloadForgotten);
  return Status::ok();
}

Result<IngestResult> MemoryStore::ingest(const AuthorisedEntry& entry, Trust trust, Origin origin) {
  std::lock_guard lock(mu_);
  WriteScope scope(*this, origin);
  return ingest_locked(entry, trust);
}

Result<std::vector<IngestResult>> MemoryStore::ingest_batch(
    std::span<const AuthorisedEntry> entries, Trust trust, Origin origin) {
  std::lock_guard lock(mu_);
  WriteScope scope(*this, origin);
  std::vector<IngestResult> out;
  out.reserve(entries.size());
  for (const auto& e : entries) out.push_back(ingest_locked(e, trust));
  return out;
}

Result<std::optional<LengthyAuthorisedEntry>> MemoryStore::get(
    const model::NamespaceId& namespace_id, const model::SubspaceId& subspace,
    const model::Path& path) {
  std::lock_guard lock(mu_);
  const EntryIndex* index = find_namespace(namespace_id);
  const IndexItem* item = index ? index->find(subspace, path) : nullptr;
  if (!item) return std::optional<LengthyAuthorisedEntry>();
  return std::optional(LengthyAuthorisedEntry{{item->entry, item->token}, item->available});
}

Status MemoryStore::query(const model::NamespaceId& namespace_id, const model::D3Range& range,
                          const QueryOptions& options, const EntryCallback& fn) {
  std::lock_guard lock(mu_);
  const EntryIndex* index = find_namespace(namespace_id);
  if (!index) return Status::ok();
  return query_index(
      EntryIndexView(*index), range, options,
      [](const IndexItem& item) -> Result<LengthyAuthorisedEntry> {
        return LengthyAuthorisedEntry{{item.entry, item.token}, item.available};
      },
      fn);
}

Result<RangeSummary> MemoryStore::summarise(const model::NamespaceId& namespace_id,
                                            const model::D3Range& range) {
  std::lock_guard lock(mu_);
  const EntryIndex* index = find_namespace(namespace_id);
  if (!index) return RangeSummary{};
  return index->summarise(range);
}

Result<std::shared_ptr<const NamespaceSnapshot>> MemoryStore::snapshot(
    const model::NamespaceId& namespace_id) {
  // A copy of the namespace's index, tokens included: O(n), as befits an ephemeral store.
  auto copy = std::make_shared<EntryIndex>();
  {
    std::lock_guard lock(mu_);
    if (const EntryIndex* index = find_namespace(namespace_id)) {
      index->visit(model::D3Range::full(), [&](const IndexItem& item) {
        copy->insert(item);
        return true;
      });
    }
  }
  auto view = std::make_unique<const EntryIndexView>(*copy);
  IndexSnapshot::Load load = [](const IndexItem& item) -> Result<LengthyAuthorisedEntry> {
    return LengthyAuthorisedEntry{AuthorisedEntry{item.entry, item.token}, item.available};
  };
  return std::shared_ptr<const NamespaceSnapshot>(std::make_shared<IndexSnapshot>(
      namespace_id, std::move(copy), std::move(view), std::move(load), /*serialise=*/false));
}

Result<std::vector<model::D3Range>> MemoryStore::split(const model::NamespaceId& namespace_id,
                                                       const model::D3Range& range, std::size_t k) {
  std::lock_guard lock(mu_);
  const EntryIndex* index = find_namespace(namespace_id);
  if (!index) return std::vector<model::D3Range>{range};
  return index->split(range, k);
}

Result<std::vector<model::NamespaceId>> MemoryStore::namespaces() {
  std::lock_guard lock(mu_);
  std::vector<model::NamespaceId> out;
  for (const auto& [ns, index] : namespaces_) {
    if (index.size() > 0) out.push_back(ns);
  }
  return out;
}

Status MemoryStore::check() {
  std::lock_guard lock(mu_);
  for (const auto& kv : namespaces_) {
    const model::NamespaceId& ns = kv.first;  // (a named variable: lambdas capture it below)
    const EntryIndex& index = kv.second;
    OSIER_RETURN_IF_ERROR(index.check());
    OSIER_RETURN_IF_ERROR(check_no_pruning(EntryIndexView(index)));
    Status st;
    index.visit(model::D3Range::full(), [&](const IndexItem& item) {
      if (item.entry.namespace_id != ns) {
        st = error(ErrorCode::kCorrupt, "entry filed under another namespace");
      } else if (!(hash_lengthy_authorised_entry(item.entry, item.token, item.available) ==
                   item.hash)) {
        st = error(ErrorCode::kCorrupt, "stored entry hash differs from a recomputation");
      }
      return st.is_ok();
    });
    OSIER_RETURN_IF_ERROR(st);
  }
  // Payload references: exactly the stored entries, each payload held by someone.
  std::size_t refs = 0;
  for (const auto& [key, payload] : payloads_) {
    if (payload.refs.empty()) return error(ErrorCode::kCorrupt, "unreferenced payload kept");
    for (const auto& [ns, ss, path] : payload.refs) {
      const IndexItem* item = find_item(ns, ss, path);
      if (!item || payload_key(item->entry) != key) {
        return error(ErrorCode::kCorrupt, "payload reference to a missing entry");
      }
      if (item->available != payload.data.size()) {
        return error(ErrorCode::kCorrupt, "entry's available length differs from its payload");
      }
    }
    if (!payload.frontier.empty() && !payload.outboard) {
      const model::Entry& e =
          find_item(std::get<0>(*payload.refs.begin()), std::get<1>(*payload.refs.begin()),
                    std::get<2>(*payload.refs.begin()))
              ->entry;
      BytesReader held(payload.data);
      Status st = check_prefix(e, payload.data.size(), payload.frontier, held);
      if (!st) return error(ErrorCode::kCorrupt, "a partial payload's frontier: " + st.message());
    }
    refs += payload.refs.size();
  }
  std::size_t entries = 0;
  for (const auto& [ns, index] : namespaces_) entries += index.size();
  if (refs != entries) return error(ErrorCode::kCorrupt, "entries without payload references");
  return Status::ok();
}

}  // namespace osier::store
