// osier serve | sync | connect: nodes over TCP (docs/cli.md). `serve` listens and runs a
// Confidential Sync session per connection (net::SyncServer); `sync` dials one, syncs once and
// closes; `connect` dials one (net::probe), completes the handshake and transport, prints the
// peer's key and closes cleanly. All authenticate as one of the home's identities
// (node::Home::sync_identity) and declare that identity's held read capabilities as their interests
// (osier/node/sync_interests.hpp).
#include <fmt/core.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <optional>

#include "cmd_node.hpp"
#include "commands.hpp"
#include "net_text.hpp"
#include "osier/base/hex.hpp"
#include "osier/net/endpoint.hpp"
#include "osier/net/sync.hpp"
#include "osier/node/sync_interests.hpp"
#include "osier/uri/willow_uri.hpp"

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
  std::vector<std::string> namespaces;  // sync --ns
  std::vector<std::string> areas;       // sync --area
  std::optional<std::string> max_payload;
  std::uint64_t max_open_ranges = net::kDefaultMaxOpenRanges;  // serve, sync
};

// The interests a sync declares (node::sync_interests): the identity's read capabilities, only
// those of the --ns namespaces if given, and for each --area one narrowed to it.
Result<std::vector<meadowcap::McCapability>> sync_interests(const LocalNode& n,
                                                            const node::Identity& me,
                                                            const NetOptions& o) {
  std::vector<model::NamespaceId> namespaces;
  for (const std::string& ns : o.namespaces) {
    OSIER_ASSIGN_OR_RETURN(const model::NamespaceId id, n.aliases().namespace_id(ns));
    namespaces.push_back(id);
  }
  std::vector<model::PrivateInterest> areas;
  for (const std::string& text : o.areas) {
    OSIER_ASSIGN_OR_RETURN(const uri::AreaUri a, uri::parse_area_uri(text, n.aliases().resolver()));
    if (a.timestamp_from != 0 || a.timestamp_to || a.max_count != 0 || a.max_size != 0) {
      return error(ErrorCode::kInvalidArgument,
                   "--area " + text +
                       ": a sync interest is a subspace and a path; time ranges and count= or "
                       "size= do not apply");
    }
    areas.push_back(model::PrivateInterest{a.namespace_id, a.subspace_id, a.path});
  }
  return node::sync_interests(n.home(), me, namespaces, areas);
}

std::string no_read_capability_text(const node::Identity& me) {
  return "no read capability held for " + me.name +
         ": make one with `osier cap new --ns NS --mode read --as " + me.name +
         "`, or import one granted to it (`osier cap import`)";
}

void run_serve(const NetOptions& o) {
  auto n = open_node("serve", o.flags, /*read_only=*/false);
  if (!n) return;
  Result<node::Identity> me = n->sync_identity(o.as);
  if (!me) return fail("serve", me.status());
  Result<std::vector<meadowcap::McCapability>> caps =
      node::read_capabilities_of(n->home(), me->key.public_key());
  if (!caps) return fail("serve", caps.status());
  Result<store::Store*> store = n->store();
  if (!store) return fail("serve", store.status());
  Result<net::Endpoint> listen = net::parse_endpoint(o.address);
  if (!listen) return fail("serve", listen.status(), 2);
  net::ServeOptions so;
  so.listen = *listen;
  so.read_capabilities = *caps;
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
  so.handshake_timeout = *hs;
  so.idle_timeout = *idle;
  Result<std::size_t> max_open = max_open_ranges(o.max_open_ranges);
  if (!max_open) return fail("serve", max_open.status(), 2);
  so.max_open_ranges = *max_open;
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
  Result<std::unique_ptr<net::SyncServer>> server =
      net::SyncServer::listen(**store, me->key, std::move(so));
  if (!server) return fail("serve", server.status());
  fmt::print(stderr, "{} listening on {} as {} {}\n", now_text(), (*server)->address(), me->name,
             to_hex(me->key.public_key()));
  if (caps->empty())
    fmt::print(stderr, "{} warning: {}\n", now_text(), no_read_capability_text(*me));
  else
    fmt::print(stderr, "{} sharing {}\n", now_text(),
               count_text(caps->size(), "read capability", "read capabilities"));
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
  Result<net::ConnectionReport> r = net::probe(*to, me->key, *timeout);
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

// The peer to dial: HOST:PORT or tcp://HOST:PORT, or an Area URI whose hints name the peer
// (net::endpoint_from_hints), which then also narrows the sync to its area, as --area does.
Result<net::Endpoint> sync_peer(const LocalNode& n, NetOptions& o) {
  if (o.address.rfind("willow://", 0) != 0) return net::parse_endpoint(o.address);
  OSIER_ASSIGN_OR_RETURN(const uri::AreaUri a,
                         uri::parse_area_uri(o.address, n.aliases().resolver()));
  Result<net::Endpoint> to = net::endpoint_from_hints(a.hints);
  if (!to) {
    return error(ErrorCode::kInvalidArgument,
                 o.address + ": " + to.status().message() + "; or give HOST:PORT and --area");
  }
  o.areas.push_back(o.address);
  return to;
}

void run_sync(NetOptions o) {
  auto n = open_node("sync", o.flags, /*read_only=*/false);
  if (!n) return;
  Result<node::Identity> me = n->sync_identity(o.as);
  if (!me) return fail("sync", me.status());
  Result<net::Endpoint> to = sync_peer(*n, o);
  if (!to) return fail("sync", to.status(), 2);
  Result<std::chrono::milliseconds> timeout = parse_duration(o.timeout, "--timeout");
  if (!timeout) return fail("sync", timeout.status(), 2);
  Result<std::vector<meadowcap::McCapability>> caps = sync_interests(*n, *me, o);
  if (!caps) {
    return fail("sync", caps.status(), caps.status().code() == ErrorCode::kInvalidArgument ? 2 : 1);
  }
  if (caps->empty()) return fail("sync", error(ErrorCode::kNotFound, no_read_capability_text(*me)));
  std::uint8_t max_payload_power = 64;
  if (o.max_payload) {
    Result<std::uint64_t> size = parse_size(*o.max_payload, "--max-payload");
    if (!size) return fail("sync", size.status(), 2);
    max_payload_power = payload_power_for(*size);
  }
  Result<std::size_t> max_open = max_open_ranges(o.max_open_ranges);
  if (!max_open) return fail("sync", max_open.status(), 2);
  Result<store::Store*> store = n->store();
  if (!store) return fail("sync", store.status());
  net::SyncOptions ao;
  ao.read_capabilities = *caps;
  ao.max_payload_power = max_payload_power;
  ao.timeout = *timeout;
  ao.max_open_ranges = *max_open;
  // Progress on stderr when it is a terminal: one line, redrawn at most 5 times a second.
  const bool tty = ::isatty(2) == 1;
  bool shown = false;
  auto last = std::chrono::steady_clock::now();
  if (tty) {
    ao.progress = [&](const net::SyncSummary& s) {
      const auto now = std::chrono::steady_clock::now();
      if (now - last < std::chrono::milliseconds(200)) return;
      last = now;
      shown = true;
      fmt::print(stderr, "\rsyncing: {} of {} complete, {} received, {} of payloads\x1b[K",
                 s.roots_complete, count_text(s.roots, "range", "ranges"),
                 count_text(s.entries_received, "entry", "entries"),
                 size_text(s.payload_bytes_received));
    };
  }
  Result<net::SyncResult> synced = net::sync_with(**store, me->key, *to, std::move(ao));
  if (shown) fmt::print(stderr, "\r\x1b[K");
  if (!synced) return fail("sync", synced.status());
  const net::ConnectionReport* r = &synced->connection;
  const net::SyncSummary& s = synced->summary;
  if (o.flags.json) {
    print_json_line(Json{{"address", to->to_string()},
                         {"as", me->name},
                         {"peer", r->peer ? Json(to_hex(*r->peer)) : Json(nullptr)},
                         {"overlaps", s.overlaps},
                         {"roots", s.roots},
                         {"roots_complete", s.roots_complete},
                         {"entries_received", s.entries_received},
                         {"entries_new", s.entries_new},
                         {"entries_pruned", s.entries_pruned},
                         {"entries_sent", s.entries_sent},
                         {"round_trips", s.round_trips},
                         {"widest_open_ranges", s.widest_open_ranges},
                         {"payloads_received", s.payloads_received},
                         {"payload_bytes_received", s.payload_bytes_received},
                         {"payloads_sent", s.payloads_sent},
                         {"payload_bytes_sent", s.payload_bytes_sent},
                         {"in_sync", s.in_sync},
                         {"clean", r->clean()},
                         {"bytes_in", r->bytes_in},
                         {"bytes_out", r->bytes_out},
                         {"ms", r->duration.count()}});
  } else if (r->peer) {
    fmt::print("synced with {} as {}: {}, {} of {} complete\n", peer_text(*n, *r->peer), me->name,
               count_text(s.overlaps, "overlap", "overlaps"), s.roots_complete,
               count_text(s.roots, "range", "ranges"));
    fmt::print("received {} ({} new, {} pruned) and {} ({}); sent {} ({})\n",
               count_text(s.entries_received, "entry", "entries"), s.entries_new, s.entries_pruned,
               count_text(s.payloads_received, "payload", "payloads"),
               size_text(s.payload_bytes_received),
               count_text(s.payloads_sent, "payload", "payloads"), size_text(s.payload_bytes_sent));
    fmt::print("sent {}; {} in {:.2f} s (in {} B, out {} B)\n",
               count_text(s.entries_sent, "entry", "entries"),
               count_text(s.round_trips, "round trip", "round trips"),
               static_cast<double>(r->duration.count()) / 1000.0, r->bytes_in, r->bytes_out);
  }
  if (!r->clean()) {
    return fail("sync", error(ErrorCode::kIo, std::string(net::ending_name(r->ending)) +
                                                  (r->reason.empty() ? "" : ": " + r->reason)));
  }
  if (!s.in_sync) {
    return fail("sync",
                error(ErrorCode::kIo, "the session ended before every range was reconciled"));
  }
}

}  // namespace

void register_net(CLI::App& app) {
  auto so = std::make_shared<NetOptions>();
  so->address = std::string(net::kDefaultHost) + ":" + std::to_string(net::kDefaultPort);
  CLI::App* c = app.add_subcommand(
      "serve", "Accept connections from other nodes and sync with each (Confidential Sync)");
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
  c->add_option("--max-open-ranges", so->max_open_ranges, max_open_ranges_help())
      ->check(decimal_u64());
  add_node_flags(c, so->flags);
  c->callback([so] { run_serve(*so); });

  auto sy = std::make_shared<NetOptions>();
  c = app.add_subcommand(
      "sync", "Sync once with a node: find the shared interests, reconcile their entries, close");
  c->add_option("address", sy->address,
                "HOST:PORT or tcp://HOST:PORT (the port defaults to 22377), or an Area URI whose "
                "hints name the peer (tcp:// or wcsp://): then only that area is synced")
      ->required();
  c->add_option("--as", sy->as, "The identity to authenticate as (alias or id)");
  c->add_option("--timeout", sy->timeout,
                "For connecting, the handshake and the closing each (default 10s)");
  c->add_option("--ns", sy->namespaces,
                "Sync only this namespace (alias or id; repeatable; default: every namespace the "
                "identity holds a read capability for)");
  c->add_option("--area", sy->areas,
                "Sync only this area of its namespace (an Area URI: subspace and path; "
                "repeatable)");
  c->add_option("--max-payload", sy->max_payload,
                "Receive payloads during reconciliation up to this size (e.g. 64KiB; default: "
                "any size)");
  c->add_option("--max-open-ranges", sy->max_open_ranges, max_open_ranges_help())
      ->check(decimal_u64());
  add_node_flags(c, sy->flags);
  c->callback([sy] { run_sync(*sy); });

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
