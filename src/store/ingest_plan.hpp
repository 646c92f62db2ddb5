// The store-independent part of ingesting: deciding, against a namespace's index, whether an
// entry is obsolete and which stored entries it prunes.
#pragma once

#include <vector>

#include "model/entry.hpp"
#include "store/entry_index.hpp"

namespace osier::store {

struct IngestPlan {
  bool obsolete = false;
  std::vector<model::Path> pruned;  // paths (in the entry's subspace) the entry prunes
};

// spec: data_model#prefix_pruning, data_model#store_join — `entry` is obsolete when a stored
// entry equals it or prunes it (same subspace, path a prefix of the entry's, newer); otherwise
// it prunes every stored entry of its subspace whose path it prefixes and that it is newer than.
IngestPlan plan_ingest(const EntryIndex& index, const model::Entry& entry);

}  // namespace osier::store

namespace osier::store {

// Fails with kCorrupt when a stored entry prunes another (the store invariant is broken).
Status check_no_pruning(const EntryIndex& index);

// Streams the items of `range` in the order and limit of `options` to `fn`, converting each with
// `convert` (which may fetch what the index does not hold); stops at the first conversion error.
using ItemConverter = std::function<Result<LengthyAuthorisedEntry>(const IndexItem&)>;
Status query_index(const EntryIndex& index, const model::D3Range& range,
                   const QueryOptions& options, const ItemConverter& convert,
                   const EntryCallback& fn);

}  // namespace osier::store
