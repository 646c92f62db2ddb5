// EntryIndex: the entries of one namespace in an augmented search tree, answering the 3d
// queries sync needs from subtree aggregates.
//
// The tree is a treap ordered by (subspace, path) — one linearisation of Willow space, in which a
// store holds at most one entry per key. Every node carries the aggregates of its subtree: the
// fingerprint sum, the entry count, the payload byte total, the least and greatest timestamp,
// and its least and greatest key. A 3d range query descends the tree and takes a subtree's
// aggregates whole when the subtree lies inside the range, skips it when it lies outside (by key
// or by its time span), and otherwise looks inside. For ranges whose time side is full this
// visits O(s · log n) nodes, s being the number of subspaces the range's path side cuts through.
//
// Not thread-safe; the owning store serialises access.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "osier/base/status.hpp"
#include "osier/model/entry.hpp"
#include "osier/model/range.hpp"
#include "osier/store/fingerprint.hpp"
#include "osier/store/types.hpp"
#include "store/index_view.hpp"

namespace osier::store {

class EntryIndex {
 public:
  using Visitor = std::function<bool(const IndexItem&)>;  // return false to stop

  EntryIndex();
  ~EntryIndex();
  EntryIndex(EntryIndex&&) noexcept;
  EntryIndex& operator=(EntryIndex&&) noexcept;

  std::size_t size() const;
  const IndexItem* find(const model::SubspaceId& subspace, const model::Path& path) const;
  // REQUIRES: no item with the same subspace and path.
  void insert(IndexItem item);
  std::optional<IndexItem> erase(const model::SubspaceId& subspace, const model::Path& path);
  // Changes the available length and hash of an item; false if there is none.
  bool update_available(const model::SubspaceId& subspace, const model::Path& path,
                        std::uint64_t available, const Fp256& hash);

  // Fingerprint, count and payload bytes of the items `range` includes.
  RangeSummary summarise(const model::D3Range& range) const;
  // The items `range` includes, ascending by (subspace, path).
  void visit(const model::D3Range& range, const Visitor& fn) const;
  // The items `range` includes, newest first (newer_than order; items equal in it by ascending
  // key); lazily, with memory proportional to the items visited.
  void visit_newest_first(const model::D3Range& range, const Visitor& fn) const;
  // At most k disjoint 3d ranges whose union is `range`, holding roughly equal numbers of
  // items; fewer than k when the range holds fewer than k items (at least one range).
  std::vector<model::D3Range> split(const model::D3Range& range, std::size_t k) const;
  // The i-th (0-based) item of the range in key order, or nullopt.
  std::optional<IndexItem> select(const model::D3Range& range, std::uint64_t i) const;
  // The same, and the summary of the range's items before it (when there is one).
  std::optional<IndexItem> select(const model::D3Range& range, std::uint64_t i,
                                  RangeSummary& below) const;

  // Verifies the tree order, the heap order of priorities, and every node's aggregates against
  // a recomputation from its children.
  Status check() const;

  struct Node;  // implementation detail (entry_index.cpp)

 private:
  std::unique_ptr<Node> root_;
  std::uint64_t prio_state_;
};

// An EntryIndex seen through the IndexView interface (its calls never fail).
class EntryIndexView final : public IndexView {
 public:
  explicit EntryIndexView(const EntryIndex& index) : index_(index) {}

  Result<std::optional<IndexItem>> find(const model::SubspaceId& subspace,
                                        const model::Path& path) const override {
    const IndexItem* item = index_.find(subspace, path);
    return item ? std::optional(*item) : std::nullopt;
  }
  Status visit(const model::D3Range& range, const Visitor& fn,
               const Skip& skip = {}) const override {
    if (!skip) {
      index_.visit(range, fn);
    } else {
      index_.visit(range, [&](const IndexItem& item) { return skip(item.hash) || fn(item); });
    }
    return Status::ok();
  }
  Status visit_newest_first(const model::D3Range& range, const Visitor& fn) const override {
    index_.visit_newest_first(range, fn);
    return Status::ok();
  }
  Result<RangeSummary> summarise(const model::D3Range& range) const override {
    return index_.summarise(range);
  }
  Result<std::optional<IndexItem>> select(const model::D3Range& range,
                                          std::uint64_t i) const override {
    return index_.select(range, i);
  }
  Result<SelectedPair> select_pair(const model::D3Range& range, std::uint64_t i) const override {
    SelectedPair out;
    out.at = index_.select(range, i, out.below);
    if (out.at) out.before = index_.select(range, i - 1);
    return out;
  }

 private:
  const EntryIndex& index_;
};

}  // namespace osier::store
