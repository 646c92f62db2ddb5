#include "net_text.hpp"

#include <fmt/core.h>

#include <ctime>
#include <string>

#include "osier/base/hex.hpp"
#include "osier/net/sync.hpp"
#include "osier/uri/willow_uri.hpp"

namespace osier::cli {

// "250ms", "10s", "2m", or a number of seconds; between 1 ms and a day.
Result<std::chrono::milliseconds> parse_duration(const std::string& text, const char* what) {
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  const std::string unit = text.substr(digits);
  std::uint64_t factor = 0;
  if (unit == "ms") factor = 1;
  if (unit.empty() || unit == "s") factor = 1000;
  if (unit == "m") factor = 60'000;
  constexpr std::uint64_t kDay = 86'400'000;
  std::uint64_t v = 0;
  bool ok = digits > 0 && digits <= 9 && factor != 0;
  for (std::size_t i = 0; ok && i < digits; ++i) v = v * 10 + (text[i] - '0');
  ok = ok && v > 0 && v * factor <= kDay;
  if (!ok) {
    return error(ErrorCode::kInvalidArgument,
                 std::string(what) + ": '" + text +
                     "' is not a duration from 1ms to 24h (e.g. 250ms, 10s, 2m; a bare number "
                     "is seconds)");
  }
  return std::chrono::milliseconds(v * factor);
}

// "2026-12-05T18:51:04.123Z" for log lines.
std::string now_text() {
  const auto now = std::chrono::system_clock::now();
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  ::gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return fmt::format("{}.{:03}Z", buf, ms % 1000);
}

std::string peer_text(const LocalNode& n, const crypto::Ed25519PublicKey& pk) {
  const std::optional<std::string> name = n.aliases().name_of(uri::IdKind::kSubspace, pk);
  return to_hex(pk) + (name ? " (" + *name + ")" : "");
}

// "64KiB", "1M", "300" (bytes): a size from 0 to 2^63.
Result<std::uint64_t> parse_size(const std::string& text, const char* what) {
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  const std::string unit = text.substr(digits);
  int shift = -1;
  if (unit.empty() || unit == "B") shift = 0;
  if (unit == "K" || unit == "KiB") shift = 10;
  if (unit == "M" || unit == "MiB") shift = 20;
  if (unit == "G" || unit == "GiB") shift = 30;
  std::uint64_t v = 0;
  bool ok = digits > 0 && digits <= 12 && shift >= 0;
  for (std::size_t i = 0; ok && i < digits; ++i) v = v * 10 + static_cast<unsigned>(text[i] - '0');
  ok = ok && v <= (std::uint64_t{1} << (63 - shift));
  if (!ok) {
    return error(ErrorCode::kInvalidArgument,
                 std::string(what) + ": '" + text +
                     "' is not a size (bytes, or with a unit: 64KiB, 16MiB, 1GiB; K, M, G too)");
  }
  return v << shift;
}

// The smallest max_payload_power whose payloads (at most 2^power bytes) include `size` bytes.
std::uint8_t payload_power_for(std::uint64_t size) {
  std::uint8_t p = 0;
  while (p < 64 && (std::uint64_t{1} << p) < size) ++p;
  return p;
}

Result<std::size_t> max_open_ranges(std::uint64_t n) {
  const std::uint64_t least = net::kDefaultMaxOpenRanges;
  const std::uint64_t most = 4 * std::uint64_t{net::kDefaultMaxOpenRanges};
  if (n < least || n > most) {
    return error(ErrorCode::kInvalidArgument,
                 "--max-open-ranges must be between " + std::to_string(least) + " and " +
                     std::to_string(most) +
                     " (within 4 times the default, so that peers with the default can sync with "
                     "this one), not " +
                     std::to_string(n));
  }
  return static_cast<std::size_t>(n);
}

std::string max_open_ranges_help() {
  return "Reconciliation ranges awaiting the peer's answer, per session (default and least " +
         std::to_string(net::kDefaultMaxOpenRanges) + ": about 0.1-0.2 GiB at worst; at most " +
         std::to_string(4 * net::kDefaultMaxOpenRanges) +
         "); more saves round trips when the stores differ in many places";
}

}  // namespace osier::cli
