// A small, obviously correct reference for the store join (a test oracle, O(n^2)).
//
// Follows the store definition, not the data-model page's four-step join procedure (SPEC-NOTES):
// the join of any collection of entries is the set of those entries that no entry of the
// collection prunes. Since pruning is transitive, every dropped entry is pruned by a kept one,
// so the result does not depend on the order or grouping in which entries arrive.
#pragma once

#include <span>
#include <vector>

#include "osier/model/entry.hpp"

namespace osier::model {

// A total order on entries, used to give join results one canonical order: namespace,
// subspace, path, timestamp, digest, length.
bool canonical_less(const Entry& a, const Entry& b);

// spec: data_model#store_join — the entries of `entries` that no entry of `entries` prunes,
// without duplicates, in canonical_less order. Entries of different namespaces never prune one
// another, so a mixed input gives the union of the per-namespace joins.
std::vector<Entry> join(std::span<const Entry> entries);
// The join of two stores (or any two collections of entries).
std::vector<Entry> join(std::span<const Entry> a, std::span<const Entry> b);

// spec: data_model#store — all entries share one namespace, none is repeated, and no entry
// prunes another. (Authorisation is not checked here.)
bool is_store(std::span<const Entry> entries);

}  // namespace osier::model
