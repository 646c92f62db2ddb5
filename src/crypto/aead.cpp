#include "crypto/aead.hpp"

#include <sodium.h>

#include <cassert>

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

// spec: handshake_and_encryption#hs_encrypt
void aead_encrypt(const AeadKey& key, std::uint64_t nonce, ByteView ad, ByteView plaintext,
                  MutableByteView out) {
  assert(out.size() == plaintext.size() + kAeadTagLength);
  ensure_sodium();
  const auto npub = aead_nonce(nonce);
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
  unsigned long long out_len = 0;
  if (crypto_aead_chacha20poly1305_ietf_decrypt(out.data(), &out_len, nullptr, ciphertext.data(),
                                                ciphertext.size(), ad.data(), ad.size(),
                                                npub.data(), key.data()) != 0) {
    return error(ErrorCode::kVerification, "AEAD tag does not verify (decryption failed)");
  }
  return Status::ok();
}

}  // namespace osier::crypto
