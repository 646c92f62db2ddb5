// NamespaceSnapshot: one namespace of a store as of one moment, immutable — what a sync session
// reconciles against. This header is reconciliation's whole view of the store (in the spirit of
// negentropy's storage interface): summarise a 3d range, split one into parts with their
// summaries, scan one in (subspace, path) order resumably, the 3d range of an area of interest,
// and point lookups.
//
// Immutable: writes to the store after Store::snapshot() returned are never seen; take a new
// snapshot for them. Thread-safe: any thread may call any method, at any time, while the store
// is written. LmdbStore's snapshot is one LMDB read transaction: it costs no copy, its calls
// run one at a time (each is short; a scan's callback runs inside one and must not call the
// same snapshot), and while it lives the pages it sees are not reused, so the data file grows
// with the writes made meanwhile — hold a snapshot for a reconciliation round, not for ever.
// It also takes one of LMDB's reader slots of the home (shared by all its processes). A
// snapshot may outlive its store.
//
// Errors: kCorrupt for damaged records, kIo.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <vector>

#include "osier/base/status.hpp"
#include "osier/model/area.hpp"
#include "osier/model/entry.hpp"
#include "osier/model/range.hpp"
#include "osier/store/fingerprint.hpp"
#include "osier/store/types.hpp"

namespace osier::store {

// Where a scan resumes: strictly after the entry at this (subspace, path).
struct ScanPosition {
  model::SubspaceId subspace{};
  model::Path path;
  bool operator==(const ScanPosition&) const = default;
};

class NamespaceSnapshot {
 public:
  using ScanCallback = std::function<bool(const LengthyAuthorisedEntry&)>;  // false: stop
  // Asked with hash_lengthy_authorised_entry of an entry (what fingerprints sum) before it is
  // read: true passes over it. A store that keeps the hashes in its index (both do) answers
  // without reading the entry; reconciliation omits the entries it has just received this way.
  using ScanSkip = std::function<bool(const Fp256& lengthy_hash)>;

  virtual ~NamespaceSnapshot() = default;

  virtual const model::NamespaceId& namespace_id() const = 0;

  // spec: rbsr — fingerprint (hash_lengthy_authorised_entries), count and payload bytes of the
  // entries `range` includes.
  virtual Result<RangeSummary> summarise(const model::D3Range& range) const = 0;

  // At most k disjoint ranges covering `range` exactly, with roughly equal entry counts (fewer
  // when it holds fewer than k entries; always at least one), each with its summary.
  // `summary`, when given, is the range's summary as this snapshot gives it (the caller has just
  // asked for it): it saves the split from summarising the range again.
  virtual Result<std::vector<RangePart>> split(
      const model::D3Range& range, std::size_t k,
      const std::optional<RangeSummary>& summary = std::nullopt) const = 0;

  // The entries `range` includes, ascending by (subspace, path), from the start or strictly
  // after `after`, until `fn` returns false; those `skip` (when given) passes over are not read
  // and not given to `fn`. Memory does not grow with the range: to continue later, pass the
  // position of the last entry `fn` accepted.
  virtual Status scan(const model::D3Range& range, const std::optional<ScanPosition>& after,
                      const ScanCallback& fn, const ScanSkip& skip = {}) const = 0;

  // The smallest 3d range that includes every entry `aoi` includes (spec:
  // grouping_entries#aoi_include): its area's range, with the time start raised to the
  // oldest included entry's timestamp when a count or size limit leaves older entries out
  // (so it may also hold entries of exactly that timestamp the aoi leaves out); empty when the
  // aoi includes nothing. Work grows with the entries the aoi includes.
  virtual Result<model::D3Range> aoi_range(const model::AreaOfInterest& aoi) const = 0;

  // The entry at (subspace, path), if any.
  virtual Result<std::optional<LengthyAuthorisedEntry>> get(const model::SubspaceId& subspace,
                                                            const model::Path& path) const = 0;

  // Whether the entry at (entry's subspace, path) is `entry` with exactly `token` (the token's
  // encoding as stored; whatever payload bytes are held): what a session asks of each entry it
  // receives, to skip verifying one it stored verified. LmdbStore compares the entry's stored
  // record (one lookup, no tree descent); MemoryStore its index's hash of the entry, which binds
  // the token.
  virtual Result<bool> holds_exactly(const model::Entry& entry, ByteView token) const = 0;
};

}  // namespace osier::store
