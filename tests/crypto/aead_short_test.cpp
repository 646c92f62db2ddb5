// crypto::aead_encrypt/aead_decrypt compose short messages without associated data themselves
// (one ChaCha20 call for four blocks and a one-shot Poly1305): they must equal libsodium's
// ChaCha20-Poly1305 IETF byte for byte, on both sides of the short path's limit.
#include <gtest/gtest.h>
#include <sodium.h>

#include <cstdint>
#include <random>

#include "crypto/aead.hpp"
#include "crypto/sodium.hpp"

namespace osier::crypto {
namespace {

AeadKey random_aead_key(std::mt19937_64& rng) {
  AeadKey k;
  for (auto& b : k.mutable_bytes()) b = static_cast<std::uint8_t>(rng());
  return k;
}

Bytes libsodium_encrypt(const AeadKey& key, std::uint64_t nonce, ByteView ad, ByteView text) {
  ensure_sodium();
  Bytes out(text.size() + kAeadTagLength);
  unsigned long long len = 0;
  const auto npub = aead_nonce(nonce);
  crypto_aead_chacha20poly1305_ietf_encrypt(out.data(), &len, text.data(), text.size(), ad.data(),
                                            ad.size(), nullptr, npub.data(), key.data());
  return out;
}

TEST(AeadShort, EqualsLibsodiumForEveryLengthUpToAndPastTheShortPath) {
  std::mt19937_64 rng(41);
  for (std::size_t len = 0; len <= 260; ++len) {
    const AeadKey key = random_aead_key(rng);
    const std::uint64_t nonce = rng();
    Bytes text(len);
    for (auto& b : text) b = static_cast<std::uint8_t>(rng());
    for (const bool with_ad : {false, true}) {
      const Bytes ad = with_ad ? Bytes{1, 2, 3} : Bytes{};
      const Bytes expected = libsodium_encrypt(key, nonce, ad, text);
      Bytes got(len + kAeadTagLength);
      aead_encrypt(key, nonce, ad, text, got);
      ASSERT_EQ(got, expected) << "length " << len << (with_ad ? " with ad" : "");
      Bytes back(len);
      ASSERT_TRUE(aead_decrypt(key, nonce, ad, got, back)) << len;
      EXPECT_EQ(back, text);
      // In place, both ways.
      Bytes inplace = text;
      inplace.resize(len + kAeadTagLength);
      aead_encrypt(key, nonce, ad, ByteView(inplace.data(), len), inplace);
      EXPECT_EQ(inplace, expected);
      ASSERT_TRUE(aead_decrypt(key, nonce, ad, inplace, MutableByteView(inplace.data(), len)));
      EXPECT_EQ(Bytes(inplace.begin(), inplace.begin() + static_cast<std::ptrdiff_t>(len)), text);
    }
  }
}

TEST(AeadShort, EveryFlippedBitOfALengthFrameFailsAndLeavesZeros) {
  std::mt19937_64 rng(43);
  const AeadKey key = random_aead_key(rng);
  const Bytes text{0x10, 0x00};
  Bytes frame(text.size() + kAeadTagLength);
  aead_encrypt(key, 9, {}, text, frame);
  for (std::size_t bit = 0; bit < frame.size() * 8; ++bit) {
    Bytes bad = frame;
    bad[bit / 8] ^= static_cast<std::uint8_t>(1U << (bit % 8));
    Bytes out{0xaa, 0xbb};
    const Status st = aead_decrypt(key, 9, {}, bad, out);
    ASSERT_EQ(st.code(), ErrorCode::kVerification) << bit;
    EXPECT_EQ(out, (Bytes{0, 0}));
  }
  Bytes out(2);
  EXPECT_EQ(aead_decrypt(key, 10, {}, frame, out).code(), ErrorCode::kVerification);
  EXPECT_TRUE(aead_decrypt(key, 9, {}, frame, out));
  EXPECT_EQ(out, text);
}

}  // namespace
}  // namespace osier::crypto
