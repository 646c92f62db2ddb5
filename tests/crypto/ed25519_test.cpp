#include "osier/crypto/ed25519.hpp"

#include <gtest/gtest.h>
#include <sodium.h>

#include "osier/base/hex.hpp"
#include "support/vectors.hpp"

namespace osier::crypto {
namespace {

TEST(Ed25519, DefaultNamespaceSeedDerivesDefaultNamespaceId) {
  const auto& v = osier::testing::willow25_vectors()["default_namespace"];
  auto seed = array_from_hex<32>(v["secret_key_seed_hex"].get<std::string>());
  ASSERT_TRUE(seed);
  auto key = Ed25519SecretKey::from_seed(*seed);
  EXPECT_EQ(to_hex(key.public_key()), v["namespace_id_hex"].get<std::string>());
  EXPECT_EQ(key.expose_seed(), *seed);
}

TEST(Ed25519, SignVerifyRoundTrip) {
  auto key = Ed25519SecretKey::generate();
  Bytes msg = {1, 2, 3};
  auto sig = key.sign(msg);
  EXPECT_TRUE(ed25519_verify(key.public_key(), msg, sig));
  msg[0] ^= 1;
  EXPECT_FALSE(ed25519_verify(key.public_key(), msg, sig));
}

TEST(Ed25519, EverySignatureBitFlipIsRejected) {
  auto key = Ed25519SecretKey::generate();
  Bytes msg(100, 0x5a);
  auto sig = key.sign(msg);
  for (std::size_t bit = 0; bit < 512; ++bit) {
    auto bad = sig;
    bad[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    EXPECT_FALSE(ed25519_verify(key.public_key(), msg, bad)) << bit;
  }
}

TEST(Ed25519, GeneratedKeysDiffer) {
  EXPECT_NE(Ed25519SecretKey::generate().public_key(), Ed25519SecretKey::generate().public_key());
}

// S + L verifies under a lax verifier (the equation holds mod L) but is not canonical.
TEST(Ed25519, RejectsNonCanonicalS) {
  auto key = Ed25519SecretKey::generate();
  Bytes msg = {42};
  auto sig = key.sign(msg);
  // L = 2^252 + 27742317777372353535851937790883648493, little-endian.
  static const std::uint8_t kL[32] = {0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58,
                                      0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
                                      0,    0,    0,    0,    0,    0,    0,    0,
                                      0,    0,    0,    0,    0,    0,    0,    0x10};
  unsigned carry = 0;
  for (int i = 0; i < 32; ++i) {
    unsigned sum = sig[32 + i] + kL[i] + carry;
    sig[32 + i] = static_cast<std::uint8_t>(sum);
    carry = sum >> 8;
  }
  ASSERT_EQ(carry, 0u);  // S < L < 2^253, so S + L fits in 32 bytes
  EXPECT_FALSE(ed25519_verify(key.public_key(), msg, sig));
}

// With the identity as public key (small order) and R = identity, S = 0 satisfies the
// cofactorless equation for every message; a strict verifier must reject it.
TEST(Ed25519, RejectsSmallOrderPublicKeyAndR) {
  Ed25519PublicKey identity{};
  identity[0] = 1;
  Ed25519Signature sig{};
  sig[0] = 1;  // R = identity, S = 0
  EXPECT_FALSE(ed25519_verify(identity, as_bytes("anything"), sig));
  Ed25519PublicKey all_zero{};  // y = 0: a point of order 4
  EXPECT_FALSE(ed25519_verify(all_zero, as_bytes("anything"), sig));
}

TEST(Ed25519, RejectsNonCanonicalPublicKeyEncoding) {
  // y = p (2^255 - 19) encodes y = 0 non-canonically.
  Ed25519PublicKey pk;
  pk.fill(0xff);
  pk[0] = 0xed;
  pk[31] = 0x7f;
  Ed25519Signature sig{};
  EXPECT_FALSE(ed25519_verify(pk, as_bytes("x"), sig));
  EXPECT_FALSE(ed25519_verify_status(pk, as_bytes("x"), sig).is_ok());
}

TEST(Ed25519, WipeZeroes) {
  Bytes secret(64, 0xaa);
  wipe(secret);
  EXPECT_EQ(secret, Bytes(64, 0));
}

}  // namespace
}  // namespace osier::crypto
