#include "sync/pio_hashes.hpp"

#include <cstring>

#include "osier/crypto/william3.hpp"
#include "osier/model/encoding_path.hpp"

namespace osier::sync {

PioSalts PioSalts::from_handshake_hash(const ByteArray<32>& rnd) {
  PioSalts s;
  s.ini_salt = rnd;
  for (std::size_t i = 0; i < rnd.size(); ++i) s.res_salt[i] = static_cast<std::uint8_t>(~rnd[i]);
  return s;
}

// spec: willow25#willow25_enc_sync_h. SPEC-NOTES Sync 22: the page includes the subspace id when
// it is `any`; the flag already says which, so we include it when it is not.
InterestHash sync_h(const PioSalt& salt, const PrivateInterest& interest) {
  Encoder enc;
  BitByte header;
  header.set_bit(0, !interest.subspace_id);
  enc.byte(header.value());
  enc.bytes(salt);
  enc.bytes(interest.namespace_id);
  if (interest.subspace_id) enc.bytes(*interest.subspace_id);
  model::encode_path(enc, interest.path);
  return crypto::william3(enc.bytes());
}

std::vector<PioBindHash> pio_bind_hashes(const PioSalt& own_salt, const PrivateInterest& interest) {
  std::vector<PioBindHash> out{PioBindHash{sync_h(own_salt, interest), true}};
  if (interest.subspace_id) out.push_back({sync_h(own_salt, pi_relaxation(interest)), false});
  return out;
}

std::size_t PioHashTable::HashKey::operator()(const InterestHash& h) const {
  std::size_t v = 0;  // the hashes are uniformly random already
  std::memcpy(&v, h.data(), sizeof v);
  return v;
}

PioHashTable::PioHashTable(const PioSalt& peer_salt,
                           const std::vector<PrivateInterest>& interests) {
  for (std::size_t i = 0; i < interests.size(); ++i) {
    const PrivateInterest& p = interests[i];
    // "replacing the path of the original PrivateInterest with any of its path prefixes"
    for (std::size_t k = 0; k <= p.path.component_count(); ++k) {
      PrivateInterest prefixed{p.namespace_id, p.subspace_id, p.path.prefix(k)};
      for (const PioBindHash& pair : pio_bind_hashes(peer_salt, prefixed)) {
        PrivateInterest hashed = pair.actually_interested ? prefixed : pi_relaxation(prefixed);
        entries_[pair.hash].push_back(
            PioLocalEntry{i, std::move(hashed), pair.actually_interested});
        ++size_;
      }
    }
  }
}

std::vector<const PioLocalEntry*> PioHashTable::matches(const PioBindHash& received) const {
  std::vector<const PioLocalEntry*> out;
  auto it = entries_.find(received.hash);
  if (it == entries_.end()) return out;
  for (const PioLocalEntry& e : it->second) {
    if (received.actually_interested || e.actually_interested) out.push_back(&e);
  }
  return out;
}

}  // namespace osier::sync
