// Text forms the network commands share (serve, sync, connect, daemon, status): durations and
// sizes as users write them, log-line timestamps, a peer's key with its alias.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "cmd_node.hpp"
#include "osier/base/status.hpp"
#include "osier/crypto/ed25519.hpp"

namespace osier::cli {

// "250ms", "10s", "2m", or a number of seconds; between 1 ms and a day.
Result<std::chrono::milliseconds> parse_duration(const std::string& text, const char* what);
// "2026-12-05T18:51:04.123Z" for log lines.
std::string now_text();
// The key in hex, with its alias in parentheses when the home has one.
std::string peer_text(const LocalNode& n, const crypto::Ed25519PublicKey& pk);
// "64KiB", "1M", "300" (bytes): a size from 0 to 2^63.
Result<std::uint64_t> parse_size(const std::string& text, const char* what);
// The smallest max_payload_power whose payloads (at most 2^power bytes) include `size` bytes.
std::uint8_t payload_power_for(std::uint64_t size);
// --max-open-ranges as the commands allow it: from the default to 4 times it. Peers whose limits
// differ by more than 4 times may end each other's sessions (sync/rbsr.hpp, Errors), and each
// overlap's root counts against the limit (a node's sessions carry up to 32,768:
// SessionConfig::allow_many_namespaces).
Result<std::size_t> max_open_ranges(std::uint64_t n);
// The option's help text.
std::string max_open_ranges_help();

}  // namespace osier::cli
