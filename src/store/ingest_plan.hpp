// The store-independent part of ingesting and querying, written against IndexView: deciding
// whether an entry is obsolete and which stored entries it prunes, checking the store
// invariant, and streaming query results.
#pragma once

#include <functional>
#include <vector>

#include "osier/model/entry.hpp"
#include "store/index_view.hpp"

namespace osier::store {

struct IngestPlan {
  bool obsolete = false;
  std::vector<model::Path> pruned;  // paths (in the entry's subspace) the entry prunes
};

// A point lookup of the stored entry at (subspace, path), for stores that have one cheaper
// than a search of their index (LmdbStore: one read of the entry record).
using EntryLookup = std::function<Result<std::optional<model::Entry>>(const model::SubspaceId&,
                                                                      const model::Path&)>;

// spec: data_model#prefix_pruning, data_model#store_join — `entry` is obsolete when a stored
// entry equals it or prunes it (same subspace, path a prefix of the entry's, newer); otherwise
// it prunes every stored entry of its subspace whose path it prefixes and that it is newer than.
// The prefixes are looked up with `lookup` when given, else in `index`.
Result<IngestPlan> plan_ingest(const IndexView& index, const model::Entry& entry,
                               const EntryLookup& lookup = nullptr);

// Fails with kCorrupt when a stored entry prunes another (the store invariant is broken).
Status check_no_pruning(const IndexView& index);

// Streams the items of `range` in the order and limit of `options` to `fn`, converting each with
// `convert` (which may fetch what the index does not hold); stops at the first conversion error.
using ItemConverter = std::function<Result<LengthyAuthorisedEntry>(const IndexItem&)>;
Status query_index(const IndexView& index, const model::D3Range& range, const QueryOptions& options,
                   const ItemConverter& convert, const EntryCallback& fn);

}  // namespace osier::store
