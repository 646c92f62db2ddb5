// The salted hashes of private interest overlap detection: the two salts from the handshake
// hash, willow25's sync_h, the hash-boolean pairs a peer transmits for its interests, and the
// table of pairs it computes locally (with the prefix expansion) to compare received pairs with.
// spec: private_interest_overlap#pio_pio, willow25#willow25_cs_general
//
// Memory: a PioHashTable holds, per interest with a path of k components, k + 1 entries, and
// k + 1 more for a concrete subspace (the relaxations); a path has at most willow25's component
// limit. Pure values; not thread-safe for concurrent mutation, const use is.
#pragma once

#include <cstddef>
#include <unordered_map>
#include <vector>

#include "osier/base/bytes.hpp"
#include "sync/decoder_state.hpp"
#include "sync/messages.hpp"
#include "sync/private_interest.hpp"

namespace osier::sync {

// spec: private_interest_overlap#pio_rnd — the final handshake hash (handshake.hpp).
using PioSalt = ByteArray<32>;

// spec: private_interest_overlap#pio_ini_salt, #pio_res_salt
struct PioSalts {
  PioSalt ini_salt{};  // pio_rnd
  PioSalt res_salt{};  // every bit of pio_rnd flipped

  static PioSalts from_handshake_hash(const ByteArray<32>& rnd);
  // Alfie initiated the session (confidential_sync#sync_protocol), so she is the initiator.
  const PioSalt& own(SyncRole role) const { return role == SyncRole::kAlfie ? ini_salt : res_salt; }
  const PioSalt& peer(SyncRole role) const {
    return role == SyncRole::kAlfie ? res_salt : ini_salt;
  }
};

// spec: willow25#willow25_enc_sync_h — WILLIAM3 of: a byte whose top bit says the subspace is
// `any` (the other seven are 0), the salt, the namespace id, the subspace id iff it is NOT `any`
// (SPEC-NOTES Sync 22), encode_path(path).
InterestHash sync_h(const PioSalt& salt, const PrivateInterest& interest);

// The pairs a peer transmits for one interest (spec: private_interest_overlap#pio_pio): (h(p),
// true), and for a concrete subspace also (h(relaxation of p), false).
std::vector<PioBindHash> pio_bind_hashes(const PioSalt& own_salt, const PrivateInterest& interest);

// One locally computed pair: which of our interests it came from, the interest hashed (a path
// prefix of it, possibly relaxed) and the boolean (false for relaxations).
struct PioLocalEntry {
  std::size_t interest = 0;  // index into the interests the table was built from
  PrivateInterest hashed;
  bool actually_interested = false;
};

// The locally computed pairs (spec: private_interest_overlap#pio_pio, "Each peer locally
// computes some further pairs"), salted with the peer's salt, indexed by hash.
class PioHashTable {
 public:
  PioHashTable(const PioSalt& peer_salt, const std::vector<PrivateInterest>& interests);

  // The entries a received pair matches: same hash, and at least one of the two booleans true.
  std::vector<const PioLocalEntry*> matches(const PioBindHash& received) const;
  std::size_t size() const { return size_; }

 private:
  struct HashKey {
    std::size_t operator()(const InterestHash& h) const;
  };
  std::unordered_map<InterestHash, std::vector<PioLocalEntry>, HashKey> entries_;
  std::size_t size_ = 0;
};

}  // namespace osier::sync
