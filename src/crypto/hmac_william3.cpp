#include "crypto/hmac_william3.hpp"

#include <type_traits>

#include "crypto/secret.hpp"

namespace osier::crypto {

namespace {

constexpr std::uint8_t kIpad = 0x36;
constexpr std::uint8_t kOpad = 0x5c;

// The hasher keeps the key-derived block in its chunk buffer; it is a plain value, so wiping
// its bytes wipes everything it absorbed.
static_assert(std::is_trivially_copyable_v<William3Hasher>);
void wipe_hasher(William3Hasher& hasher) {
  wipe(MutableByteView(reinterpret_cast<std::uint8_t*>(&hasher), sizeof hasher));
}

}  // namespace

// spec: handshake_and_encryption#hs_hkdf ("HMAC-Hash" of RFC 5869 is hs_hash)
William3Digest hmac_william3(ByteView key, std::initializer_list<ByteView> message_parts) {
  SecretArray<kHmacWilliam3BlockLength> padded;  // K', zero-padded
  if (key.size() > kHmacWilliam3BlockLength) {
    SecretArray<32> key_digest(william3(key));
    std::copy(key_digest.bytes().begin(), key_digest.bytes().end(), padded.data());
  } else {
    std::copy(key.begin(), key.end(), padded.data());
  }

  SecretArray<kHmacWilliam3BlockLength> block;
  for (std::size_t i = 0; i < kHmacWilliam3BlockLength; ++i)
    block.data()[i] = padded.data()[i] ^ kIpad;
  William3Hasher inner;
  inner.update(block.view());
  for (ByteView part : message_parts) inner.update(part);
  SecretArray<32> inner_digest(inner.finalize());
  wipe_hasher(inner);

  for (std::size_t i = 0; i < kHmacWilliam3BlockLength; ++i)
    block.data()[i] = padded.data()[i] ^ kOpad;
  William3Hasher outer;
  outer.update(block.view());
  outer.update(inner_digest.view());
  William3Digest out = outer.finalize();
  wipe_hasher(outer);
  return out;
}

}  // namespace osier::crypto
