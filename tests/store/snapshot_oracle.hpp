// SnapshotOracle: the test oracle for NamespaceSnapshot — the namespace's entries in a sorted
// vector, every answer computed by looking at each of them. Obviously right, and slow.
#pragma once

#include <algorithm>
#include <optional>
#include <vector>

#include "osier/model/area.hpp"
#include "osier/model/range.hpp"
#include "osier/store/fingerprint.hpp"
#include "osier/store/snapshot.hpp"
#include "osier/store/store.hpp"
#include "store/aggregate.hpp"

namespace osier::store::testing {

class SnapshotOracle {
 public:
  // The entries of `ns` in `store` now.
  static SnapshotOracle of(Store& store, const model::NamespaceId& ns) {
    SnapshotOracle o;
    EXPECT_TRUE(store.query(ns, model::D3Range::full(), {}, [&](const LengthyAuthorisedEntry& e) {
      o.entries_.push_back(e);
      return true;
    }));
    std::sort(o.entries_.begin(), o.entries_.end(), key_less);
    return o;
  }

  static bool key_less(const LengthyAuthorisedEntry& a, const LengthyAuthorisedEntry& b) {
    const model::Entry& x = a.authorised.entry;
    const model::Entry& y = b.authorised.entry;
    if (x.subspace_id != y.subspace_id) return x.subspace_id < y.subspace_id;
    return x.path < y.path;
  }

  const std::vector<LengthyAuthorisedEntry>& entries() const { return entries_; }

  RangeSummary summarise(const model::D3Range& range) const {
    Aggregate a;
    for (const auto& e : in(range)) {
      const model::Entry& entry = e.authorised.entry;
      a.add(Aggregate::single(hash_lengthy_authorised_entry(entry, e.authorised.token, e.available),
                              entry));
    }
    return a.summary();
  }

  // The entries of `range` in key order, strictly after `after` if given.
  std::vector<LengthyAuthorisedEntry> in(const model::D3Range& range,
                                         const std::optional<ScanPosition>& after = {}) const {
    std::vector<LengthyAuthorisedEntry> out;
    for (const auto& e : entries_) {
      const model::Entry& x = e.authorised.entry;
      if (!range.includes(x)) continue;
      if (after && (x.subspace_id < after->subspace ||
                    (x.subspace_id == after->subspace && !(after->path < x.path)))) {
        continue;
      }
      out.push_back(e);
    }
    return out;
  }

  // spec: grouping_entries#aoi_include, literally: an entry is included when it is in the
  // area, among its max_count newest, and its payload length plus those of all newer entries
  // of the area is at most max_size.
  std::vector<LengthyAuthorisedEntry> aoi_included(const model::AreaOfInterest& aoi) const {
    std::vector<LengthyAuthorisedEntry> area = in(model::area_to_range(aoi.area));
    std::vector<LengthyAuthorisedEntry> out;
    for (const auto& e : area) {
      std::uint64_t newer = 0, size = e.authorised.entry.payload_length;
      bool over = false;
      for (const auto& o : area) {
        if (!model::newer_than(o.authorised.entry, e.authorised.entry)) continue;
        ++newer;
        const std::uint64_t len = o.authorised.entry.payload_length;
        over = over || len > model::AreaOfInterest::kNoLimit - size;
        if (!over) size += len;
      }
      const bool count_ok =
          aoi.max_count == model::AreaOfInterest::kNoLimit || newer < aoi.max_count;
      const bool size_ok =
          aoi.max_size == model::AreaOfInterest::kNoLimit || (!over && size <= aoi.max_size);
      if (count_ok && size_ok) out.push_back(e);
    }
    return out;
  }

 private:
  std::vector<LengthyAuthorisedEntry> entries_;  // ascending by (subspace, path)
};

}  // namespace osier::store::testing
