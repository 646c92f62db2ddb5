// Fingerprints for 3d range-based set reconciliation: hash_lengthy_authorised_entries.
// spec: willow25#willow25_sync, rbsr#d3rbsr_fp
//
// The fingerprint of a set is the sum modulo 2^256 of per-entry WILLIAM3 digests, so any tree
// can carry subtree sums (Fp256) and answer range fingerprints from them.
#pragma once

#include <cstdint>

#include "osier/base/bytes.hpp"
#include "osier/model/entry.hpp"

namespace osier::store {

using Fingerprint = ByteArray<32>;

// A 256-bit number for summing digests; the 32 digest bytes are read as a big-endian unsigned
// integer (SPEC-NOTES: docs/spec-notes.md "fingerprint addition").
struct Fp256 {
  std::uint64_t w[4]{};  // w[0] least significant

  static Fp256 from_bytes(const ByteArray<32>& b);
  Fingerprint to_bytes() const;

  Fp256& operator+=(const Fp256& o);
  Fp256& operator-=(const Fp256& o);
  friend Fp256 operator+(Fp256 a, const Fp256& b) { return a += b; }
  friend Fp256 operator-(Fp256 a, const Fp256& b) { return a -= b; }
  bool operator==(const Fp256&) const = default;
};

// spec: willow25#hash_lengthy_authorised_entries (singleton set) — WILLIAM3 of
// available (8 bytes, big-endian) ‖ token bytes ‖ encode_entry(entry). `token` is the stored
// token encoding: encode_mc_capability(capability) ‖ signature (docs/spec-notes.md).
Fp256 hash_lengthy_authorised_entry(const model::Entry& entry, ByteView token,
                                    std::uint64_t available);

}  // namespace osier::store
