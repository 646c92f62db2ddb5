#include "crypto/ed25519.hpp"

#include <sodium.h>

#include "crypto/sodium.hpp"

namespace osier::crypto {

struct Ed25519SecretKey::Secret {
  std::uint8_t sk[crypto_sign_SECRETKEYBYTES];
};

void Ed25519SecretKey::Wipe::operator()(Secret* s) const {
  sodium_memzero(s->sk, sizeof s->sk);
  std::default_delete<Secret>()(s);
}

static_assert(crypto_sign_PUBLICKEYBYTES == 32 && crypto_sign_BYTES == 64 &&
              crypto_sign_SEEDBYTES == 32);

Ed25519SecretKey Ed25519SecretKey::from_seed(const Ed25519Seed& seed) {
  ensure_sodium();
  std::unique_ptr<Secret, Wipe> secret(new Secret);  // NOLINT: owned by the wiping unique_ptr
  Ed25519PublicKey pk;
  crypto_sign_seed_keypair(pk.data(), secret->sk, seed.data());
  return Ed25519SecretKey(std::move(secret), pk);
}

Ed25519SecretKey Ed25519SecretKey::generate() {
  ensure_sodium();
  Ed25519Seed seed;
  randombytes_buf(seed.data(), seed.size());
  Ed25519SecretKey key = from_seed(seed);
  sodium_memzero(seed.data(), seed.size());
  return key;
}

Ed25519SecretKey Ed25519SecretKey::clone() const {
  std::unique_ptr<Secret, Wipe> secret(new Secret(*secret_));  // NOLINT: owned by the wiping ptr
  return Ed25519SecretKey(std::move(secret), public_key_);
}

Ed25519Signature Ed25519SecretKey::sign(ByteView message) const {
  Ed25519Signature sig;
  crypto_sign_detached(sig.data(), nullptr, message.data(), message.size(), secret_->sk);
  return sig;
}

Ed25519Seed Ed25519SecretKey::expose_seed() const {
  Ed25519Seed seed;
  crypto_sign_ed25519_sk_to_seed(seed.data(), secret_->sk);
  return seed;
}

void Ed25519SecretKey::expose_scalar(ByteArray<32>& out) const {
  static_assert(crypto_scalarmult_ed25519_SCALARBYTES == 32);
  crypto_sign_ed25519_sk_to_curve25519(out.data(), secret_->sk);
}

Status ed25519_verify_status(const Ed25519PublicKey& public_key, ByteView message,
                             const Ed25519Signature& signature) {
  ensure_sodium();
  // libsodium 1.0.18 (as Debian builds it, without ED25519_COMPAT) rejects S >= L, R and A
  // of small order and non-canonical A, and compares R bytewise with the recomputed canonical
  // encoding, so a non-canonical R fails too: the checks of dalek's verify_strict. Like
  // verify_strict, keys of mixed order (never produced by honest key generation) are not
  // rejected up front; their signatures verify only if the cofactorless equation holds.
  if (crypto_sign_verify_detached(signature.data(), message.data(), message.size(),
                                  public_key.data()) != 0) {
    return error(ErrorCode::kVerification, "Ed25519 signature does not verify");
  }
  return Status::ok();
}

bool ed25519_verify(const Ed25519PublicKey& public_key, ByteView message,
                    const Ed25519Signature& signature) {
  return ed25519_verify_status(public_key, message, signature).is_ok();
}

void wipe(MutableByteView secret) { sodium_memzero(secret.data(), secret.size()); }

}  // namespace osier::crypto
