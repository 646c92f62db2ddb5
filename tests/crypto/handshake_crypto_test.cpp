// The handshake's crypto glue (HMAC and HKDF over WILLIAM3, hs_dh, the AEAD nonce layout)
// against every intermediate value of ../shared/vectors/sync_handshake.json, plus the
// properties each primitive must have on its own.
#include <gtest/gtest.h>
#include <sodium.h>

#include <string>

#include "crypto/aead.hpp"
#include "crypto/hmac_william3.hpp"
#include "crypto/hs_dh.hpp"
#include "crypto/hs_hkdf.hpp"
#include "osier/base/hex.hpp"
#include "osier/crypto/ed25519.hpp"
#include "osier/crypto/william3.hpp"
#include "support/vectors.hpp"
#include "support/william3_reference.hpp"

namespace osier::crypto {
namespace {

using osier::testing::random_bytes;

const nlohmann::json& vectors() { return osier::testing::sync_handshake_vectors(); }

// The value of a named step of one side's trace.
std::string trace(const char* role, const std::string& step) {
  for (const auto& row : vectors()["trace"][role]) {
    if (row[0].get<std::string>() == step) return row[1].get<std::string>();
  }
  ADD_FAILURE() << "no trace step '" << step << "' for " << role;
  return {};
}

template <std::size_t N>
ByteArray<N> arr(const std::string& hex) {
  auto a = array_from_hex<N>(hex);
  EXPECT_TRUE(a) << hex;
  return a ? *a : ByteArray<N>{};
}

Ed25519SecretKey key(const char* role, const char* which) {
  return Ed25519SecretKey::from_seed(arr<32>(vectors()[role][which].get<std::string>()));
}

TEST(HandshakeCrypto, VectorKeysMatchTheirPublicKeys) {
  for (const char* role : {"initiator", "responder"}) {
    EXPECT_EQ(to_hex(key(role, "static_seed").public_key()),
              vectors()[role]["static_pk"].get<std::string>());
    EXPECT_EQ(to_hex(key(role, "ephemeral_seed").public_key()),
              vectors()[role]["ephemeral_pk"].get<std::string>());
  }
}

TEST(HandshakeCrypto, DhValuesOfTheTrace) {
  auto ini_s = key("initiator", "static_seed"), ini_e = key("initiator", "ephemeral_seed");
  auto res_s = key("responder", "static_seed"), res_e = key("responder", "ephemeral_seed");
  struct Case {
    const Ed25519SecretKey* sk;
    const Ed25519SecretKey* other;
    const char* step;
  } cases[] = {
      {&ini_e, &res_e, "dh ee"}, {&res_e, &ini_e, "dh ee"}, {&ini_e, &res_s, "dh es"},
      {&res_s, &ini_e, "dh es"}, {&ini_s, &res_e, "dh se"}, {&res_e, &ini_s, "dh se"},
  };
  for (const auto& c : cases) {
    auto dh = hs_dh(hs_dh_scalar(*c.sk), c.other->public_key());
    ASSERT_TRUE(dh.is_ok()) << dh.status().to_string();
    EXPECT_EQ(to_hex(dh->view()), trace("initiator", c.step)) << c.step;
  }
}

// The whole key schedule of the trace, step by step, from the primitives alone.
TEST(HandshakeCrypto, KeyScheduleOfTheTrace) {
  const std::string name = vectors()["protocol_name"].get<std::string>();
  ByteArray<32> h0 = william3(as_bytes(name));
  EXPECT_EQ(to_hex(h0), trace("initiator", "h0 = hash(protocol_name)"));
  SecretArray<32> ck(h0);
  for (const char* step : {"ee", "es", "se"}) {
    auto dh = from_hex(trace("initiator", std::string("dh ") + step));
    ASSERT_TRUE(dh);
    HsHkdfOutputs out = hs_hkdf(ck, *dh);
    EXPECT_EQ(to_hex(out.first.view()), trace("initiator", std::string("ck after ") + step));
    EXPECT_EQ(to_hex(out.second.view()), trace("initiator", std::string("k after ") + step));
    ck = out.first;
  }
  HsHkdfOutputs split = hs_hkdf(ck, {});
  EXPECT_EQ(to_hex(split.first.view()), vectors()["aeadk1"].get<std::string>());
  EXPECT_EQ(to_hex(split.second.view()), vectors()["aeadk2"].get<std::string>());
}

// cyphertext1 = encrypt(k after ee, 0, h after msg2 e, res_spk);
// cyphertext2 = encrypt(k after es, 0, h after cyphertext1, ini_spk).
ByteArray<48> check_cypher(const char* role, const char* k_step, const char* h_step,
                           const char* pk_of, const char* expected_step) {
  AeadKey k(arr<32>(trace(role, k_step)));
  auto h = arr<32>(trace(role, h_step));
  auto spk = arr<32>(vectors()[pk_of]["static_pk"].get<std::string>());
  ByteArray<48> c;
  aead_encrypt(k, 0, h, spk, c);
  EXPECT_EQ(to_hex(c), trace(role, expected_step));
  ByteArray<32> back;
  EXPECT_TRUE(aead_decrypt(k, 0, h, c, back).is_ok());
  EXPECT_EQ(back, spk);
  return c;
}

TEST(HandshakeCrypto, HandshakeCiphertextsOfTheTrace) {
  auto c1 = check_cypher("responder", "k after ee", "h after msg2 e", "responder", "cyphertext1");
  auto c2 =
      check_cypher("initiator", "k after es", "h after cyphertext1", "initiator", "cyphertext2");
  // The transcript hashes: h = william3(h || data) at each step.
  auto mix = [](const std::string& h, ByteView data) {
    William3Hasher hasher;
    auto hb = from_hex(h);
    hasher.update(*hb);
    hasher.update(data);
    return to_hex(hasher.finalize());
  };
  EXPECT_EQ(mix(trace("initiator", "h0 = hash(protocol_name)"),
                *from_hex(vectors()["prologue"].get<std::string>())),
            trace("initiator", "h after prologue"));
  EXPECT_EQ(mix(trace("responder", "h after msg2 e"), c1),
            trace("responder", "h after cyphertext1"));
  EXPECT_EQ(mix(trace("initiator", "h after cyphertext1"), c2), vectors()["h"].get<std::string>());
}

TEST(HandshakeCrypto, NonceIsNinetySixBitBigEndian) {
  EXPECT_EQ(to_hex(aead_nonce(0)), "000000000000000000000000");
  EXPECT_EQ(to_hex(aead_nonce(1)), "000000000000000000000001");
  EXPECT_EQ(to_hex(aead_nonce(0x0102030405060708ull)), "000000000102030405060708");
  EXPECT_EQ(to_hex(aead_nonce(~0ull)), "00000000ffffffffffffffff");
}

TEST(HandshakeCrypto, AeadRejectsEveryFlippedBitAndWrongNonceOrAd) {
  AeadKey k(arr<32>(vectors()["aeadk1"].get<std::string>()));
  Bytes plain = random_bytes(40, 1), ad = random_bytes(7, 2);
  Bytes cipher(plain.size() + kAeadTagLength);
  aead_encrypt(k, 5, ad, plain, cipher);
  Bytes out(plain.size());
  ASSERT_TRUE(aead_decrypt(k, 5, ad, cipher, out).is_ok());
  EXPECT_EQ(out, plain);
  EXPECT_FALSE(aead_decrypt(k, 6, ad, cipher, out).is_ok());
  EXPECT_FALSE(aead_decrypt(k, 5, {}, cipher, out).is_ok());
  for (std::size_t bit = 0; bit < cipher.size() * 8; ++bit) {
    Bytes bad = cipher;
    bad[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    EXPECT_EQ(aead_decrypt(k, 5, ad, bad, out).code(), ErrorCode::kVerification) << bit;
  }
  Bytes tiny(kAeadTagLength - 1);
  EXPECT_EQ(aead_decrypt(k, 5, ad, tiny, {}).code(), ErrorCode::kInvalidArgument);
}

TEST(HandshakeCrypto, HmacUsesBlockLength128) {
  // A key of up to 128 bytes is padded, a longer one replaced by its digest: so a 129-byte
  // key equals its digest as key, while a 128-byte key (not hashed) differs from its digest.
  Bytes msg = random_bytes(300, 3);
  Bytes k129 = random_bytes(129, 4);
  EXPECT_EQ(hmac_william3(k129, {msg}), hmac_william3(william3(k129), {msg}));
  Bytes k128 = random_bytes(128, 5);
  EXPECT_NE(hmac_william3(k128, {msg}), hmac_william3(william3(k128), {msg}));
  // Zero padding: a key and the same key with trailing zeros (up to 128 bytes) agree.
  Bytes k32 = random_bytes(32, 6), k32z = k32;
  k32z.resize(128, 0);
  EXPECT_EQ(hmac_william3(k32, {msg}), hmac_william3(k32z, {msg}));
  // The message parts are concatenated.
  EXPECT_EQ(hmac_william3(k32, {ByteView(msg).first(100), ByteView(msg).subspan(100)}),
            hmac_william3(k32, {msg}));
  // The definition, written out with block length 128.
  Bytes ipad(128, 0x36), opad(128, 0x5c);
  for (std::size_t i = 0; i < k32.size(); ++i) {
    ipad[i] ^= k32[i];
    opad[i] ^= k32[i];
  }
  Bytes inner_in = ipad;
  inner_in.insert(inner_in.end(), msg.begin(), msg.end());
  auto inner = william3(inner_in);
  Bytes outer_in = opad;
  outer_in.insert(outer_in.end(), inner.begin(), inner.end());
  EXPECT_EQ(hmac_william3(k32, {msg}), william3(outer_in));
}

TEST(HandshakeCrypto, DhAgreesForRandomKeys) {
  for (int i = 0; i < 50; ++i) {
    auto a = Ed25519SecretKey::generate(), b = Ed25519SecretKey::generate();
    auto ab = hs_dh(hs_dh_scalar(a), b.public_key());
    auto ba = hs_dh(hs_dh_scalar(b), a.public_key());
    ASSERT_TRUE(ab.is_ok() && ba.is_ok());
    EXPECT_EQ(ab->bytes(), ba->bytes());
  }
}

// Encodings hs_dh must refuse: the small-order points (with and without the sign bit), and
// non-canonical encodings (y >= p).
std::vector<std::string> bad_points() {
  return {
      "0100000000000000000000000000000000000000000000000000000000000000",  // identity
      "0100000000000000000000000000000000000000000000000000000000000080",  // identity, -0
      "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  // order 2
      "0000000000000000000000000000000000000000000000000000000000000000",  // order 4
      "0000000000000000000000000000000000000000000000000000000000000080",  // order 4
      "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",  // order 8
      "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",  // order 8
      "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",  // order 8
      "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",  // order 8
      "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  // y = p
      "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  // y = p + 1
      "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",  // y = p, sign
      "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",  // y = p + 1, sign
      "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",  // y = 2^255 - 1
  };
}

TEST(HandshakeCrypto, DhRejectsSmallOrderAndNonCanonicalPoints) {
  auto sk = Ed25519SecretKey::generate();
  auto scalar = hs_dh_scalar(sk);
  for (const auto& hex : bad_points()) {
    auto r = hs_dh(scalar, arr<32>(hex));
    EXPECT_FALSE(r.is_ok()) << hex;
    if (!r.is_ok()) {
      EXPECT_EQ(r.status().code(), ErrorCode::kVerification);
    }
  }
}

TEST(HandshakeCrypto, DhRejectsPointsOffTheCurveAndOfMixedOrder) {
  auto sk = Ed25519SecretKey::generate();
  auto scalar = hs_dh_scalar(sk);
  int off_curve = 0;
  for (std::uint8_t y = 2; off_curve < 5; ++y) {
    Ed25519PublicKey p{};
    p[0] = y;
    if (crypto_core_ed25519_is_valid_point(p.data())) continue;
    ++off_curve;
    EXPECT_FALSE(hs_dh(scalar, p).is_ok()) << to_hex(p);
  }
  // A valid key plus a point of order 8: a mixed-order point.
  auto other = Ed25519SecretKey::generate();
  auto torsion = arr<32>(bad_points()[5]);
  Ed25519PublicKey mixed;
  ASSERT_EQ(crypto_core_ed25519_add(mixed.data(), other.public_key().data(), torsion.data()), 0);
  EXPECT_TRUE(hs_dh(scalar, other.public_key()).is_ok());
  EXPECT_FALSE(hs_dh(scalar, mixed).is_ok());
}

}  // namespace
}  // namespace osier::crypto
