// Deterministic pseudo-random bytes (mt19937_64 from a seed), for test payloads and streams. One
// definition for the crypto and sync tests: the copies they had apart became ambiguous when
// their files compile together (unity build).
#pragma once

#include <cstdint>
#include <random>

#include "osier/base/bytes.hpp"

namespace osier::testing {

inline Bytes random_bytes(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  Bytes b(n);
  for (auto& x : b) x = static_cast<std::uint8_t>(rng());
  return b;
}

}  // namespace osier::testing
