#include "crypto/hs_dh.hpp"

#include <sodium.h>

#include "crypto/sodium.hpp"

namespace osier::crypto {

HsDhScalar hs_dh_scalar(const Ed25519SecretKey& sk) {
  HsDhScalar scalar;
  sk.expose_scalar(scalar.mutable_bytes());
  return scalar;
}

// spec: willow25#willow25_cs_handshake ("hs_dh is ed25519 scalar multiplication");
// the reading of SPEC-NOTES Sync item 1 lives here and in Ed25519SecretKey::expose_scalar.
Result<SecretArray<32>> hs_dh(const HsDhScalar& scalar, const Ed25519PublicKey& pk) {
  ensure_sodium();
  SecretArray<32> out;
  // libsodium 1.0.18 returns -1 for a non-canonical encoding, a point that does not decode, a
  // point of small order or outside the prime-order subgroup, and an identity result. The
  // scalar is already clamped; clamping it again (the non-noclamp variant) changes nothing.
  if (crypto_scalarmult_ed25519(out.data(), scalar.data(), pk.data()) != 0) {
    return error(ErrorCode::kVerification,
                 "handshake public key is not a valid Ed25519 point of prime order");
  }
  return out;
}

}  // namespace osier::crypto
