// Ed25519 signatures, Willow'25's signature scheme for namespaces and subspaces.
// spec: willow25#willow25_crypto
//
// Verification is strict, in the spirit of ed25519_dalek's verify_strict that willow25 names:
// it rejects public keys and R points of small order, non-canonical encodings of the public
// key, R and S (S >= L), and uses the cofactorless equation. Secret keys are move-only, live
// in memory that is wiped when they are released, and never convert to bytes implicitly.
#pragma once

#include <memory>

#include "base/bytes.hpp"
#include "base/status.hpp"

namespace osier::crypto {

using Ed25519PublicKey = ByteArray<32>;
using Ed25519Signature = ByteArray<64>;
using Ed25519Seed = ByteArray<32>;

class Ed25519SecretKey {
 public:
  // A fresh key from the system's secure randomness.
  static Ed25519SecretKey generate();
  // The key whose RFC 8032 seed (the 32-byte "secret key" of most tools) is `seed`.
  static Ed25519SecretKey from_seed(const Ed25519Seed& seed);

  Ed25519SecretKey(Ed25519SecretKey&&) noexcept = default;
  Ed25519SecretKey& operator=(Ed25519SecretKey&&) noexcept = default;
  Ed25519SecretKey(const Ed25519SecretKey&) = delete;
  Ed25519SecretKey& operator=(const Ed25519SecretKey&) = delete;
  ~Ed25519SecretKey() = default;

  // An independent copy, wiped on its own release (explicit: keys are never copied by accident;
  // a long-lived holder hands out clones of the key it keeps).
  Ed25519SecretKey clone() const;

  const Ed25519PublicKey& public_key() const { return public_key_; }
  Ed25519Signature sign(ByteView message) const;

  // The seed, for storing the key in a keystore or exporting it on explicit request.
  // The caller is responsible for wiping the copy (see wipe()).
  Ed25519Seed expose_seed() const;

  // The signing scalar clamp(SHA-512(seed)[0..32]) (libsodium's
  // crypto_sign_ed25519_sk_to_curve25519), for Diffie-Hellman (crypto/hs_dh.hpp). The caller
  // is responsible for wiping `out`.
  void expose_scalar(ByteArray<32>& out) const;

 private:
  struct Secret;  // 64 bytes of libsodium's expanded secret key, zeroed on destruction
  struct Wipe {
    void operator()(Secret* s) const;
  };
  Ed25519SecretKey(std::unique_ptr<Secret, Wipe> secret, const Ed25519PublicKey& pk)
      : secret_(std::move(secret)), public_key_(pk) {}

  std::unique_ptr<Secret, Wipe> secret_;
  Ed25519PublicKey public_key_{};
};

// True iff `signature` is a valid strict Ed25519 signature of `message` by `public_key`.
bool ed25519_verify(const Ed25519PublicKey& public_key, ByteView message,
                    const Ed25519Signature& signature);

// The same, as a Status naming what failed (for error messages).
Status ed25519_verify_status(const Ed25519PublicKey& public_key, ByteView message,
                             const Ed25519Signature& signature);

// Overwrites memory that held secret material, in a way the compiler cannot optimise away.
void wipe(MutableByteView secret);

}  // namespace osier::crypto
