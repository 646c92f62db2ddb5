// Syncing a store with other nodes over TCP — the public face of Confidential Sync: sync once
// with a peer (`osier sync`), serve every peer that connects (`osier serve`), or only prove who
// is at an address (`osier connect`). Everything below — the handshake, transport encryption,
// LCMUX, the sync session, Asio — stays behind these calls (net/sync_app.hpp, net/server.hpp).
//
// Interests are read capabilities whose receiver is `identity`'s public key (node::Home's held
// capabilities, osier/node/sync_interests.hpp chooses them); the session proves them to the peer
// and syncs exactly the overlap of both sides' capabilities. Received entries and payload bytes are
// verified and written to `store` as they arrive, so a connection cut at any point keeps what
// arrived whole; the next sync continues from there.
//
// Threads: sync_with() and probe() block the calling thread until the connection ends.
// SyncServer::run() serves on the calling thread; stop() may be called from any thread. The
// store may be used by other threads and processes meanwhile (osier/store/store.hpp).
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
#include "osier/crypto/ed25519.hpp"
#include "osier/meadowcap/capability.hpp"
#include "osier/model/ids.hpp"
#include "osier/net/endpoint.hpp"
#include "osier/net/report.hpp"
#include "osier/store/store.hpp"

namespace osier::net {

// One namespace's part of a session.
struct NamespaceProgress {
  std::uint64_t overlaps = 0;        // pairs of capabilities found to overlap: one root each
  std::uint64_t roots_complete = 0;  // of them, reconciled
  // Roots whose whole range had equal fingerprints on both sides (the peer held what we held).
  std::uint64_t roots_matched = 0;
  // For the last match: our store's event number it holds as of (everything we held at that
  // event the peer holds too; a lower bound).
  std::optional<std::uint64_t> matched_as_of;
};

// What one sync session did, for the user.
struct SyncSummary {
  bool established = false;
  std::uint64_t overlaps = 0;
  std::uint64_t roots = 0;
  std::uint64_t roots_complete = 0;
  std::uint64_t entries_received = 0;  // entries the peer sent (verified, or held exactly)
  std::uint64_t entries_new = 0;       // of them, stored (the rest we had, or newer ones)
  std::uint64_t entries_pruned = 0;    // our entries the new ones pruned
  std::uint64_t entries_sent = 0;
  std::uint64_t entries_forwarded = 0;   // sent live, after or beside reconciliation (the daemon)
  std::uint64_t round_trips = 0;         // sync::SessionStats::round_trips
  std::uint64_t widest_open_ranges = 0;  // the most reconciliation ranges open at once (of ours)
  std::uint64_t payloads_sent = 0;  // payloads sent to their end (whole, or the rest it lacked)
  std::uint64_t payload_bytes_sent = 0;
  std::uint64_t payloads_received = 0;       // payloads now held complete thanks to the peer
  std::uint64_t payload_bytes_received = 0;  // verified payload bytes stored
  // Every root complete, nothing owed by the peer that would start another (a capability for an
  // overlap found, a root), and nothing sent or received for a settle time.
  bool in_sync = false;
  std::map<model::NamespaceId, NamespaceProgress> namespaces;
  std::string failure;  // the session's error, if it failed
};

// Reconciliation state per session: ranges awaiting the peer's answer (fingerprints and
// announcements), at most this many, each about 0.5 KiB and up to 4 uncovered boxes (0.3 KiB
// each): 32 MiB + 75 MiB at the default, at worst. Splitting stops at a quarter of it and entries
// are announced instead, so a larger limit saves bytes on large, scattered differences
// (docs/benchmarks.md "1M vs 1M scattered", both sides alike: 4.6x negentropy's bytes at the
// default, 0.71x at 1,048,576). Peers whose limits differ by more than 4 times may end each
// other's sessions, and each overlap's root fingerprint counts against the limit, so keep it at
// least twice the overlaps a session may have (PioConfig::max_overlaps). kInvalidArgument
// outside [kMinMaxOpenRanges, kMaxMaxOpenRanges].
inline constexpr std::size_t kDefaultMaxOpenRanges = std::size_t{1} << 16;
inline constexpr std::size_t kMinMaxOpenRanges = 64;
inline constexpr std::size_t kMaxMaxOpenRanges = std::size_t{1} << 24;
Status check_max_open_ranges(std::size_t n);

// Sync once with a peer.
struct SyncOptions {
  // Our interests; the identity's read capabilities (each one's receiver must be its key).
  std::vector<meadowcap::McCapability> read_capabilities;
  // Payloads up to 2^max_payload_power bytes travel during reconciliation; larger ones are
  // left for later (SPEC-NOTES "Sync"; 64: every payload).
  std::uint8_t max_payload_power = 64;
  // Connecting, the handshake, and waiting for the peer's end marker, each at most this long.
  std::chrono::milliseconds timeout{10'000};
  std::size_t max_open_ranges = kDefaultMaxOpenRanges;  // see kDefaultMaxOpenRanges
  // Called now and then with the summary so far, on the calling thread: keep it cheap.
  std::function<void(const SyncSummary&)> progress;
};

struct SyncResult {
  ConnectionReport connection;  // how the connection ended (clean(), reason, bytes)
  SyncSummary summary;          // what the session did
  // Clean, and every reconciliation root completed on both sides.
  bool complete() const { return connection.clean() && summary.in_sync; }
};

// Dials `peer`, authenticates as `identity` (the handshake's static key), syncs until both sides
// have reconciled every overlap (and a short quiet period passed), then closes. kIo when no
// connection could be made; a connection that failed later is a result (connection.reason).
Result<SyncResult> sync_with(store::Store& store, const crypto::Ed25519SecretKey& identity,
                             const Endpoint& peer, SyncOptions options);

// Proves who is at `peer`: the handshake, then a clean close. The report's `peer` is the key
// the peer proved. kIo when no connection could be made.
Result<ConnectionReport> probe(const Endpoint& peer, const crypto::Ed25519SecretKey& identity,
                               std::chrono::milliseconds timeout);

inline constexpr std::size_t kDefaultMaxConnections = 64;
inline constexpr std::size_t kDefaultMaxHandshaking = 16;
inline constexpr std::size_t kDefaultMaxPerIp = 8;

// Serve every peer that connects, each with its own sync session over the one store.
struct ServeOptions {
  Endpoint listen{kDefaultHost, kDefaultPort};  // port 0: any free port (SyncServer::port)
  std::vector<meadowcap::McCapability> read_capabilities;  // what we share, as for SyncOptions
  std::size_t max_connections = kDefaultMaxConnections;
  // Peers that have not proved their key yet; one more evicts the oldest of them.
  std::size_t max_handshaking = kDefaultMaxHandshaking;
  std::size_t max_per_ip = kDefaultMaxPerIp;
  std::chrono::milliseconds handshake_timeout{10'000};
  std::chrono::milliseconds idle_timeout{120'000};
  std::size_t max_open_ranges = kDefaultMaxOpenRanges;  // per session; see kDefaultMaxOpenRanges
  // One line per event (listening, each peer, refusals, stopping); on the run() thread.
  std::function<void(const std::string&)> log;
  // Each connection's report, after its log line; on the run() thread.
  std::function<void(const ConnectionReport&)> on_report;
  // Stop on SIGINT and SIGTERM. Only one server per process may ask for this.
  bool stop_on_signals = false;
};

class SyncServer {
 public:
  // Binds and listens (kIo with the system's reason when it cannot; kInvalidArgument for a
  // limit of 0). `store` must outlive the server; it keeps its own copy of `identity`.
  static Result<std::unique_ptr<SyncServer>> listen(store::Store& store,
                                                    const crypto::Ed25519SecretKey& identity,
                                                    ServeOptions options);
  ~SyncServer();
  SyncServer(const SyncServer&) = delete;
  SyncServer& operator=(const SyncServer&) = delete;

  std::uint16_t port() const;   // the chosen one when the options said 0
  std::string address() const;  // HOST:PORT
  // Serves until stop() (or a signal); returns once every connection has ended.
  void run();
  // Thread-safe; idempotent.
  void stop();

  class Impl;

 private:
  explicit SyncServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace osier::net
