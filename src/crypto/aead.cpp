#include "crypto/aead.hpp"

#include <sodium.h>

#include <array>
#include <cassert>
#include <cstring>

#include "crypto/sodium.hpp"

namespace osier::crypto {

static_assert(crypto_aead_chacha20poly1305_ietf_KEYBYTES == kAeadKeyLength);
static_assert(crypto_aead_chacha20poly1305_ietf_NPUBBYTES == kAeadNonceLength);
static_assert(crypto_aead_chacha20poly1305_ietf_ABYTES == kAeadTagLength);

// SPEC-NOTES Sync item 2: a 96-bit big-endian integer.
ByteArray<kAeadNonceLength> aead_nonce(std::uint64_t n) {
  ByteArray<kAeadNonceLength> nonce{};
  for (std::size_t i = 0; i < 8; ++i)
    nonce[kAeadNonceLength - 1 - i] = static_cast<std::uint8_t>(n >> (8 * i));
  return nonce;
}

namespace {

// Short messages without associated data (the transport's 2-byte chunk lengths): RFC 8439's
// construction from one libsodium ChaCha20 call for four blocks (block 0: the Poly1305 key,
// blocks 1-3: the keystream) and a one-shot Poly1305. libsodium's AEAD computes blocks 0 and 1
// in two calls, each through its one-block code; four blocks take its SIMD path, about 0.6x the
// time for the whole frame (docs/benchmarks.md "The transport's 4096-byte chunks").
constexpr std::size_t kShortKeystream = 4 * 64;
constexpr std::size_t kShortMax = kShortKeystream - 64;

bool short_path(ByteView ad, std::size_t text_len) { return ad.empty() && text_len <= kShortMax; }

// spec: RFC 8439 section 2.8: Poly1305 over pad16(ciphertext) || le64(0) || le64(length), with
// no associated data.
void short_tag(const std::uint8_t* poly_key, ByteView ciphertext, std::uint8_t* tag) {
  std::array<std::uint8_t, kShortMax + 16> mac{};
  std::memcpy(mac.data(), ciphertext.data(), ciphertext.size());
  const std::size_t padded = (ciphertext.size() + 15) / 16 * 16;
  const std::uint64_t len = ciphertext.size();
  for (std::size_t i = 0; i < 8; ++i)
    mac[padded + 8 + i] = static_cast<std::uint8_t>(len >> (8 * i));
  crypto_onetimeauth_poly1305(tag, mac.data(), padded + 16, poly_key);
}

}  // namespace

// spec: handshake_and_encryption#hs_encrypt
void aead_encrypt(const AeadKey& key, std::uint64_t nonce, ByteView ad, ByteView plaintext,
                  MutableByteView out) {
  assert(out.size() == plaintext.size() + kAeadTagLength);
  ensure_sodium();
  const auto npub = aead_nonce(nonce);
  if (short_path(ad, plaintext.size())) {
    std::array<std::uint8_t, kShortKeystream> ks;
    crypto_stream_chacha20_ietf(ks.data(), ks.size(), npub.data(), key.data());
    for (std::size_t i = 0; i < plaintext.size(); ++i) out[i] = plaintext[i] ^ ks[64 + i];
    short_tag(ks.data(), ByteView(out.data(), plaintext.size()), out.data() + plaintext.size());
    sodium_memzero(ks.data(), ks.size());
    return;
  }
  unsigned long long out_len = 0;
  crypto_aead_chacha20poly1305_ietf_encrypt(out.data(), &out_len, plaintext.data(),
                                            plaintext.size(), ad.data(), ad.size(), nullptr,
                                            npub.data(), key.data());
}

// spec: handshake_and_encryption#hs_decrypt
Status aead_decrypt(const AeadKey& key, std::uint64_t nonce, ByteView ad, ByteView ciphertext,
                    MutableByteView out) {
  if (ciphertext.size() < kAeadTagLength) {
    return error(ErrorCode::kInvalidArgument, "AEAD ciphertext shorter than its tag");
  }
  assert(out.size() == ciphertext.size() - kAeadTagLength);
  ensure_sodium();
  const auto npub = aead_nonce(nonce);
  const std::size_t text_len = ciphertext.size() - kAeadTagLength;
  if (short_path(ad, text_len)) {
    std::array<std::uint8_t, kShortKeystream> ks;
    crypto_stream_chacha20_ietf(ks.data(), ks.size(), npub.data(), key.data());
    std::array<std::uint8_t, kAeadTagLength> tag;
    short_tag(ks.data(), ciphertext.first(text_len), tag.data());
    const bool ok = crypto_verify_16(tag.data(), ciphertext.data() + text_len) == 0;
    for (std::size_t i = 0; i < text_len; ++i) out[i] = ok ? ciphertext[i] ^ ks[64 + i] : 0;
    sodium_memzero(ks.data(), ks.size());
    sodium_memzero(tag.data(), tag.size());
    if (!ok) return error(ErrorCode::kVerification, "AEAD tag does not verify (decryption failed)");
    return Status::ok();
  }
  unsigned long long out_len = 0;
  if (crypto_aead_chacha20poly1305_ietf_decrypt(out.data(), &out_len, nullptr, ciphertext.data(),
                                                ciphertext.size(), ad.data(), ad.size(),
                                                npub.data(), key.data()) != 0) {
    return error(ErrorCode::kVerification, "AEAD tag does not verify (decryption failed)");
  }
  return Status::ok();
}

}  // namespace osier::crypto
