// IndexSnapshot: the NamespaceSnapshot of both stores, answering from an IndexView that stays
// unchanged for the snapshot's life (LmdbStore: a tree in a read transaction; MemoryStore: a
// copy of the namespace's index).
//
// Thread safety: with `serialise`, calls run one at a time under the snapshot's own mutex (an
// LMDB transaction must not be used by two threads at once); without, the view must be safe
// for concurrent const use.
#pragma once

#include <functional>
#include <memory>
#include <mutex>

#include "osier/store/snapshot.hpp"
#include "store/index_view.hpp"

namespace osier::store {

class IndexSnapshot final : public NamespaceSnapshot {
 public:
  // The full stored entry (its token) of an indexed item, from the same moment as the view.
  using Load = std::function<Result<LengthyAuthorisedEntry>(const IndexItem&)>;

  // Whether the entry stored at (entry's subspace, path) is `entry` with `token`, from the same
  // moment as the view, when the store answers that faster than the index (LmdbStore: one
  // lookup of the entry's record, against a descent of the tree).
  using Holds = std::function<Result<bool>(const model::Entry&, ByteView token)>;

  // `state` keeps alive what `view`, `load` and `holds` read (destroyed after them). Without
  // `holds`, holds_exactly asks the view.
  IndexSnapshot(const model::NamespaceId& namespace_id, std::shared_ptr<void> state,
                std::unique_ptr<const IndexView> view, Load load, bool serialise, Holds holds = {});

  const model::NamespaceId& namespace_id() const override { return namespace_id_; }
  Result<RangeSummary> summarise(const model::D3Range& range) const override;
  Result<std::vector<RangePart>> split(
      const model::D3Range& range, std::size_t k,
      const std::optional<RangeSummary>& summary = std::nullopt) const override;
  Status scan(const model::D3Range& range, const std::optional<ScanPosition>& after,
              const ScanCallback& fn, const ScanSkip& skip = {}) const override;
  Result<model::D3Range> aoi_range(const model::AreaOfInterest& aoi) const override;
  Result<std::optional<LengthyAuthorisedEntry>> get(const model::SubspaceId& subspace,
                                                    const model::Path& path) const override;
  Result<bool> holds_exactly(const model::Entry& entry, ByteView token) const override;

 private:
  std::unique_lock<std::mutex> lock() const;

  model::NamespaceId namespace_id_;
  std::shared_ptr<void> state_;
  std::unique_ptr<const IndexView> view_;
  Load load_;
  Holds holds_;
  bool serialise_;
  mutable std::mutex mu_;
};

}  // namespace osier::store
