// Helpers shared by the Bab tests: random payloads and a verifier driver that feeds a
// stream in random pieces.
#pragma once

#include <algorithm>
#include <random>

#include "crypto/bab_verifier.hpp"
#include "osier/crypto/bab_hash.hpp"
#include "osier/crypto/william3.hpp"
#include "support/random_bytes.hpp"

namespace osier::crypto::testing {

using osier::testing::random_bytes;

struct VerifyRun {
  Status status;   // first failure of feed/finish, or OK
  Bytes released;  // everything the verifier released
  std::uint64_t prefix = 0;
};

// Feeds `stream` in random pieces (seeded), then finish() if `finish`.
inline VerifyRun run_verifier(BabVerifier v, ByteView stream, std::uint64_t seed,
                              bool finish = true) {
  VerifyRun out;
  std::mt19937_64 rng(seed);
  auto release = [&out](ByteView b) { append(out.released, b); };
  std::size_t pos = 0;
  while (pos < stream.size()) {
    std::size_t n;
    switch (rng() % 4) {
      case 0:
        n = 1;
        break;
      case 1:
        n = rng() % 40;
        break;
      case 2:
        n = rng() % 3000;
        break;
      default:
        n = stream.size();
        break;
    }
    n = std::min(n, stream.size() - pos);
    Status st = v.feed(stream.subspan(pos, n), release);
    pos += n;
    if (!st.is_ok()) {
      out.status = st;
      out.prefix = v.verified_prefix_length();
      return out;
    }
  }
  if (finish) out.status = v.finish(release);
  out.prefix = v.verified_prefix_length();
  return out;
}

}  // namespace osier::crypto::testing
