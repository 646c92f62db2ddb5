// HOST:PORT as people write it on the command line: `127.0.0.1:22377`, `localhost:22377`,
// `[::1]:22377`, or a HOST alone (then the default port). No Asio here; resolving a host name is
// the listener's and the dialer's work.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "osier/base/status.hpp"

namespace osier::net {

// The port `osier serve` listens on unless told otherwise: 0x5769, "Wi" in ASCII.
inline constexpr std::uint16_t kDefaultPort = 22377;
// `osier serve` listens on the loopback interface unless told otherwise.
inline constexpr char kDefaultHost[] = "127.0.0.1";

struct Endpoint {
  std::string host;  // an IPv4 or IPv6 address (without brackets) or a host name
  std::uint16_t port = kDefaultPort;

  // host:port, with brackets around an IPv6 address.
  std::string to_string() const;
};

// kInvalidArgument for an empty host, a port that is not 0..65535 in decimal, an unclosed '['.
// A bare IPv6 address (two or more colons, no brackets) is taken as a host without a port. The
// URL form tcp://HOST:PORT (optionally with a trailing /) is accepted too.
Result<Endpoint> parse_endpoint(std::string_view text, std::uint16_t default_port = kDefaultPort);

// The first of a willow URI's resolution hints (uris#EntryURIHints, in the order to try them)
// that names a Confidential Sync peer: tcp://HOST[:PORT][/...] or wcsp://HOST[:PORT][/...] (the
// spec's example scheme; docs/spec-notes.md "Peers in URI hints"), the path ignored. kNotFound
// when none does; a hint of one of these schemes whose address does not parse is skipped.
Result<Endpoint> endpoint_from_hints(const std::vector<std::string>& hints,
                                     std::uint16_t default_port = kDefaultPort);

}  // namespace osier::net
