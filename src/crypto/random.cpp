#include "crypto/random.hpp"

#include <sodium.h>

#include "crypto/sodium.hpp"

namespace osier::crypto {

void random_bytes(MutableByteView out) {
  ensure_sodium();
  randombytes_buf(out.data(), out.size());
}

}  // namespace osier::crypto
