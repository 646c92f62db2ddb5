// osier daemon: a node that stays in sync (node::Daemon, osier/node/daemon.hpp; docs/cli.md).
// It listens like `osier serve`, dials the peers given with --peer and keeps them connected, and
// forwards every new entry of a shared namespace to every peer at once — also what another
// `osier` process writes to the same home. Foreground; SIGINT or SIGTERM stop it cleanly.
#include <fmt/core.h>

#include <algorithm>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "cmd_node.hpp"
#include "commands.hpp"
#include "daemon_client.hpp"
#include "net_text.hpp"
#include "osier/base/hex.hpp"
#include "osier/net/control.hpp"
#include "osier/net/endpoint.hpp"
#include "osier/node/daemon.hpp"

namespace osier::cli {
namespace {

struct DaemonCliOptions {
  NodeFlags flags;
  std::string listen = std::string(net::kDefaultHost) + ":" + std::to_string(net::kDefaultPort);
  std::optional<std::string> as;
  std::vector<std::string> peers;
  std::string poll_interval = "50ms";
  std::string idle_timeout = "60s";
  std::optional<std::string> max_payload;
};

void run_daemon(const DaemonCliOptions& o) {
  auto n = open_node("daemon", o.flags, /*read_only=*/false);
  if (!n) return;
  node::DaemonOptions d;
  d.as = o.as;
  Result<net::Endpoint> listen = net::parse_endpoint(o.listen);
  if (!listen) return fail("daemon", listen.status(), 2);
  d.listen = *listen;
  for (const std::string& p : o.peers) {
    Result<net::Endpoint> e = net::parse_endpoint(p);
    if (!e) return fail("daemon", e.status(), 2);
    d.peers.push_back(*e);
  }
  Result<std::chrono::milliseconds> poll = parse_duration(o.poll_interval, "--poll-interval");
  if (!poll) return fail("daemon", poll.status(), 2);
  d.poll_interval = *poll;
  Result<std::chrono::milliseconds> idle = parse_duration(o.idle_timeout, "--idle-timeout");
  if (!idle) return fail("daemon", idle.status(), 2);
  d.idle_timeout = *idle;
  // A quarter of our idle timeout, and at most 15 s: the peer's idle timeout may be shorter than
  // ours (the default is 60 s), and it must hear from us within it.
  d.keepalive_interval =
      std::clamp(*idle / 4, std::chrono::milliseconds(1), std::chrono::milliseconds(15'000));
  if (o.max_payload) {
    Result<std::uint64_t> size = parse_size(*o.max_payload, "--max-payload");
    if (!size) return fail("daemon", size.status(), 2);
    d.max_payload_power = payload_power_for(*size);
  }
  d.stop_on_signals = true;
  d.log = [](const std::string& line) {
    fmt::print(stderr, "{} {}\n", now_text(), line);
    std::fflush(stderr);
  };
  Result<store::Store*> store = n->store();
  if (!store) return fail("daemon", store.status());
  Result<std::unique_ptr<node::Daemon>> daemon = node::Daemon::start(n->home(), **store, d);
  if (!daemon) return fail("daemon", daemon.status());
  Result<node::Identity> me = n->sync_identity(o.as);
  fmt::print(stderr, "{} daemon listening on {}{}\n", now_text(), (*daemon)->address(),
             me ? " as " + me->name + " " + to_hex(me->key.public_key()) : std::string());
  std::fflush(stderr);
  (*daemon)->run();
  fmt::print(stderr, "{} daemon stopped\n", now_text());
}

struct StatusOptions {
  NodeFlags flags;
  bool watch = false;
};

std::string count_of(const Json& session, const char* done, const char* all) {
  return std::to_string(session.value(done, 0ULL)) + "/" + std::to_string(session.value(all, 0ULL));
}

void print_status(const LocalNode& n, const Json& status) {
  fmt::print("daemon on {} as {} {}\n", status.value("address", std::string()),
             status.value("identity", std::string()), status.value("key", std::string()));
  fmt::print("sharing {}, store at event {}\n",
             count_text(status.value("interests", 0ULL), "read capability", "read capabilities"),
             status.value("store_sequence", 0ULL));
  const Json& peers = status.value("peers", Json::array());
  if (peers.empty()) fmt::print("no peers\n");
  for (const Json& p : peers) {
    std::string who = p["address"].is_string() ? p["address"].get<std::string>() : "(inbound)";
    if (p["key"].is_string()) {
      const std::optional<crypto::Ed25519PublicKey> key =
          array_from_hex<32>(p["key"].get<std::string>());
      if (key) who += " " + peer_text(n, *key);
    }
    const Json& s = p.value("session", Json::object());
    const std::string state = p.value("state", std::string());
    fmt::print("peer {}: {}", who, state);
    if (state == "established") {
      fmt::print(", {}", s.value("in_sync", false) ? "in sync" : "syncing");
      fmt::print(
          ", roots {} done, entries {} in ({} new) {} out {} forwarded, payload bytes {} in "
          "{} out",
          count_of(s, "roots_complete", "roots"), s.value("entries_received", 0ULL),
          s.value("entries_new", 0ULL), s.value("entries_sent", 0ULL),
          s.value("entries_forwarded", 0ULL), s.value("payload_bytes_received", 0ULL),
          s.value("payload_bytes_sent", 0ULL));
    }
    if (p["last_error"].is_string()) fmt::print(" (last: {})", p["last_error"].get<std::string>());
    fmt::print("\n");
  }
}

void run_status(const StatusOptions& o) {
  auto n = open_node("status", o.flags, /*read_only=*/true);
  if (!n) return;
  const node::HomePaths& home = n->home().paths();
  Result<Json> r = daemon_request(home, Json{{"op", "status"}}, std::chrono::seconds(10));
  if (!r) return fail("status", r.status());
  if (o.flags.json) {
    print_json_line((*r)["status"]);
  } else {
    print_status(*n, (*r)["status"]);
  }
  std::fflush(stdout);
  if (!o.watch) return;
  // Every event the daemon publishes: JSON lines as they come, or the status redrawn.
  const Status st = net::control_stream(
      home.control_socket(), Json{{"op", "subscribe"}}.dump(),
      [&](std::string_view line) {
        if (o.flags.json) {
          fmt::print("{}\n", line);
        } else if (Result<Json> again =
                       daemon_request(home, Json{{"op", "status"}}, std::chrono::seconds(10))) {
          fmt::print("\n{} ", now_text());
          print_status(*n, (*again)["status"]);
        }
        std::fflush(stdout);
        return true;
      },
      std::chrono::seconds(10));
  if (!st) return fail("status", st);
}

}  // namespace

void register_daemon(CLI::App& app) {
  auto o = std::make_shared<DaemonCliOptions>();
  CLI::App* c = app.add_subcommand(
      "daemon", "Stay in sync: serve peers, dial --peer ones, forward new entries live");
  c->add_option("--listen", o->listen, "HOST:PORT to listen on (default 127.0.0.1:22377)");
  c->add_option("--as", o->as, "The identity to authenticate as (alias or id)");
  c->add_option("--peer", o->peers, "A peer to dial and keep connected, HOST:PORT (repeatable)");
  c->add_option("--poll-interval", o->poll_interval,
                "How often to look for other processes' writes (default 50ms)");
  c->add_option("--idle-timeout", o->idle_timeout,
                "Drop a peer silent this long (default 60s; keepalives every quarter of it)");
  c->add_option("--max-payload", o->max_payload,
                "Payloads up to this size travel with their entries (default: all)");
  add_node_flags(c, o->flags, /*json=*/false);
  c->callback([o] { run_daemon(*o); });

  auto so = std::make_shared<StatusOptions>();
  c = app.add_subcommand("status", "What the running daemon does: peers, sessions, progress");
  c->add_flag("--watch", so->watch, "Keep going: show the status again as it changes");
  add_node_flags(c, so->flags);
  c->callback([so] { run_status(*so); });
}

}  // namespace osier::cli
