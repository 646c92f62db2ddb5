// Deterministic Ed25519 keys for the fuzz targets that sign or delegate: the key of seed
// [tag, tag, ...] (cached), and the first owned-namespace key from tag 200 on.
#pragma once

#include <cstdint>
#include <memory>

#include "osier/crypto/ed25519.hpp"
#include "osier/model/ids.hpp"

namespace osier::fuzz {

inline const crypto::Ed25519SecretKey& key(std::uint8_t tag) {
  static std::unique_ptr<crypto::Ed25519SecretKey> keys[256];
  if (!keys[tag]) {
    crypto::Ed25519Seed seed;
    seed.fill(tag);
    keys[tag] =
        std::make_unique<crypto::Ed25519SecretKey>(crypto::Ed25519SecretKey::from_seed(seed));
  }
  return *keys[tag];
}

inline const crypto::Ed25519SecretKey& owned_namespace() {
  for (std::uint8_t t = 200;; ++t) {
    if (!model::is_communal(key(t).public_key())) return key(t);
  }
}

}  // namespace osier::fuzz
