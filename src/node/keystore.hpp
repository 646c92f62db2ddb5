// The keystore: the secret keys of this node's identities (subspaces) and owned namespaces.
// One file per key, keys/<kind>-<name>.seed, holding the 32-byte seed in hex; the directory is
// 0700 and each file 0600, written atomically. Keys load into crypto::Ed25519SecretKey (wiped on
// release); every buffer that held a seed is wiped.
#pragma once

#include <string>

#include "base/status.hpp"
#include "crypto/ed25519.hpp"
#include "node/home_paths.hpp"

namespace osier::node {

// Reads 64 hex digits into `seed` without leaving copies of it elsewhere; false on bad text.
bool seed_from_hex(std::string_view text, crypto::Ed25519Seed& seed);

enum class KeyKind { kIdentity, kNamespace };

class Keystore {
 public:
  explicit Keystore(HomePaths home) : home_(std::move(home)) {}

  std::string path_of(KeyKind kind, const std::string& name) const;
  bool has(KeyKind kind, const std::string& name) const;
  // Fails with kInvalidArgument when a key of that name exists already.
  Status save(KeyKind kind, const std::string& name, const crypto::Ed25519SecretKey& key) const;
  Result<crypto::Ed25519SecretKey> load(KeyKind kind, const std::string& name) const;
  Status remove(KeyKind kind, const std::string& name) const;

 private:
  HomePaths home_;
};

}  // namespace osier::node
