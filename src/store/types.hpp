// The values a store takes and gives: authorised entries, ingest outcomes, query options and
// range summaries.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/bytes.hpp"
#include "base/status.hpp"
#include "crypto/bab_hash.hpp"
#include "model/entry.hpp"
#include "model/range.hpp"
#include "store/fingerprint.hpp"

namespace osier::store {

// spec: data_model#AuthorisedEntry — the token is kept as its encoding (for Willow'25:
// encode_mc_capability(capability) ‖ signature), opaque to the store except for verification.
struct AuthorisedEntry {
  model::Entry entry;
  Bytes token;

  bool operator==(const AuthorisedEntry&) const = default;
};

// spec: rbsr#LengthyAuthorisedEntry — an authorised entry and how many leading payload bytes
// the store holds.
// Where a change came from: this node (a local write, a drop import) or a sync session (its
// id, numbered by whoever runs sessions; never 0), so that live forwarding can skip the peer an
// entry came from. Events carry it.
struct Origin {
  std::uint64_t session = 0;  // 0: local

  static Origin local() { return {}; }
  static Origin remote(std::uint64_t session_id) { return {session_id}; }
  bool is_local() const { return session == 0; }
  bool operator==(const Origin&) const = default;
};

struct LengthyAuthorisedEntry {
  AuthorisedEntry authorised;
  std::uint64_t available = 0;

  bool operator==(const LengthyAuthorisedEntry&) const = default;
};

enum class IngestOutcome {
  kInserted,  // stored; every entry it prunes was removed in the same transaction
  kObsolete,  // an equal entry is stored already, or a stored entry is newer and prunes it
  kRejected,  // not authorised (or otherwise invalid); `reason` says why
};

struct IngestResult {
  IngestOutcome outcome = IngestOutcome::kRejected;
  std::uint64_t pruned = 0;  // entries removed because the new one prunes them
  Status reason;             // set for kRejected

  static IngestResult inserted(std::uint64_t pruned) {
    return {IngestOutcome::kInserted, pruned, {}};
  }
  static IngestResult obsolete() { return {IngestOutcome::kObsolete, 0, {}}; }
  static IngestResult rejected(Status why) { return {IngestOutcome::kRejected, 0, std::move(why)}; }
};

// Whether ingest verifies the token. kAlreadyVerified is for callers that checked it themselves
// (a sync session that verified on receipt, a drop importer, tests).
enum class Trust { kVerify, kAlreadyVerified };

enum class QueryOrder {
  kSubspacePathTime,  // ascending (subspace, path); a store holds one entry per pair
  kNewestFirst,       // descending by newer_than (timestamp, then digest, then length)
};

struct QueryOptions {
  QueryOrder order = QueryOrder::kSubspacePathTime;
  std::uint64_t limit = UINT64_MAX;  // at most this many results
};

// Receives query results one at a time; return false to stop early. A callback must not call
// back into the store (it runs under the store's lock).
using EntryCallback = std::function<bool(const LengthyAuthorisedEntry&)>;

// Aggregates of the entries of a 3d range.
struct RangeSummary {
  Fingerprint fingerprint{};        // hash_lengthy_authorised_entries of the range's entries
  std::uint64_t count = 0;          // number of entries
  std::uint64_t payload_bytes = 0;  // sum of payload_length (saturating at 2^64-1)

  bool operator==(const RangeSummary&) const = default;
};

// A part of a split range, with its summary.
struct RangePart {
  model::D3Range range;
  RangeSummary summary;

  bool operator==(const RangePart&) const = default;
};

// How much of an entry's payload a store holds: always a verified prefix.
struct PayloadState {
  std::uint64_t length = 0;  // the entry's payload_length
  std::uint64_t held = 0;    // leading bytes held (verified against the digest)

  bool complete() const { return held == length; }
  bool operator==(const PayloadState&) const = default;
};

// Supplies raw payload bytes piece by piece; an empty view ends the input.
using PayloadSource = std::function<Result<ByteView>()>;
// A source of `bytes` (which must outlive it) in one piece.
inline PayloadSource payload_source(ByteView bytes) {
  return [bytes, given = false]() mutable -> Result<ByteView> {
    if (given) return ByteView();
    given = true;
    return bytes;
  };
}

// One item of a bulk import (Store::import): an entry, and payload bytes for it if any — the
// whole payload, or a verified prefix of whole chunks with its frontier (the labels of the
// chunks not held, crypto/bab_prefix.hpp).
struct ImportItem {
  AuthorisedEntry entry;
  std::uint64_t payload_bytes = 0;  // how many leading payload bytes `payload` yields (0: none)
  PayloadSource payload;
  std::vector<crypto::BabLabel> frontier;  // for a prefix
};
// Yields the next item, or nullopt at the end. A store reads an item's payload (or not: when
// its entry ends up not stored, it may skip it) before it asks for the next item.
using ImportSource = std::function<Result<std::optional<ImportItem>>()>;

// What a bulk import did.
struct ImportTotals {
  std::uint64_t inserted = 0;
  std::uint64_t obsolete = 0;
  std::uint64_t rejected = 0;
  std::uint64_t pruned = 0;              // entries already stored that the imported ones pruned
  std::uint64_t payloads_completed = 0;  // payloads the store now holds whole, and did not
  std::uint64_t prefixes_stored = 0;     // payloads of which it now holds a longer prefix
  std::uint64_t payload_bytes = 0;       // bytes those added

  // Counts one imported entry's outcome; false when it was rejected (its payload is skipped).
  bool count(const IngestResult& r) {
    switch (r.outcome) {
      case IngestOutcome::kInserted:
        ++inserted;
        pruned += r.pruned;
        return true;
      case IngestOutcome::kObsolete:
        ++obsolete;
        return true;
      case IngestOutcome::kRejected:
        ++rejected;
        return false;
    }
    return false;
  }
};
// What writers that died (kill -9, power loss) left behind in a durable store: their staging
// directories, and payload files whose record never committed or was dropped before they were
// removed (Store::leftovers).
struct Leftovers {
  std::vector<std::string> staging_dirs;
  std::vector<std::string> payload_files;
};

// Receives bytes in order; a failed Status stops the producer.
using ByteSink = std::function<Status(ByteView)>;

}  // namespace osier::store
