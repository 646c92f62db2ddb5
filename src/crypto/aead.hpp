// ChaCha20-Poly1305 (IETF, RFC 8439) with the handshake's 12-byte nonce layout.
// spec: handshake_and_encryption#hs_encrypt, #hs_decrypt, willow25#willow25_cs_handshake
//
// A nonce is a number n < 2^64 (the transport's 64-bit counter; the handshake uses 0). Its
// 12 bytes are 4 zero bytes, then n big-endian: see aead_nonce (SPEC-NOTES Sync item 2).
//
// Stateless and thread-safe; libsodium does the work (short messages without associated data
// are composed here from its ChaCha20 and Poly1305, byte-identical: see aead.cpp). In-place
// operation is allowed (`out` may be the same memory as the input text). A failed decryption
// leaves `out` zeroed.
#pragma once

#include <cstddef>
#include <cstdint>

#include "crypto/secret.hpp"
#include "osier/base/bytes.hpp"
#include "osier/base/status.hpp"

namespace osier::crypto {

inline constexpr std::size_t kAeadKeyLength = 32;
inline constexpr std::size_t kAeadNonceLength = 12;  // willow25: hs_nl is 12 bytes
inline constexpr std::size_t kAeadTagLength = 16;

using AeadKey = SecretArray<kAeadKeyLength>;

// The 12 nonce bytes of nonce number n: 00 00 00 00, then n as 8 big-endian bytes.
// Our reading: ../shared/SPEC-NOTES.md, Sync item 2 (the one place it is written down).
ByteArray<kAeadNonceLength> aead_nonce(std::uint64_t n);

// Writes the ciphertext with its tag (plaintext.size() + kAeadTagLength bytes) to `out`.
// REQUIRES: out.size() == plaintext.size() + kAeadTagLength
void aead_encrypt(const AeadKey& key, std::uint64_t nonce, ByteView ad, ByteView plaintext,
                  MutableByteView out);

// Checks and decrypts `ciphertext` (with its tag) into `out`. kVerification if the tag does
// not check out, kInvalidArgument if the ciphertext is shorter than a tag.
// REQUIRES: out.size() == ciphertext.size() - kAeadTagLength (when it is at least a tag)
Status aead_decrypt(const AeadKey& key, std::uint64_t nonce, ByteView ad, ByteView ciphertext,
                    MutableByteView out);

}  // namespace osier::crypto
