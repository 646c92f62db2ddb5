// Strict Ed25519 verification of arbitrary public keys, signatures and messages never crashes.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "osier/crypto/ed25519.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace osier;
  if (size < 96) return 0;
  crypto::Ed25519PublicKey pk;
  crypto::Ed25519Signature sig;
  std::memcpy(pk.data(), data, 32);
  std::memcpy(sig.data(), data + 32, 64);
  (void)crypto::ed25519_verify(pk, ByteView(data + 96, size - 96), sig);
  return 0;
}
