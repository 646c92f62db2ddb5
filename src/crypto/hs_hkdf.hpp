// The handshake's two-output HKDF over WILLIAM3: Noise's HKDF with num_outputs = 2.
// spec: handshake_and_encryption#hs_hkdf
//
//   temp_key = HMAC(chaining_key, input_key_material)
//   output1  = HMAC(temp_key, 0x01)
//   output2  = HMAC(temp_key, output1 || 0x02)
// with HMAC = hmac_william3 (crypto/hmac_william3.hpp, block length 128).
//
// Stateless and thread-safe; temp_key is wiped before returning. The outputs are secrets
// (a chaining key and a cipher key), returned in wiping holders.
#pragma once

#include "crypto/secret.hpp"
#include "osier/base/bytes.hpp"

namespace osier::crypto {

struct HsHkdfOutputs {
  SecretArray<32> first;   // the new chaining key (or the first transport key)
  SecretArray<32> second;  // the new cipher key (or the second transport key)
};

HsHkdfOutputs hs_hkdf(const SecretArray<32>& chaining_key, ByteView input_key_material);

}  // namespace osier::crypto
