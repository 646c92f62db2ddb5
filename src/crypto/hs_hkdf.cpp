#include "crypto/hs_hkdf.hpp"

#include "crypto/hmac_william3.hpp"

namespace osier::crypto {

// spec: handshake_and_encryption#hs_hkdf
HsHkdfOutputs hs_hkdf(const SecretArray<32>& chaining_key, ByteView input_key_material) {
  static constexpr std::uint8_t kOne[1] = {0x01};
  static constexpr std::uint8_t kTwo[1] = {0x02};
  SecretArray<32> temp_key(hmac_william3(chaining_key.view(), {input_key_material}));
  HsHkdfOutputs out;
  out.first = SecretArray<32>(hmac_william3(temp_key.view(), {ByteView(kOne)}));
  out.second = SecretArray<32>(hmac_william3(temp_key.view(), {out.first.view(), ByteView(kTwo)}));
  return out;
}

}  // namespace osier::crypto
