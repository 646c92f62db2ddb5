// osier daemon: a node that stays in sync (node::Daemon, osier/node/daemon.hpp; docs/cli.md).
// It listens like `osier serve`, dials the peers given with --peer and keeps them connected, and
// forwards every new entry of a shared namespace to every peer at once — also what another
// `osier` process writes to the same home. Foreground; SIGINT or SIGTERM stop it cleanly.
#include <fmt/core.h>
#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "cmd_node.hpp"
#include "commands.hpp"
#include "daemon_client.hpp"
#include "detach.hpp"
#include "net_text.hpp"
#include "osier/base/hex.hpp"
#include "osier/base/io_error.hpp"
#include "osier/net/control.hpp"
#include "osier/net/endpoint.hpp"
#include "osier/node/daemon.hpp"
#include "osier/node/missing_payloads.hpp"
#include "osier/node/policies.hpp"

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
  std::uint64_t max_open_ranges = net::kDefaultMaxOpenRanges;
  bool detach = false;
  bool stop = false;
};

// How long `osier daemon --stop` waits for the daemon to end.
constexpr std::chrono::seconds kStopWait{30};

// `osier daemon --stop`: SIGTERM to the home's daemon, then wait until it has let go of the home.
void stop_daemon(const LocalNode& n) {
  const node::HomePaths& home = n.home().paths();
  Result<std::optional<long>> pid = node::running_daemon_pid(home);
  if (!pid) return fail("daemon", pid.status());
  if (!*pid) {
    return fail("daemon", error(ErrorCode::kNotFound, "no daemon is running on this home"));
  }
  if (::kill(static_cast<pid_t>(**pid), SIGTERM) != 0) {
    return fail("daemon", io_error("signal the daemon (pid " + std::to_string(**pid) + ")", errno));
  }
  const auto until = std::chrono::steady_clock::now() + kStopWait;
  while (std::chrono::steady_clock::now() < until) {
    Result<std::optional<long>> still = node::running_daemon_pid(home);
    if (still && !*still) {
      fmt::print("osier daemon: stopped (pid {})\n", **pid);
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  fail("daemon", error(ErrorCode::kIo, "the daemon (pid " + std::to_string(**pid) +
                                           ") has not stopped after " +
                                           std::to_string(kStopWait.count()) + " s"));
}

void run_daemon(const DaemonCliOptions& o) {
  auto n = open_node("daemon", o.flags, /*read_only=*/false);
  if (!n) return;
  if (o.stop) return stop_daemon(*n);
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
  // Not below the default: a daemon's session carries a root per shared namespace.
  Result<std::size_t> max_open = max_open_ranges(o.max_open_ranges);
  if (!max_open) return fail("daemon", max_open.status(), 2);
  d.max_open_ranges = *max_open;
  d.stop_on_signals = true;
  d.log = [](const std::string& line) {
    fmt::print(stderr, "{} {}\n", now_text(), line);
    std::fflush(stderr);
  };
  // Forked before the store opens: an LMDB environment must not cross a fork.
  Forked forked;
  if (o.detach) {
    Result<Forked> f = fork_daemon();
    if (!f) return fail("daemon", f.status());
    if (!f->child) return;
    forked = *f;
  }
  Result<store::Store*> store = n->store();
  if (!store) return fail("daemon", store.status());
  Result<std::unique_ptr<node::Daemon>> daemon = node::Daemon::start(n->home(), **store, d);
  if (!daemon) return fail("daemon", daemon.status());
  if (o.detach) {
    const std::string log = n->home().paths().root + "/daemon.log";
    if (const Status st = daemon_started(forked, (*daemon)->address(), log); !st) {
      return fail("daemon", st);
    }
  }
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

// The daemon's answer is read defensively: a field that is missing or of another type reads as
// absent (an empty string, 0, false, null), never as an exception.
const Json& field(const Json& j, const char* key) {
  static const Json kNull;
  if (!j.is_object()) return kNull;
  const auto it = j.find(key);
  return it == j.end() ? kNull : *it;
}
std::string text_of(const Json& j, const char* key) {
  const Json& f = field(j, key);
  return f.is_string() ? f.get<std::string>() : std::string();
}
std::uint64_t number_of(const Json& j, const char* key) {
  const Json& f = field(j, key);
  return f.is_number_unsigned() ? f.get<std::uint64_t>() : 0;
}
bool flag_of(const Json& j, const char* key) {
  const Json& f = field(j, key);
  return f.is_boolean() && f.get<bool>();
}
const Json& list_of(const Json& j, const char* key) {
  static const Json kEmpty = Json::array();
  const Json& f = field(j, key);
  return f.is_array() ? f : kEmpty;
}

std::string count_of(const Json& session, const char* done, const char* all) {
  return std::to_string(number_of(session, done)) + "/" + std::to_string(number_of(session, all));
}

// A namespace by its alias, or its id's first hex digits.
std::string namespace_text(const LocalNode& n, const std::string& hex) {
  const std::optional<model::NamespaceId> ns = array_from_hex<32>(hex);
  return ns ? id_text(n, uri::IdKind::kNamespace, *ns) : std::string("(?)");
}

// Per-namespace lines beyond this many are summed up (osier status --json has them all).
constexpr std::size_t kNamespaceLines = 20;

void print_peer(const LocalNode& n, const Json& p, std::int64_t now_ms) {
  std::string who = field(p, "address").is_string() ? text_of(p, "address") : "(inbound)";
  if (const std::optional<crypto::Ed25519PublicKey> key = array_from_hex<32>(text_of(p, "key"))) {
    who += " " + peer_text(n, *key);
  }
  const Json& s = field(p, "session");
  const std::string state = text_of(p, "state");
  fmt::print("peer {}: {}", who, state);
  if (state == "established") {
    fmt::print(", {}", flag_of(s, "in_sync") ? "in sync" : "syncing");
    fmt::print(
        ", roots {} done, entries {} in ({} new) {} out {} forwarded, payload bytes {} in "
        "{} out",
        count_of(s, "roots_complete", "roots"), number_of(s, "entries_received"),
        number_of(s, "entries_new"), number_of(s, "entries_sent"),
        number_of(s, "entries_forwarded"), number_of(s, "payload_bytes_received"),
        number_of(s, "payload_bytes_sent"));
  }
  if (const std::string e = text_of(p, "last_error"); !e.empty()) fmt::print(" (last: {})", e);
  fmt::print("\n");
  // Per namespace: reconciliation of this session, and the latest acknowledgement.
  std::map<std::string, std::string> lines;
  for (const Json& ns : list_of(s, "namespaces")) {
    std::string line = "roots " + count_of(ns, "roots_complete", "overlaps") + " done";
    if (field(ns, "matched_as_of").is_number_unsigned()) {
      line += ", matched as of event " + std::to_string(number_of(ns, "matched_as_of"));
    }
    lines[text_of(ns, "namespace")] = line;
  }
  for (const Json& a : list_of(p, "acknowledgements")) {
    const std::int64_t at =
        field(a, "at").is_number_integer() ? field(a, "at").get<std::int64_t>() : now_ms;
    std::string& line = lines[text_of(a, "namespace")];
    line += std::string(line.empty() ? "" : "; ") + "acknowledged as of event " +
            std::to_string(number_of(a, "as_of")) + ", " +
            std::to_string(std::max<std::int64_t>(0, now_ms - at) / 1000) + " s ago";
  }
  std::size_t shown = 0;
  for (const auto& [ns, line] : lines) {
    if (shown++ == kNamespaceLines) break;
    fmt::print("  {}: {}\n", namespace_text(n, ns), line);
  }
  if (lines.size() > kNamespaceLines || number_of(s, "namespaces_omitted") > 0 ||
      number_of(p, "acknowledgements_omitted") > 0) {
    fmt::print("  ... and more namespaces (--json shows all)\n");
  }
}

void print_status(const LocalNode& n, const Json& status) {
  fmt::print("daemon on {} as {} {}\n", text_of(status, "address"), text_of(status, "identity"),
             text_of(status, "key"));
  fmt::print("sharing {}, store at event {}\n",
             count_text(number_of(status, "interests"), "read capability", "read capabilities"),
             number_of(status, "store_sequence"));
  const Json& peers = list_of(status, "peers");
  if (peers.empty()) fmt::print("no peers\n");
  const std::int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                  std::chrono::system_clock::now().time_since_epoch())
                                  .count();
  for (const Json& p : peers) print_peer(n, p, now_ms);
}

// What the local store lacks (osier/node/missing_payloads.hpp), read here rather than asked of
// the daemon: the store is the persistent record, and a scan belongs off the daemon's thread.
Result<std::map<model::NamespaceId, node::MissingPayloads>> missing_of(LocalNode& n) {
  OSIER_ASSIGN_OR_RETURN(store::Store * store, n.store());
  OSIER_ASSIGN_OR_RETURN(const std::vector<model::NamespaceId> namespaces, store->namespaces());
  OSIER_ASSIGN_OR_RETURN(const node::Policies policies, node::load_policies(n.home().paths()));
  return node::missing_payloads(*store, policies, namespaces);
}

Json missing_json(const std::map<model::NamespaceId, node::MissingPayloads>& missing) {
  Json list = Json::array();
  for (const auto& [ns, m] : missing) {
    list.push_back(Json{{"namespace", to_hex(ns)},
                        {"to_fetch", m.to_fetch},
                        {"to_fetch_bytes", m.to_fetch_bytes},
                        {"on_demand", m.on_demand},
                        {"on_demand_bytes", m.on_demand_bytes}});
  }
  return list;
}

void print_missing(const LocalNode& n,
                   const std::map<model::NamespaceId, node::MissingPayloads>& missing) {
  if (missing.empty()) return fmt::print("no payloads missing\n");
  node::MissingPayloads all;
  for (const auto& [ns, m] : missing) all += m;
  fmt::print("payloads missing: {} ({}) to fetch, {} ({}) on demand\n",
             count_text(all.to_fetch, "entry", "entries"), size_text(all.to_fetch_bytes),
             count_text(all.on_demand, "entry", "entries"), size_text(all.on_demand_bytes));
  std::size_t shown = 0;
  for (const auto& [ns, m] : missing) {
    if (shown++ == kNamespaceLines) {
      fmt::print("  ... {} more namespaces (--json shows all)\n", missing.size() - kNamespaceLines);
      break;
    }
    fmt::print("  {}: {} ({}) to fetch, {} ({}) on demand\n",
               id_text(n, uri::IdKind::kNamespace, ns), m.to_fetch, size_text(m.to_fetch_bytes),
               m.on_demand, size_text(m.on_demand_bytes));
  }
}

// What the store lacks, read at most once a second (a scan of every namespace): `--watch` redraws
// on every progress event.
class MissingCache {
 public:
  Result<std::map<model::NamespaceId, node::MissingPayloads>> get(LocalNode& n) {
    const auto now = std::chrono::steady_clock::now();
    if (!read_ || now - read_at_ >= std::chrono::seconds(1)) {
      read_ = missing_of(n);
      read_at_ = now;
    }
    return *read_;
  }

 private:
  std::optional<Result<std::map<model::NamespaceId, node::MissingPayloads>>> read_;
  std::chrono::steady_clock::time_point read_at_{};
};

// One status: the daemon's, with what the store lacks (if that cannot be read, the daemon's
// status still shows, with the reason).
Status show_status(LocalNode& n, const StatusOptions& o, MissingCache& cache) {
  // Text shows the first namespaces of each peer: only those are asked for.
  Json request{{"op", "status"}};
  if (!o.flags.json) request["max_namespaces"] = kNamespaceLines;
  OSIER_ASSIGN_OR_RETURN(Json r,
                         daemon_request(n.home().paths(), request, std::chrono::seconds(10)));
  const auto missing = cache.get(n);
  const Json& status = field(r, "status");
  if (o.flags.json) {
    Json j = status.is_object() ? status : Json::object();
    j["missing_payloads"] = missing ? missing_json(*missing) : Json(nullptr);
    if (!missing) j["missing_payloads_error"] = missing.status().message();
    print_json_line(j);
  } else {
    print_status(n, status);
    if (missing) {
      print_missing(n, *missing);
    } else {
      fmt::print("payloads missing: unknown ({})\n", missing.status().message());
    }
  }
  std::fflush(stdout);
  return Status::ok();
}

void run_status(const StatusOptions& o) {
  auto n = open_node("status", o.flags, /*read_only=*/true);
  if (!n) return;
  MissingCache cache;
  if (const Status st = show_status(*n, o, cache); !st) return fail("status", st);
  if (!o.watch) return;
  // Every event the daemon publishes: JSON lines as they come, or the status redrawn.
  // Text only redraws on an event: its per-namespace lists are not needed (they are megabytes a
  // second at thousands of namespaces).
  Json subscribe{{"op", "subscribe"}};
  if (!o.flags.json) subscribe["max_namespaces"] = 0;
  const Status st = net::control_stream(
      n->home().paths().control_socket(), subscribe.dump(),
      [&](std::string_view line) {
        if (o.flags.json) {
          fmt::print("{}\n", line);
          std::fflush(stdout);
        } else {
          fmt::print("\n{} ", now_text());
          if (const Status again = show_status(*n, o, cache); !again) {
            fmt::print("{}\n", again.message());
          }
        }
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
  c->add_option("--max-open-ranges", o->max_open_ranges, max_open_ranges_help())
      ->check(decimal_u64());
  c->add_flag("--detach", o->detach, "Run in the background once listening (log: HOME/daemon.log)");
  c->add_flag("--stop", o->stop, "Stop the daemon running on the home (SIGTERM), and wait");
  add_node_flags(c, o->flags, /*json=*/false);
  c->callback([o] { run_daemon(*o); });

  auto so = std::make_shared<StatusOptions>();
  c = app.add_subcommand("status", "What the running daemon does: peers, sessions, progress");
  c->add_flag("--watch", so->watch, "Keep going: show the status again as it changes");
  add_node_flags(c, so->flags);
  c->callback([so] { run_status(*so); });
}

}  // namespace osier::cli
