// The PeerApp that runs Confidential Sync over a connection: a sync::Session over the
// connection's LCMUX session, reading a store through snapshots and ingesting what the session
// hands out (the node's side of DESIGN.md's "the session reads, the node writes").
//
// In: the store (shared by every connection of a server; used only from the connection's
// thread), our key and read capabilities. Out: the store grows by the verified entries and
// payload bytes the peer sends (Origin::remote(session_id), so store events name the session),
// and a SyncSummary.
//
// One-shot (`osier sync`): the app asks to close once the session has been idle (session.hpp:
// nothing to send or read, every root complete) for `settle` — the protocol has no message that
// says "I have declared all my interests", so a short quiet period after the last root completes
// stands for it (docs/spec-notes.md, "Session: when a one-shot sync is done") — or for
// `await_peer` while the peer still owes a capability or a root (Session::awaiting_peer), and
// the summary says in_sync only when nothing is owed. Serving: the app never asks to close; the
// peer does.
//
// Not thread-safe: one app per connection, all calls from its thread.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "net/peer.hpp"
#include "net/server.hpp"
#include "osier/net/sync.hpp"
#include "osier/store/store.hpp"
#include "sync/session.hpp"

namespace osier::net {

struct SyncAppOptions {
  sync::SessionConfig session;  // read capabilities, core limits, session id
  bool one_shot = false;
  std::chrono::milliseconds settle{250};
  // How long a one-shot session stays, quiet, while the peer owes what would start a
  // reconciliation (sync::Session::awaiting_peer: a capability for an overlap found, or a root):
  // a loaded peer may take longer than `settle` to send it, and one that never does must not
  // keep us forever.
  std::chrono::milliseconds await_peer{10'000};
  // What our LCMUX server grants on the Data channel, where entries and payloads flow (the other
  // channels keep ConnectionOptions' capacity). We never send optimistically, so a sender has at
  // most this much in flight: at 16 KiB a 64 MiB payload crawled at 25 MB/s over loopback.
  std::uint64_t data_channel_capacity = std::uint64_t{1} << 20;
  // The same for the Reconciliation channel (fingerprints): at 16 KiB a 20k-entry sync with 1 %
  // differing took 14 round trips, at 256 KiB 6 (bench/sync_session_bench, docs/benchmarks.md).
  std::uint64_t reconciliation_channel_capacity = std::uint64_t{256} << 10;
  // Called after each round of progress with the summary so far (on the connection's thread; it
  // must be cheap: rate-limit any output).
  std::function<void(const SyncSummary&)> progress;
  // Each of the session's events, as it is polled (on the connection's thread).
  std::function<void(const sync::SessionEvent&)> on_event;
};

class SyncApp : public PeerApp {
 public:
  using Clock = std::chrono::steady_clock;

  // `store` must outlive the app.
  SyncApp(store::Store& store, const crypto::Ed25519PublicKey& own_key, SyncAppOptions options);
  ~SyncApp() override;

  Status on_established(const sync::HandshakeResult& handshake, sync::LcmuxSession& mux) override;
  Status on_global(ByteView message) override;
  Status on_progress(sync::LcmuxSession& mux) override;
  bool wants_close() const override { return close_; }
  std::optional<Clock::time_point> wake_at() const override;
  void set_waker(const std::function<void()>& wake) override { wake_ = wake; }
  // Stores the session's verified entries and payload bytes not stored yet, so that the
  // summary counts them before the connection's report (Session::keep_verified).
  void on_closed() override;

  // Live forwarding (sync/session.hpp, offer_entry): the store gained `entry`, or now holds its
  // payload whole. Before the session started, or after it ended, nothing happens (an overlap
  // found later is reconciled). When the session's forwarding queue overflowed the app asks to
  // close (failure() says why): the node reconnects and reconciles afresh. Wakes the connection.
  void offer_entry(const model::Entry& entry, const store::Origin& origin);
  // Asks to close (politely: the end marker after what can be sent), with `reason` as the
  // summary's failure unless empty. Wakes the connection.
  void request_close(std::string reason);
  // sync::Session::request_payload, then wakes the connection; kNotFound before the session.
  Result<std::optional<std::uint64_t>> request_payload(const model::Entry& entry);

  const SyncSummary& summary() const { return summary_; }
  // Null before the handshake completed.
  const sync::Session* session() const { return session_.get(); }

  // The LCMUX options a sync connection needs: ours never sends optimistically (session.hpp,
  // Ordering), every channel grants kDefaultChannelCapacity.
  static sync::LcmuxSessionOptions lcmux_options();
  // A session id for the n-th session of this process, distinct from other processes' (a random
  // per-process prefix): received entries carry it as their origin in the store's event log.
  static std::uint64_t unique_session_id(std::uint64_t n);

 private:
  Result<std::shared_ptr<const store::NamespaceSnapshot>> snapshot(const model::NamespaceId& ns);
  Status ingest(const sync::RbsrEntriesEvent& batch);
  Status start_round();
  Status drain_events();
  void copy_session_stats();  // the summary's counts kept by the session

  store::Store& store_;
  crypto::Ed25519PublicKey own_key_;
  SyncAppOptions options_;
  std::unique_ptr<sync::Session> session_;
  sync::LcmuxSession* mux_ = nullptr;
  // One snapshot per namespace until the store changes (a snapshot per request would be a new
  // read transaction, or a copy for a MemoryStore, each time), for at most kMaxCachedSnapshots
  // namespaces (least recently used out).
  static constexpr std::size_t kMaxCachedSnapshots = 8;
  struct Cached {
    std::uint64_t sequence = 0;
    std::uint64_t used = 0;  // snapshot_uses_ at the last use
    std::shared_ptr<const store::NamespaceSnapshot> snapshot;
  };
  std::map<model::NamespaceId, Cached> snapshots_;
  std::uint64_t snapshot_uses_ = 0;
  std::optional<Clock::time_point> idle_since_;
  bool awaiting_ = false;  // settled, but the peer owes a capability or a root (on_progress)
  // Per overlap (our capability handle, the peer's): its namespace, and the round's event number
  // when the overlap was found (Alfie's root fingerprint is read then).
  std::map<std::pair<std::uint64_t, std::uint64_t>, std::pair<model::NamespaceId, std::uint64_t>>
      namespace_of_;
  // The store's event number when the session began reading since the last drain_events.
  std::optional<std::uint64_t> round_sequence_;
  bool close_ = false;
  std::function<void()> wake_;
  SyncSummary summary_;
};

// The server options a sync server (SyncServer) and the daemon (node::Daemon) share, from their
// own options: listen, the three connection limits, handshake_timeout, idle_timeout, log, and
// keepalive_interval if `o` has one. The close timeout is at most the handshake timeout; LCMUX
// is set up as sync sessions need (SyncApp::lcmux_options). kInvalidArgument when a limit is 0.
template <typename Options>
Result<ServerOptions> sync_server_options(const Options& o) {
  if (o.max_connections == 0 || o.max_handshaking == 0 || o.max_per_ip == 0) {
    return error(ErrorCode::kInvalidArgument,
                 "max_connections, max_handshaking and max_per_ip must be at least 1");
  }
  ServerOptions so;
  so.listen = o.listen;
  so.max_connections = o.max_connections;
  so.max_handshaking = o.max_handshaking;
  so.max_per_ip = o.max_per_ip;
  so.connection.handshake_timeout = o.handshake_timeout;
  so.connection.idle_timeout = o.idle_timeout;
  if constexpr (requires { o.keepalive_interval; }) {
    so.connection.keepalive_interval = o.keepalive_interval;
  }
  so.connection.close_timeout = std::min(o.handshake_timeout, so.connection.close_timeout);
  so.connection.lcmux = SyncApp::lcmux_options();
  so.log = o.log;
  return so;
}

}  // namespace osier::net
