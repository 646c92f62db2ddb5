#include "crypto/sodium.hpp"

#include <sodium.h>

#include <cstdlib>

namespace osier::crypto {

void ensure_sodium() {
  static const bool ok = [] {
    // sodium_init returns 1 if already initialised; -1 only if the library cannot work at all
    // (no usable randomness source), where continuing would be unsafe.
    if (sodium_init() < 0) std::abort();
    return true;
  }();
  (void)ok;
}

}  // namespace osier::crypto
