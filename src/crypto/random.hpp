// Cryptographically secure randomness (libsodium's randombytes: getrandom(2) on Linux).
#pragma once

#include "osier/base/bytes.hpp"

namespace osier::crypto {

void random_bytes(MutableByteView out);

template <std::size_t N>
ByteArray<N> random_array() {
  ByteArray<N> out;
  random_bytes(out);
  return out;
}

}  // namespace osier::crypto
