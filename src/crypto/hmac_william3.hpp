// HMAC (RFC 2104) with WILLIAM3 as the hash function, as the handshake's HKDF uses it.
// spec: handshake_and_encryption#hs_hkdf, willow25#willow25_cs_handshake (hs_blocklen)
//
// HMAC(K, m) = H((K' xor opad) || H((K' xor ipad) || m)), where K' is K zero-padded to the
// block length B (a key longer than B is first replaced by its digest). B is 128 bytes here,
// not WILLIAM3's 64-byte compression block: see kHmacWilliam3BlockLength.
//
// Stateless and thread-safe. The padded key and the hasher states that absorbed it are wiped
// before returning. Memory: a few KiB on the stack, whatever the message length.
#pragma once

#include <cstddef>
#include <initializer_list>

#include "osier/base/bytes.hpp"
#include "osier/crypto/william3.hpp"

namespace osier::crypto {

// HMAC's B for WILLIAM3: the hs_blocklen that willow25 states, although WILLIAM3 compresses
// 64-byte blocks. Our reading: ../shared/SPEC-NOTES.md, Sync item 3.
inline constexpr std::size_t kHmacWilliam3BlockLength = 128;

// The HMAC of the concatenation of `message_parts` under `key` (any length).
William3Digest hmac_william3(ByteView key, std::initializer_list<ByteView> message_parts);

}  // namespace osier::crypto
