// A fixed-size secret (a key, a chaining key, a Diffie-Hellman output) that wipes itself with
// sodium_memzero when it dies, so no copy of it outlives its holder in freed memory.
//
// Copies are explicit (copy construction and assignment are allowed, and each copy wipes
// itself too); moves copy and wipe the source. Not thread-safe (a plain value).
#pragma once

#include <cstddef>

#include "osier/base/bytes.hpp"
#include "osier/crypto/ed25519.hpp"  // wipe()

namespace osier::crypto {

template <std::size_t N>
class SecretArray {
 public:
  SecretArray() = default;
  explicit SecretArray(const ByteArray<N>& bytes) : bytes_(bytes) {}
  SecretArray(const SecretArray&) = default;
  SecretArray& operator=(const SecretArray&) = default;
  SecretArray(SecretArray&& other) noexcept : bytes_(other.bytes_) { other.wipe(); }
  SecretArray& operator=(SecretArray&& other) noexcept {
    bytes_ = other.bytes_;
    if (&other != this) other.wipe();
    return *this;
  }
  ~SecretArray() { wipe(); }

  const ByteArray<N>& bytes() const { return bytes_; }
  ByteArray<N>& mutable_bytes() { return bytes_; }
  ByteView view() const { return bytes_; }
  const std::uint8_t* data() const { return bytes_.data(); }
  std::uint8_t* data() { return bytes_.data(); }
  static constexpr std::size_t size() { return N; }

  void wipe() { crypto::wipe(bytes_); }

 private:
  ByteArray<N> bytes_{};
};

}  // namespace osier::crypto
