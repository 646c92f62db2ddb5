// The osier daemon: a node that stays in sync. It listens for peers (like `osier serve`), dials
// the peers it is given and redials them with backoff, runs one Confidential Sync session per
// peer carrying every shared namespace, and after reconciliation forwards every new entry in a
// session's overlap to that peer at once — entries written through this process, arriving from
// another peer, or written by another process on the same home (seen by polling the store's
// event log every poll_interval). A line of nodes A - B - C converges without commands at B.
//
// Interests: the read capabilities the home holds for the sync identity (osier/node/
// sync_interests.hpp), and the download policies (osier/node/policies.hpp). Both are looked at
// again every second: a session announces them once, when it starts, so on a change every
// session closes politely and the next ones carry the new ones. Duplicate sessions with one peer
// (both dialed each other) are resolved the same way on both sides: the connection whose initiator
// has the smaller public key stays (a newer one from the same initiator replaces the older, which
// may be half-dead), the other is closed; a peer endpoint that proved a key with a live session is
// not dialed again until that session ends.
//
// One daemon per home: start() takes HOME/config/daemon.lock (flock; released by the kernel if
// the process dies) and fails with kInvalidArgument naming the holder's pid otherwise.
//
// Threads: run() drives everything on the calling thread (one io_context: the listener, the
// dialers, every session, the store polling); stop() and status() may be called from any thread.
// The store may be written by other threads and processes meanwhile: event callbacks from other
// threads only queue (bounded; an overflow makes every session reconnect and reconcile afresh).
// Memory: per session what osier/net/sync.hpp's server says, plus the forwarding queues (at most
// 4096 entries per session, DaemonOptions::max_queued_events in the daemon's own queue).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "osier/base/status.hpp"
#include "osier/net/endpoint.hpp"
#include "osier/net/sync.hpp"
#include "osier/node/home.hpp"
#include "osier/store/store.hpp"

namespace osier::node {

struct DaemonOptions {
  // Which identity syncs (node::Home::sync_identity): nullopt for the home's default.
  std::optional<std::string> as;
  net::Endpoint listen{net::kDefaultHost, net::kDefaultPort};  // port 0: any free port
  std::vector<net::Endpoint> peers;  // dialed and kept connected, besides the peer list's
  // Also dial the home's peer list (osier/node/peers.hpp), and follow its changes (looked at
  // once a second): added peers are dialed, removed ones let go.
  bool use_peer_list = true;
  // Serve the control API on HOME/daemon.sock (docs/control-api.md).
  bool control_socket = true;
  // How often other processes' writes to the store are looked for (Store::poll_events).
  std::chrono::milliseconds poll_interval{50};
  // Redialing a peer: after a failed attempt wait reconnect_min, doubling up to reconnect_max
  // (with up to 25 % random jitter); after a session that was established, reconnect_min again.
  std::chrono::milliseconds reconnect_min{250};
  std::chrono::milliseconds reconnect_max{30'000};
  // A quiet session sends a keepalive this often; a peer silent for idle_timeout is dropped.
  std::chrono::milliseconds keepalive_interval{15'000};
  std::chrono::milliseconds idle_timeout{60'000};
  std::chrono::milliseconds handshake_timeout{10'000};
  std::size_t max_connections = net::kDefaultMaxConnections;
  std::size_t max_handshaking = net::kDefaultMaxHandshaking;
  std::size_t max_per_ip = net::kDefaultMaxPerIp;
  // Payloads up to 2^max_payload_power bytes travel with their entries (64: all).
  std::uint8_t max_payload_power = 64;
  // Reconciliation state per session (osier/net/sync.hpp, kDefaultMaxOpenRanges).
  std::size_t max_open_ranges = net::kDefaultMaxOpenRanges;
  // New entries waiting for the run() thread to offer them to the sessions. Beyond this many
  // (another process imported a large batch: one poll delivers all its events), every session
  // closes and the next ones reconcile instead, which costs less than forwarding them one by
  // one. A peer cannot fill it: the run() thread drains it between the batches it ingests
  // (at most 1024 entries each, sync::RbsrConfig::ingest_batch). 0: nothing is forwarded live;
  // every new entry makes the sessions reconcile afresh.
  std::size_t max_queued_events = 65536;
  // One line per event (listening, peers connecting and ending, refusals); on the run() thread.
  std::function<void(const std::string&)> log;
  // Stop on SIGINT and SIGTERM. Only one daemon (or SyncServer) per process may ask for this.
  bool stop_on_signals = false;
};

// The peer held everything we held in a namespace's shared area as of our store's event `as_of`:
// a reconciliation root of it matched at once (equal fingerprints for the whole overlap). Kept per
// peer and namespace across restarts (HOME/config/acks), the latest one.
struct Acknowledgement {
  std::uint64_t as_of = 0;
  std::int64_t at_unix_ms = 0;  // when it was found
  bool operator==(const Acknowledgement&) const = default;
};

// One peer as the daemon sees it.
struct DaemonPeerStatus {
  std::string address;                          // configured HOST:PORT, or the remote address
  std::optional<crypto::Ed25519PublicKey> key;  // once proved
  bool outbound = false;                        // we dial it (configured)
  // "connecting", "established", "waiting" (to redial), "removed" (off the peer list)
  std::string state;
  std::uint64_t sessions = 0;  // sessions established with it so far
  std::string last_error;      // how the last connection ended, when not clean
  net::SyncSummary summary;    // of the current (or last) session
  // TCP bytes of the last connection with a session that ended (outbound peers).
  std::uint64_t last_bytes_in = 0;
  std::uint64_t last_bytes_out = 0;
  std::map<model::NamespaceId, Acknowledgement> acknowledgements;
};

struct DaemonStatus {
  std::string address;   // listening on, HOST:PORT
  std::string identity;  // the sync identity's name
  crypto::Ed25519PublicKey key{};
  std::size_t interests = 0;  // read capabilities shared
  std::uint64_t store_sequence = 0;
  std::vector<DaemonPeerStatus> peers;
};

class Daemon {
 public:
  // Takes the home's daemon lock, binds the listener, subscribes to the store. `home` and
  // `store` must outlive the daemon.
  static Result<std::unique_ptr<Daemon>> start(const Home& home, store::Store& store,
                                               DaemonOptions options);
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  std::uint16_t port() const;
  std::string address() const;
  // Serves until stop() (or a signal); returns once every connection has ended.
  void run();
  // Thread-safe; idempotent.
  void stop();
  // A consistent snapshot, taken on the run() thread (waits up to `timeout` for it; kInternal
  // before run() started). After run() returned: the final state, at once.
  Result<DaemonStatus> status(std::chrono::milliseconds timeout = std::chrono::seconds(5)) const;

  class Impl;

 private:
  explicit Daemon(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The process id of the daemon running on `home` (the holder of HOME/config/daemon.lock, which
// notes it), or nullopt when none runs. For `osier daemon --stop`: a daemon that starts or stops
// meanwhile may make the answer stale at once.
Result<std::optional<long>> running_daemon_pid(const HomePaths& home);

}  // namespace osier::node
