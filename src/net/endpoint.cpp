#include "osier/net/endpoint.hpp"

#include <fmt/core.h>

namespace osier::net {
namespace {

Result<std::uint16_t> parse_port(std::string_view text, std::string_view whole) {
  if (text.empty() || text.size() > 5 || text.find_first_not_of("0123456789") != text.npos) {
    return error(ErrorCode::kInvalidArgument,
                 fmt::format("'{}': the port must be a number from 0 to 65535", whole));
  }
  std::uint32_t v = 0;
  for (char c : text) v = v * 10 + static_cast<std::uint32_t>(c - '0');
  if (v > 65535) {
    return error(ErrorCode::kInvalidArgument,
                 fmt::format("'{}': the port must be a number from 0 to 65535", whole));
  }
  return static_cast<std::uint16_t>(v);
}

}  // namespace

std::string Endpoint::to_string() const {
  const bool v6 = host.find(':') != std::string::npos;
  return v6 ? fmt::format("[{}]:{}", host, port) : fmt::format("{}:{}", host, port);
}

Result<Endpoint> parse_endpoint(std::string_view text, std::uint16_t default_port) {
  // The URL form peers are written in elsewhere (willow URI hints, configuration files).
  constexpr std::string_view kScheme = "tcp://";
  if (text.substr(0, kScheme.size()) == kScheme) {
    text.remove_prefix(kScheme.size());
    if (!text.empty() && text.back() == '/') text.remove_suffix(1);
  }
  Endpoint e;
  e.port = default_port;
  std::string_view host = text;
  std::string_view port;
  bool has_port = false;
  if (!text.empty() && text.front() == '[') {
    const std::size_t close = text.find(']');
    if (close == text.npos) {
      return error(ErrorCode::kInvalidArgument,
                   fmt::format("'{}': an IPv6 address in [ ] lacks its ']'", text));
    }
    host = text.substr(1, close - 1);
    std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') {
        return error(ErrorCode::kInvalidArgument,
                     fmt::format("'{}': expected ':PORT' after ']'", text));
      }
      port = rest.substr(1);
      has_port = true;
    }
  } else if (const std::size_t colon = text.rfind(':');
             colon != text.npos && text.find(':') == colon) {
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    has_port = true;
  }
  if (host.empty()) {
    return error(ErrorCode::kInvalidArgument,
                 fmt::format("'{}': expected HOST:PORT (the host is empty)", text));
  }
  if (has_port) {
    OSIER_ASSIGN_OR_RETURN(e.port, parse_port(port, text));
  }
  e.host = std::string(host);
  return e;
}

Result<Endpoint> endpoint_from_hints(const std::vector<std::string>& hints,
                                     std::uint16_t default_port) {
  for (const std::string& hint : hints) {
    std::string_view text = hint;
    bool ours = false;
    for (std::string_view scheme : {"tcp://", "wcsp://"}) {
      if (text.substr(0, scheme.size()) == scheme) {
        text.remove_prefix(scheme.size());
        ours = true;
      }
    }
    if (!ours) continue;
    text = text.substr(0, text.find('/'));
    if (Result<Endpoint> e = parse_endpoint(text, default_port)) return e;
  }
  return error(ErrorCode::kNotFound, "no hint names a peer (tcp://HOST:PORT or wcsp://HOST:PORT)");
}

}  // namespace osier::net
