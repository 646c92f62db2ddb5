// VerifiedCapabilities: a bounded memo of capabilities already proven valid (cap_valid), so that
// the many entries a peer sends under one capability cost one signature check each (the entry's,
// by the capability's receiver) instead of re-verifying the capability's own signatures (an owned
// capability's initial authorisation and every delegation) for every entry.
// spec: meadowcap#cap_valid, meadowcap#meadowcap_is_authorised_write
//
// Contract: validate(cap) returns exactly what cap.validate() returns. cap_valid is a pure
// function of the capability's value (signature checks, area inclusions, is_communal), so a value
// that validated once validates again; the memo is keyed by that exact value: the lookup goes by
// WILLIAM3(encode_mc_capability(cap)), and a hit also requires the remembered capability to be
// == cap, so neither a digest collision nor a non-injective encoding can let a different
// capability through. Only successes are remembered: an invalid capability is verified in full
// (and rejected) every time it is presented. A capability without a code (a delegation area
// outside the previous granted area: never valid) is verified in full and not remembered.
// A capability that is not remembered but has the fields (kind, access mode, namespace, user,
// initial authorisation) of the last one validated and shares a prefix of its delegations has
// only its later delegations checked (validate_after): a capability is valid exactly when its
// fields and every delegation are, each delegation judged by what precedes it. Entries coded
// relative to the previous one (drops, sync) reuse a prefix of its delegations; without this a
// peer could reuse 10,000 delegations and change only the last, 10,000 signature checks for a
// hundred bytes.
// meadowcap_check_authorised_write(entry, token, verified) (authorisation.hpp) replaces only
// cap.validate() by validate(); every other rule of meadowcap_is_authorised_write (access mode
// write, granted namespace = the entry's, granted area includes the entry, the receiver's
// signature over encode_entry) is still checked for every entry.
//
// Memory: the last capability validated (a copy), and at most Limits::max_capabilities
// capabilities whose canonical encodings total at most
// Limits::max_bytes (a capability whose code alone is longer is never remembered); each one
// remembered also costs a 32-byte digest and list/hash nodes. When either bound would be exceeded
// the least recently used capabilities are forgotten, so a peer presenting many distinct
// capabilities gets full verification for them, never unbounded memory. Not thread-safe: one per
// session core.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <optional>
#include <unordered_map>

#include "osier/base/status.hpp"
#include "osier/crypto/william3.hpp"
#include "osier/meadowcap/capability.hpp"

namespace osier::meadowcap {

class VerifiedCapabilities {
 public:
  struct Limits {
    std::size_t max_capabilities = 1024;
    std::size_t max_bytes = std::size_t{256} << 10;  // of canonical capability encodings
  };
  struct Stats {
    std::uint64_t hits = 0;       // validate() answered from the memo
    std::uint64_t verified = 0;   // validate() ran cap.validate() and it succeeded
    std::uint64_t rejected = 0;   // cap.validate() failed (never remembered)
    std::uint64_t evicted = 0;    // forgotten to stay within the limits
    std::uint64_t too_large = 0;  // valid but not remembered (no code, or longer than max_bytes)
    std::uint64_t extended = 0;   // of `verified`: only delegations after a known prefix checked
  };

  VerifiedCapabilities() = default;
  explicit VerifiedCapabilities(Limits limits) : limits_(limits) {}
  // Moving keeps index_'s list iterators valid (std::list); a copy would not, so none.
  VerifiedCapabilities(const VerifiedCapabilities&) = delete;
  VerifiedCapabilities& operator=(const VerifiedCapabilities&) = delete;
  VerifiedCapabilities(VerifiedCapabilities&&) = default;
  VerifiedCapabilities& operator=(VerifiedCapabilities&&) = default;
  ~VerifiedCapabilities() = default;

  // Exactly cap.validate(): ok, or kVerification naming the broken rule.
  Status validate(const McCapability& cap);

  std::size_t size() const { return lru_.size(); }
  std::size_t bytes() const { return bytes_; }  // encoded lengths of the remembered ones
  const Limits& limits() const { return limits_; }
  const Stats& stats() const { return stats_; }

 private:
  using Key = crypto::William3Digest;
  struct KeyHash {
    std::size_t operator()(const Key& k) const;
  };
  struct Remembered {
    Key key{};
    McCapability capability;
    std::size_t encoded_length = 0;
  };

  void forget_oldest();

  std::optional<McCapability> last_valid_;  // the last capability validate() accepted
  Limits limits_;
  // Most recently used first; index_ points into it.
  std::list<Remembered> lru_;
  std::unordered_map<Key, std::list<Remembered>::iterator, KeyHash> index_;
  std::size_t bytes_ = 0;
  Stats stats_;
};

}  // namespace osier::meadowcap
