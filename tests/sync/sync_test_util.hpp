// Helpers shared by the sync tests: the handshake vectors' keys, and running a handshake
// between two in-memory peers.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "osier/base/hex.hpp"
#include "osier/crypto/ed25519.hpp"
#include "support/vectors.hpp"
#include "sync/handshake.hpp"

namespace osier::sync::testing {

inline const nlohmann::json& hs_vectors() { return osier::testing::sync_handshake_vectors(); }

inline Bytes vec_bytes(const nlohmann::json& v) {
  auto b = from_hex(v.get<std::string>());
  EXPECT_TRUE(b);
  return b ? *b : Bytes{};
}

inline crypto::Ed25519SecretKey vec_key(const char* role, const char* which) {
  auto seed = array_from_hex<32>(hs_vectors()[role][which].get<std::string>());
  EXPECT_TRUE(seed);
  return crypto::Ed25519SecretKey::from_seed(seed ? *seed : crypto::Ed25519Seed{});
}

// Moves output from one side to the other until neither has anything to say or one fails.
// `tamper` may change each message in transit (its index: 0, 1, 2).
template <typename Tamper>
void run_handshake(Handshake& ini, Handshake& res, Tamper tamper) {
  Handshake* from = &ini;
  Handshake* to = &res;
  for (int msg = 0; msg < 3; ++msg) {
    Bytes out = from->take_output();
    if (out.empty()) return;
    tamper(msg, out);
    auto used = to->receive(out);
    if (!used.is_ok()) return;
    std::swap(from, to);
  }
}

inline void run_handshake(Handshake& ini, Handshake& res) {
  run_handshake(ini, res, [](int, Bytes&) {});
}

}  // namespace osier::sync::testing
