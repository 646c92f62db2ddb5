// osier serve | connect: the TCP transport between nodes (issue #13 items 7-8, docs/cli.md).
// `serve` listens and runs the handshake and an LCMUX session per connection; `connect` dials
// one, completes the handshake and transport, prints the peer's key and closes cleanly. Both
// authenticate as one of the home's identities (Node::sync_identity).
#include <fmt/core.h>

#include <cstdio>
#include <optional>

#include "base/hex.hpp"
#include "cmd_node.hpp"
#include "commands.hpp"
#include "net/endpoint.hpp"
#include "net/server.hpp"

namespace osier::cli {
namespace {

struct NetOptions {
  NodeFlags flags;
  std::string address;
  std::optional<std::string> as;
  std::uint64_t max_connections = net::kDefaultMaxConnections;
  std::uint64_t max_handshaking = net::kDefaultMaxHandshaking;
  std::uint64_t max_per_ip = net::kDefaultMaxPerIp;
  std::string handshake_timeout = "10s";
  std::string idle_timeout = "120s";
  std::string timeout = "10s";
};

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

std::string peer_text(const node::Node& n, const crypto::Ed25519PublicKey& pk) {
  const std::optional<std::string> name = n.aliases().name_of(uri::IdKind::kSubspace, pk);
  return to_hex(pk) + (name ? " (" + *name + ")" : "");
}

void run_serve(const NetOptions& o) {
  auto n = open_node("serve", o.flags, /*read_only=*/true);
  if (!n) return;
  Result<node::Identity> me = n->sync_identity(o.as);
  if (!me) return fail("serve", me.status());
  Result<net::Endpoint> listen = net::parse_endpoint(o.address);
  if (!listen) return fail("serve", listen.status(), 2);
  net::ServerOptions so;
  so.listen = *listen;
  if (o.max_connections == 0) {
    return fail("serve", error(ErrorCode::kInvalidArgument, "--max-connections must be at least 1"),
                2);
  }
  so.max_connections = static_cast<std::size_t>(o.max_connections);
  if (o.max_handshaking == 0 || o.max_per_ip == 0) {
    return fail("serve",
                error(ErrorCode::kInvalidArgument, o.max_handshaking == 0
                                                       ? "--max-handshaking must be at least 1"
                                                       : "--max-per-ip must be at least 1"),
                2);
  }
  so.max_handshaking = static_cast<std::size_t>(o.max_handshaking);
  so.max_per_ip = static_cast<std::size_t>(o.max_per_ip);
  Result<std::chrono::milliseconds> hs = parse_duration(o.handshake_timeout, "--handshake-timeout");
  if (!hs) return fail("serve", hs.status(), 2);
  Result<std::chrono::milliseconds> idle = parse_duration(o.idle_timeout, "--idle-timeout");
  if (!idle) return fail("serve", idle.status(), 2);
  so.connection.handshake_timeout = *hs;
  so.connection.idle_timeout = *idle;
  so.connection.close_timeout = std::min(*hs, so.connection.close_timeout);
  so.stop_on_signals = true;
  const bool json = o.flags.json;
  so.log = [](const std::string& line) {
    fmt::print(stderr, "{} {}\n", now_text(), line);
    std::fflush(stderr);
  };
  std::uint64_t served = 0;
  so.on_report = [&served, json](const net::ConnectionReport& r) {
    if (r.ending != net::Ending::kRefused) ++served;
    if (!json) return;
    print_json_line(Json{{"remote", r.remote},
                         {"peer", r.peer ? Json(to_hex(*r.peer)) : Json(nullptr)},
                         {"ending", net::ending_name(r.ending)},
                         {"clean", r.clean()},
                         {"reason", r.reason},
                         {"bytes_in", r.bytes_in},
                         {"bytes_out", r.bytes_out},
                         {"ms", r.duration.count()}});
    std::fflush(stdout);
  };
  Result<std::unique_ptr<net::Server>> server = net::Server::listen(me->key, std::move(so));
  if (!server) return fail("serve", server.status());
  fmt::print(stderr, "{} listening on {} as {} {}\n", now_text(), (*server)->address(), me->name,
             to_hex(me->key.public_key()));
  std::fflush(stderr);
  (*server)->run();
  fmt::print(stderr, "{} stopped ({})\n", now_text(), count_text(served, "peer", "peers"));
}

void run_connect(const NetOptions& o) {
  auto n = open_node("connect", o.flags, /*read_only=*/true);
  if (!n) return;
  Result<node::Identity> me = n->sync_identity(o.as);
  if (!me) return fail("connect", me.status());
  Result<net::Endpoint> to = net::parse_endpoint(o.address);
  if (!to) return fail("connect", to.status(), 2);
  Result<std::chrono::milliseconds> timeout = parse_duration(o.timeout, "--timeout");
  if (!timeout) return fail("connect", timeout.status(), 2);
  net::ConnectionOptions co;
  co.handshake_timeout = *timeout;
  co.close_timeout = *timeout;
  net::HandshakeOnlyApp app;
  Result<net::ConnectionReport> r = net::dial(*to, me->key, co, app, *timeout);
  if (!r) return fail("connect", r.status());
  if (r->peer) {
    if (o.flags.json) {
      const std::optional<std::string> name =
          n->aliases().name_of(uri::IdKind::kSubspace, *r->peer);
      print_json_line(Json{{"address", to->to_string()},
                           {"as", me->name},
                           {"peer", to_hex(*r->peer)},
                           {"peer_name", name ? Json(*name) : Json(nullptr)},
                           {"handshake_hash", to_hex(*r->handshake_hash)},
                           {"clean", r->clean()},
                           {"bytes_in", r->bytes_in},
                           {"bytes_out", r->bytes_out}});
    } else {
      fmt::print("connected to {} as {}\npeer {}\n", to->to_string(), me->name,
                 peer_text(*n, *r->peer));
    }
  }
  if (!r->clean()) {
    return fail("connect", error(ErrorCode::kIo, std::string(net::ending_name(r->ending)) +
                                                     (r->reason.empty() ? "" : ": " + r->reason)));
  }
  if (!o.flags.json) fmt::print("closed cleanly (in {} B, out {} B)\n", r->bytes_in, r->bytes_out);
}

}  // namespace

void register_net(CLI::App& app) {
  auto so = std::make_shared<NetOptions>();
  so->address = std::string(net::kDefaultHost) + ":" + std::to_string(net::kDefaultPort);
  CLI::App* c = app.add_subcommand(
      "serve", "Accept connections from other nodes: handshake, encryption and LCMUX per peer");
  c->add_option("--listen", so->address,
                "HOST:PORT to listen on (default 127.0.0.1:22377; port 0: any free port)");
  c->add_option("--as", so->as, "The identity to authenticate as (alias or id)");
  c->add_option("--max-connections", so->max_connections,
                "Connections served at once; more are refused (default 64)")
      ->check(decimal_u64());
  c->add_option("--max-handshaking", so->max_handshaking,
                "Connections whose peer has not yet proved its key; one more evicts the oldest "
                "(default 16)")
      ->check(decimal_u64());
  c->add_option("--max-per-ip", so->max_per_ip,
                "Connections from one source address; more are refused (default 8)")
      ->check(decimal_u64());
  c->add_option("--handshake-timeout", so->handshake_timeout,
                "Time a peer has to complete the handshake (default 10s)");
  c->add_option("--idle-timeout", so->idle_timeout,
                "Time without a whole transport chunk from a peer before closing (default 120s)");
  add_node_flags(c, so->flags);
  c->callback([so] { run_serve(*so); });

  auto co = std::make_shared<NetOptions>();
  c = app.add_subcommand("connect",
                         "Connect to a node: handshake and transport, print its key, close");
  c->add_option("address", co->address, "HOST:PORT (the port defaults to 22377)")->required();
  c->add_option("--as", co->as, "The identity to authenticate as (alias or id)");
  c->add_option("--timeout", co->timeout,
                "For connecting, the handshake and the closing each (default 10s)");
  add_node_flags(c, co->flags);
  c->callback([co] { run_connect(*co); });
}

}  // namespace osier::cli
