#include "store/memory_store.hpp"

#include "store/ingest_plan.hpp"

namespace osier::store {

MemoryStore::MemoryStore(std::shared_ptr<const WriteAuthoriser> authoriser)
    : authoriser_(std::move(authoriser)) {}

const EntryIndex* MemoryStore::find_namespace(const model::NamespaceId& namespace_id) const {
  auto it = namespaces_.find(namespace_id);
  return it == namespaces_.end() ? nullptr : &it->second;
}

IngestResult MemoryStore::ingest_locked(const AuthorisedEntry& ae, Trust trust) {
  if (trust == Trust::kVerify) {
    Status st = authoriser_->verify(ae.entry, ae.token);
    if (!st) return IngestResult::rejected(std::move(st));
  }
  EntryIndex& index = namespaces_[ae.entry.namespace_id];
  IngestPlan plan = plan_ingest(index, ae.entry);
  if (plan.obsolete) return IngestResult::obsolete();
  for (const model::Path& p : plan.pruned) (void)index.erase(ae.entry.subspace_id, p);
  const std::uint64_t available = 0;
  index.insert(IndexItem{ae.entry, available,
                         hash_lengthy_authorised_entry(ae.entry, ae.token, available), ae.token});
  return IngestResult::inserted(plan.pruned.size());
}

Result<IngestResult> MemoryStore::ingest(const AuthorisedEntry& entry, Trust trust) {
  std::lock_guard lock(mu_);
  return ingest_locked(entry, trust);
}

Result<std::vector<IngestResult>> MemoryStore::ingest_batch(
    std::span<const AuthorisedEntry> entries, Trust trust) {
  std::lock_guard lock(mu_);
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
      *index, range, options,
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

Result<std::vector<model::D3Range>> MemoryStore::split(const model::NamespaceId& namespace_id,
                                                       const model::D3Range& range,
                                                       std::size_t k) {
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
  for (const auto& [ns, index] : namespaces_) {
    OSIER_RETURN_IF_ERROR(index.check());
    OSIER_RETURN_IF_ERROR(check_no_pruning(index));
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
  return Status::ok();
}

}  // namespace osier::store
