// The payloads a store lacks: per namespace, the entries whose payload it holds partly or not at
// all, split by the namespace's download policy into those the daemon fetches by itself (eager,
// within its max size: reconciliation requests the rest from any peer that holds more) and those
// left for `osier get` (lazy, none, or larger than the max size).
//
// There is no separate record to drift out of date: the store's entries with their held byte
// counts are the persistent set, and this reads it through one snapshot per namespace.
// Work: one scan of each namespace asked for (every entry is looked at); memory: the result plus
// up to `examples` entries per namespace. Thread-safe as the store's snapshots are.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <vector>

#include "osier/base/status.hpp"
#include "osier/model/entry.hpp"
#include "osier/node/policies.hpp"
#include "osier/store/store.hpp"

namespace osier::node {

struct MissingPayloads {
  std::uint64_t to_fetch = 0;        // entries whose payload the policy fetches by itself
  std::uint64_t to_fetch_bytes = 0;  // bytes those lack
  std::uint64_t on_demand = 0;       // entries whose payload waits for `osier get`
  std::uint64_t on_demand_bytes = 0;
  // The first entries to fetch (by subspace and path), at most `examples` of them.
  std::vector<model::Entry> examples;

  bool empty() const { return to_fetch == 0 && on_demand == 0; }
  // Adds the counts of `other` (not its examples); byte sums saturate at 2^64-1 (payload lengths
  // come from peers and may add up beyond it).
  MissingPayloads& operator+=(const MissingPayloads& other);
  bool operator==(const MissingPayloads&) const = default;
};

// For each of `namespaces` that lacks any payload bytes, what it lacks (namespaces lacking none
// are left out).
Result<std::map<model::NamespaceId, MissingPayloads>> missing_payloads(
    store::Store& store, const Policies& policies,
    const std::vector<model::NamespaceId>& namespaces, std::size_t examples = 0);

}  // namespace osier::node
