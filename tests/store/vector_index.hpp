// VectorIndex: the test oracle for every IndexView — a sorted vector, answering each query by
// looking at every item. Obviously right, and slow.
#pragma once

#include <algorithm>
#include <optional>
#include <vector>

#include "osier/model/range.hpp"
#include "store/aggregate.hpp"
#include "store/index_view.hpp"

namespace osier::store::testing {

class VectorIndex final : public IndexView {
 public:
  static bool key_less(const IndexItem& a, const IndexItem& b) {
    if (a.entry.subspace_id != b.entry.subspace_id)
      return a.entry.subspace_id < b.entry.subspace_id;
    return a.entry.path < b.entry.path;
  }

  // Adds the item, replacing one with the same key.
  void put(const IndexItem& item) {
    auto it = std::lower_bound(items_.begin(), items_.end(), item, key_less);
    if (it != items_.end() && !key_less(item, *it)) {
      *it = item;
    } else {
      items_.insert(it, item);
    }
  }
  bool erase(const model::SubspaceId& s, const model::Path& p) {
    auto it = std::find_if(items_.begin(), items_.end(), [&](const IndexItem& i) {
      return i.entry.subspace_id == s && i.entry.path == p;
    });
    if (it == items_.end()) return false;
    items_.erase(it);
    return true;
  }
  const std::vector<IndexItem>& items() const { return items_; }

  Result<std::optional<IndexItem>> find(const model::SubspaceId& s,
                                        const model::Path& p) const override {
    for (const IndexItem& i : items_) {
      if (i.entry.subspace_id == s && i.entry.path == p) return std::optional(i);
    }
    return std::optional<IndexItem>();
  }
  Status visit(const model::D3Range& range, const Visitor& fn,
               const Skip& skip = {}) const override {
    for (const IndexItem& i : items_) {
      if (range.includes(i.entry) && !(skip && skip(i.hash)) && !fn(i)) break;
    }
    return Status::ok();
  }
  Status visit_newest_first(const model::D3Range& range, const Visitor& fn) const override {
    std::vector<IndexItem> in;
    for (const IndexItem& i : items_) {
      if (range.includes(i.entry)) in.push_back(i);
    }
    std::stable_sort(in.begin(), in.end(), [](const IndexItem& a, const IndexItem& b) {
      return model::newer_than(a.entry, b.entry);
    });
    for (const IndexItem& i : in) {
      if (!fn(i)) break;
    }
    return Status::ok();
  }
  Result<RangeSummary> summarise(const model::D3Range& range) const override {
    Aggregate a;
    for (const IndexItem& i : items_) {
      if (range.includes(i.entry)) a.add(Aggregate::single(i.hash, i.entry));
    }
    return a.summary();
  }
  Result<std::optional<IndexItem>> select(const model::D3Range& range,
                                          std::uint64_t n) const override {
    for (const IndexItem& i : items_) {
      if (range.includes(i.entry) && n-- == 0) return std::optional(i);
    }
    return std::optional<IndexItem>();
  }

  // Split like an index with a time order (IndexView's linear select_pair_by_time).
  void set_time_order(bool on) { time_order_ = on; }
  bool has_time_order() const override { return time_order_; }

 private:
  std::vector<IndexItem> items_;  // ascending by (subspace, path)
  bool time_order_ = false;
};

}  // namespace osier::store::testing
