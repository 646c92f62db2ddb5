// IndexView: the read side of a namespace's 3d index, as ingesting, queries and sync use it.
//
// Two indexes implement it: EntryIndex (an in-memory aggregate tree; MemoryStore, and the test
// oracle's cross-check) through EntryIndexView, and LmdbTree (the persistent aggregate tree
// inside an LMDB transaction; LmdbStore). Everything built on it — ingest planning, queries,
// splitting a range into parts — is written once, against this interface.
//
// Calls may fail (a persistent index reads the disk): kCorrupt for damaged records, kIo.
// Thread safety is that of the implementation (an LmdbTree is bound to one transaction).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "osier/base/status.hpp"
#include "osier/model/entry.hpp"
#include "osier/model/range.hpp"
#include "osier/store/fingerprint.hpp"
#include "osier/store/types.hpp"

namespace osier::store {

// The shapes of 3d ranges that decide how an index answers them.
// Whether the range's subspaces are exactly one subspace.
inline bool one_subspace(const model::D3Range& r) {
  const auto after_start = model::subspace_successor(r.subspaces.start);
  return r.subspaces.end ? after_start && *after_start == *r.subspaces.end : !after_start;
}
// Whether the range's paths are all paths.
inline bool all_paths(const model::D3Range& r) {
  return r.paths.start.component_count() == 0 && !r.paths.end;
}
// Whether the range's times are exactly one timestamp.
inline bool one_timestamp(const model::D3Range& r) {
  return r.times.end ? *r.times.end > r.times.start && *r.times.end - r.times.start == 1
                     : r.times.start == ~model::Timestamp{0};
}

// One stored entry as an index holds it.
struct IndexItem {
  model::Entry entry;
  std::uint64_t available = 0;  // leading payload bytes held
  Fp256 hash;                   // hash_lengthy_authorised_entry of (entry, token, available)
  Bytes token;                  // kept only by stores that hold tokens in memory
};

// What IndexView::select_pair finds.
struct SelectedPair {
  std::optional<IndexItem> before;  // the (i-1)-th item
  std::optional<IndexItem> at;      // the i-th item
  RangeSummary below;               // of the items before `at`: the 0th to the (i-1)-th
};

class IndexView {
 public:
  using Visitor = std::function<bool(const IndexItem&)>;  // return false to stop
  // Asked with an item's hash (IndexItem::hash) before the item is read: true passes over it.
  using Skip = std::function<bool(const Fp256& hash)>;

  virtual ~IndexView() = default;

  // The item stored at (subspace, path), if any.
  virtual Result<std::optional<IndexItem>> find(const model::SubspaceId& subspace,
                                                const model::Path& path) const = 0;
  // The items `range` includes, ascending by (subspace, path), but those `skip` (when given)
  // passes over, which an index that stores hashes asks before reading the rest of the item.
  virtual Status visit(const model::D3Range& range, const Visitor& fn,
                       const Skip& skip = {}) const = 0;
  // visit() of the items after (subspace, path) in (subspace, path) order: where a scan resumes.
  // The default visits the rest of that subspace, then the subspaces above it.
  virtual Status visit_after(const model::D3Range& range, const model::SubspaceId& subspace,
                             const model::Path& path, const Visitor& fn,
                             const Skip& skip = {}) const;
  // The items `range` includes, newest first (newer_than order; items equal in it by ascending
  // key), lazily: memory grows with the items visited, not with the index.
  virtual Status visit_newest_first(const model::D3Range& range, const Visitor& fn) const = 0;
  // Whether `range` includes any item. The default visits it up to the first.
  virtual Result<bool> holds_any(const model::D3Range& range) const;
  // Fingerprint, count and payload bytes of the items `range` includes.
  virtual Result<RangeSummary> summarise(const model::D3Range& range) const = 0;
  // The i-th (0-based) item `range` includes in (subspace, path) order; nullopt when the range
  // holds at most i items.
  virtual Result<std::optional<IndexItem>> select(const model::D3Range& range,
                                                  std::uint64_t i) const = 0;
  // The (i-1)-th and i-th items of `range` and the summary of the i items before the latter
  // (REQUIRES: i >= 1); all empty unless the range holds more than i items. The same as two
  // selects and two summaries; an index may find all of it in one search.
  virtual Result<SelectedPair> select_pair(const model::D3Range& range, std::uint64_t i) const;

  // Whether the index keeps the time order too, so select_pair_by_time() of a range of all paths
  // costs what select_pair() does; split_range then cuts such ranges by time.
  virtual bool has_time_order() const { return false; }
  // As select_pair(), in (subspace, timestamp, path) order. The default visits the range and
  // sorts its items (time and memory linear in them).
  virtual Result<SelectedPair> select_pair_by_time(const model::D3Range& range,
                                                   std::uint64_t i) const;
  // select_pair() — with `by_time`, select_pair_by_time() — of each of `ranks` (ascending,
  // distinct, each >= 1), in that order. The default asks select_pair() once per rank, or sorts
  // the range's items once by time; an index may find them all in one search.
  virtual Result<std::vector<SelectedPair>> select_pairs(const model::D3Range& range,
                                                         std::span<const std::uint64_t> ranks,
                                                         bool by_time) const;
  // Whether select_pairs() finds several ranks for less than one search each; split_range then
  // finds all the cuts of a range of one subspace at once.
  virtual bool finds_pairs_in_one_search() const { return false; }
};

// At most k disjoint 3d ranges whose union is `range`, holding roughly equal numbers of items;
// fewer than k when the range holds fewer than k items (always at least one range), each with
// its summary. Cuts run along the subspace dimension where items of several subspaces fall,
// else, within one subspace, along the path dimension — or, when the index has_time_order() and
// the range's paths are all paths, along the time dimension (parts then keep all paths, so the
// index answers them in its time order too; items that share a timestamp at a cut are cut by
// path within that timestamp). Every part is an interval of the range's items in (subspace,
// path) or (subspace, timestamp, path) order, so the parts' summaries are mostly differences of
// the summaries of what lies below each cut, which the searches that choose the cuts add up on
// their way. A part may hold no items only where a range's items all share one timestamp.
// `summary`: the range's, when the caller has it (else it is summarised first).
Result<std::vector<RangePart>> split_range_summarised(
    const IndexView& index, const model::D3Range& range, std::size_t k,
    const std::optional<RangeSummary>& summary = std::nullopt);
// The same parts without their summaries.
Result<std::vector<model::D3Range>> split_range(const IndexView& index, const model::D3Range& range,
                                                std::size_t k);

}  // namespace osier::store
