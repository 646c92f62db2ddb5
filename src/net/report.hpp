// How a connection between two nodes ended: the report the dialer returns and the server hands
// to its on_report, one per peer. Public (no Asio, no protocol internals).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "base/bytes.hpp"
#include "crypto/ed25519.hpp"

namespace osier::net {

// How a connection ended.
enum class Ending : std::uint8_t {
  kClean,             // both end markers exchanged
  kError,             // the peer broke the protocol, or a socket error
  kHandshakeTimeout,  // no complete handshake in time
  kIdleTimeout,       // nothing from the peer for idle_timeout (we closed politely)
  kRefused,           // the connection limit was reached
  kStopped,           // our side shut down (osier serve stopping)
};
const char* ending_name(Ending e);

struct ConnectionReport {
  std::string remote;  // the peer's address:port
  std::optional<crypto::Ed25519PublicKey>
      peer;                                     // once the peer proved it (PeerApp::on_established)
  std::optional<ByteArray<32>> handshake_hash;  // the final handshake hash, with `peer`
  Ending ending = Ending::kError;
  std::string reason;          // why, in one line (for errors: what the peer did wrong)
  std::uint64_t bytes_in = 0;  // raw TCP bytes
  std::uint64_t bytes_out = 0;
  std::chrono::milliseconds duration{0};

  bool clean() const { return ending == Ending::kClean; }
  // "peer 127.0.0.1:40312 key 03a1...: error: transport: ... (in 240 B, out 160 B, 0.01 s)"
  std::string line() const;
};

}  // namespace osier::net
