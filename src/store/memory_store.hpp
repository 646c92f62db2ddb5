// MemoryStore: an ephemeral Store held entirely in memory (tests, caches, short-lived peers).
#pragma once

#include <map>
#include <memory>
#include <mutex>

#include "store/authoriser.hpp"
#include "store/entry_index.hpp"
#include "store/store.hpp"

namespace osier::store {

class MemoryStore final : public Store {
 public:
  explicit MemoryStore(std::shared_ptr<const WriteAuthoriser> authoriser = meadowcap_authoriser());

  Result<IngestResult> ingest(const AuthorisedEntry& entry, Trust trust = Trust::kVerify) override;
  Result<std::vector<IngestResult>> ingest_batch(std::span<const AuthorisedEntry> entries,
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

 private:
  IngestResult ingest_locked(const AuthorisedEntry& entry, Trust trust);
  const EntryIndex* find_namespace(const model::NamespaceId& namespace_id) const;

  std::mutex mu_;
  std::shared_ptr<const WriteAuthoriser> authoriser_;
  std::map<model::NamespaceId, EntryIndex> namespaces_;
};

}  // namespace osier::store
