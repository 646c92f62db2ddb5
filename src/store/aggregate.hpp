// Aggregate: what an aggregate tree keeps per subtree — the sums sync asks for (fingerprint,
// count, payload bytes) and the time span that lets a 3d range query skip or take subtrees.
#pragma once

#include <algorithm>
#include <cstdint>

#include "osier/model/entry.hpp"
#include "osier/store/fingerprint.hpp"
#include "osier/store/types.hpp"

namespace osier::store {

inline std::uint64_t sat_add(std::uint64_t a, std::uint64_t b) {
  return a + b < a ? UINT64_MAX : a + b;
}

struct Aggregate {
  Fp256 fp;
  std::uint64_t count = 0;
  std::uint64_t bytes = 0;  // payload bytes, saturating
  model::Timestamp min_t = 0;
  model::Timestamp max_t = 0;  // meaningless when count == 0

  static Aggregate single(const Fp256& hash, const model::Entry& e) {
    return Aggregate{hash, 1, e.payload_length, e.timestamp, e.timestamp};
  }
  // Adds `o` (the empty aggregate is a neutral element).
  void add(const Aggregate& o) {
    if (o.count == 0) return;
    if (count == 0) {
      *this = o;
      return;
    }
    fp += o.fp;
    count += o.count;
    bytes = sat_add(bytes, o.bytes);
    min_t = std::min(min_t, o.min_t);
    max_t = std::max(max_t, o.max_t);
  }
  RangeSummary summary() const { return RangeSummary{fp.to_bytes(), count, bytes}; }
  bool operator==(const Aggregate& o) const {
    return count == o.count &&
           (count == 0 || (fp == o.fp && bytes == o.bytes && min_t == o.min_t && max_t == o.max_t));
  }
};

// The summary of two disjoint sets of items.
inline RangeSummary plus(const RangeSummary& a, const RangeSummary& b) {
  return RangeSummary{
      (Fp256::from_bytes(a.fingerprint) + Fp256::from_bytes(b.fingerprint)).to_bytes(),
      a.count + b.count, sat_add(a.payload_bytes, b.payload_bytes)};
}

}  // namespace osier::store
