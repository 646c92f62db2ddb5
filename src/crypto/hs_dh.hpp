// Willow'25's handshake Diffie-Hellman: Ed25519 scalar multiplication.
// spec: handshake_and_encryption#hs_dh, willow25#willow25_cs_handshake
//
// hs_dh(sk, pk) is the Ed25519 signing scalar of `sk` times the Edwards point encoded by `pk`,
// encoded as 32 bytes (our reading: ../shared/SPEC-NOTES.md, Sync item 1). Because both
// scalars are multiples of the cofactor 8 and honest public keys lie in the prime-order
// subgroup, hs_dh(a, pk(b)) == hs_dh(b, pk(a)).
//
// Rejected (an error, which aborts a handshake): a `pk` that is not a canonical encoding of a
// curve point, a point of small order, a point with a small-order component (libsodium requires
// the prime-order subgroup), and a result that is the identity. Stateless and thread-safe; the
// scalar is wiped before returning. The output is a shared secret in a wiping holder.
#pragma once

#include "crypto/secret.hpp"
#include "osier/base/status.hpp"
#include "osier/crypto/ed25519.hpp"

namespace osier::crypto {

// The Ed25519 signing scalar of a secret key, kept for repeated hs_dh (a handshake uses each
// of its two keys twice). Wiped on destruction.
using HsDhScalar = SecretArray<32>;

HsDhScalar hs_dh_scalar(const Ed25519SecretKey& sk);

// hs_dh(sk, pk) for the `sk` whose scalar is given.
Result<SecretArray<32>> hs_dh(const HsDhScalar& scalar, const Ed25519PublicKey& pk);

}  // namespace osier::crypto
