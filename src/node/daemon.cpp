// The daemon (osier/node/daemon.hpp): a net::Server whose connections each run a DaemonApp (a
// SyncApp in live mode, registered by its peer's key), the dialers of the configured peers, and
// the fan-out of store events to every session.
#include "osier/node/daemon.hpp"

#include <algorithm>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>
#include <atomic>
#include <csignal>
#include <deque>
#include <future>
#include <map>
#include <mutex>
#include <random>
#include <utility>

#include "net/server.hpp"
#include "net/sync_app.hpp"
#include "node/daemon_lock.hpp"
#include "osier/base/hex.hpp"
#include "osier/node/policies.hpp"
#include "osier/node/sync_interests.hpp"

namespace osier::node {
namespace {

// Store events waiting for the run() thread (from other threads' writes); beyond, every session
// reconnects and reconciles afresh.
constexpr std::size_t kMaxQueuedEvents = 65536;
// A configured peer whose key has a live session (it dialed us) is looked at again this often.
constexpr std::chrono::milliseconds kRecheckDelay{1000};

using Key = crypto::Ed25519PublicKey;

}  // namespace

// One configured peer and its dialer.
struct OutboundPeer {
  net::Endpoint endpoint;
  std::optional<Key> key;  // the key it proved last time
  std::string state = "connecting";
  std::uint64_t sessions = 0;
  std::string last_error;
  net::SyncSummary summary;
  std::chrono::milliseconds backoff{0};
  std::unique_ptr<asio::steady_timer> timer;
};

// A session of the daemon: a live SyncApp that registers with the daemon once its peer proved
// its key (which may refuse it as a duplicate).
class DaemonApp : public net::SyncApp {
 public:
  DaemonApp(Daemon::Impl& daemon, store::Store& store, const Key& own_key,
            net::SyncAppOptions options, OutboundPeer* outbound)
      : SyncApp(store, own_key, std::move(options)),
        daemon_(daemon),
        outbound_(outbound),
        own_key_(own_key) {}

  Status on_established(const sync::HandshakeResult& handshake, sync::LcmuxSession& mux) override;

  const std::optional<Key>& peer() const { return peer_; }
  // The key of the side that dialed: duplicate sessions are resolved by it.
  const Key& initiator() const { return initiator_; }
  OutboundPeer* outbound() const { return outbound_; }

 private:
  Daemon::Impl& daemon_;
  OutboundPeer* outbound_;  // null for an accepted connection
  Key own_key_;
  std::optional<Key> peer_;
  Key initiator_{};
};

class Daemon::Impl {
 public:
  Impl(HomePaths paths, store::Store& store, DaemonOptions options, DaemonLock lock, Identity me,
       std::vector<meadowcap::McCapability> caps)
      : paths_(std::move(paths)),
        store_(store),
        options_(std::move(options)),
        lock_(std::move(lock)),
        me_(std::move(me)),
        own_key_(me_.key.public_key()),
        caps_(std::move(caps)) {}

  ~Impl() {
    for (const store::SubscriptionId id : subscriptions_) store_.unsubscribe(id);
  }

  Status open() {
    net::ServerOptions so;
    so.listen = options_.listen;
    so.max_connections = options_.max_connections;
    so.max_handshaking = options_.max_handshaking;
    so.max_per_ip = options_.max_per_ip;
    so.connection.handshake_timeout = options_.handshake_timeout;
    so.connection.idle_timeout = options_.idle_timeout;
    so.connection.keepalive_interval = options_.keepalive_interval;
    so.connection.close_timeout = std::min(options_.handshake_timeout, so.connection.close_timeout);
    so.connection.lcmux = net::SyncApp::lcmux_options();
    // Signals stop the daemon (its dialers and timers too), not only the listener.
    so.stop_on_signals = false;
    so.log = options_.log;
    so.make_app = [this]() -> std::unique_ptr<net::PeerApp> { return make_app(nullptr); };
    so.on_app_end = [this](net::PeerApp& app, const net::ConnectionReport& r) {
      on_app_end(static_cast<DaemonApp&>(app), r);
    };
    OSIER_ASSIGN_OR_RETURN(server_, net::Server::listen(me_.key, std::move(so)));
    // Every namespace we share: its events feed the sessions (forwarding).
    std::vector<model::NamespaceId> namespaces;
    for (const meadowcap::McCapability& c : caps_) namespaces.push_back(c.granted_namespace());
    std::sort(namespaces.begin(), namespaces.end());
    namespaces.erase(std::unique(namespaces.begin(), namespaces.end()), namespaces.end());
    for (const model::NamespaceId& ns : namespaces) {
      OSIER_ASSIGN_OR_RETURN(
          const store::SubscriptionId id,
          store_.subscribe(ns, model::Area::full(), std::nullopt,
                           [this](const store::StoreEvent& e) { on_store_event(e); }));
      subscriptions_.push_back(id);
    }
    if (options_.stop_on_signals) {
      signals_ = std::make_unique<asio::signal_set>(server_->context());
      asio::error_code ec;
      signals_->add(SIGINT, ec);
      if (!ec) signals_->add(SIGTERM, ec);
      if (ec) return error(ErrorCode::kIo, "cannot handle SIGINT/SIGTERM: " + ec.message());
    }
    for (const net::Endpoint& e : options_.peers) {
      auto p = std::make_unique<OutboundPeer>();
      p->endpoint = e;
      p->timer = std::make_unique<asio::steady_timer>(server_->context());
      outbound_.push_back(std::move(p));
    }
    return Status::ok();
  }

  void run() {
    running_.store(true);
    if (signals_) {
      signals_->async_wait([this](const asio::error_code& ec, int sig) {
        if (ec) return;
        log(std::string("stopping (") + (sig == SIGINT ? "SIGINT" : "SIGTERM") + ")");
        stop();
      });
    }
    for (const auto& p : outbound_) dial(*p);
    arm_poll();
    server_->run();
    running_.store(false);
  }

  void stop() {
    stopping_.store(true);
    asio::post(server_->context(), [this] {
      if (poll_timer_) poll_timer_->cancel();
      if (signals_) signals_->cancel();
      for (const auto& p : outbound_) p->timer->cancel();
    });
    server_->stop();
  }

  std::uint16_t port() const { return server_->port(); }
  std::string address() const { return server_->address(); }

  Result<DaemonStatus> status(std::chrono::milliseconds timeout) {
    if (!running_.load()) return error(ErrorCode::kInternal, "the daemon is not running");
    auto promise = std::make_shared<std::promise<DaemonStatus>>();
    std::future<DaemonStatus> future = promise->get_future();
    asio::post(server_->context(), [this, promise] { promise->set_value(snapshot()); });
    if (future.wait_for(timeout) != std::future_status::ready) {
      return error(ErrorCode::kInternal, "the daemon did not answer within the timeout");
    }
    return future.get();
  }

  // --- on the run() thread

  // Duplicate sessions with one peer: the connection whose initiator has the smaller key stays,
  // and of two from the same initiator the newer (the older may be half-dead).
  Status admit(DaemonApp& app, const Key& peer) {
    const auto it = sessions_.find(peer);
    if (it != sessions_.end()) {
      DaemonApp& old = *it->second;
      if (app.initiator() == old.initiator() || app.initiator() < old.initiator()) {
        old.request_close("replaced by another connection with the same peer");
      } else {
        log("peer " + to_hex(peer) +
            ": a session with it is open already; closing the other connection (of two between "
            "the same peers, the one dialed by the smaller key stays)");
        return error(ErrorCode::kInvalidArgument, "a session with this peer is open already");
      }
    }
    sessions_[peer] = &app;
    if (OutboundPeer* o = app.outbound()) {
      o->key = peer;
      o->state = "established";
      ++o->sessions;
    }
    return Status::ok();
  }

 private:
  std::unique_ptr<DaemonApp> make_app(OutboundPeer* outbound) {
    net::SyncAppOptions ao;
    ao.session.read_capabilities = caps_;
    ao.session.session_id = ++next_session_;
    ao.session.pio.max_payload_power = options_.max_payload_power;
    // Download policies, read afresh for each session (`osier policy set` applies to the next).
    Result<Policies> policies = load_policies(paths_);
    if (!policies) log("download policies unreadable, so ignored: " + policies.status().message());
    if (policies) {
      for (const auto& [ns, p] : *policies) {
        ao.session.pio.max_payload_power_of[ns] = p.payload_power();
        if (p.payloads != PayloadPolicy::kEager) ao.session.lazy_namespaces.insert(ns);
      }
    }
    return std::make_unique<DaemonApp>(*this, store_, own_key_, std::move(ao), outbound);
  }

  void dial(OutboundPeer& p) {
    if (stopping_.load()) return;
    // It dialed us and that session lives: one session per peer.
    if (p.key && sessions_.contains(*p.key)) {
      p.state = "established";
      return wait(p, kRecheckDelay);
    }
    p.state = "connecting";
    std::shared_ptr<DaemonApp> app(make_app(&p));
    server_->connect(p.endpoint, app, [this, &p](const net::ConnectionReport& r) {
      if (r.peer) {
        p.key = r.peer;
        p.backoff = options_.reconnect_min;  // it was there: come back soon
      } else {
        p.backoff = p.backoff.count() == 0 ? options_.reconnect_min
                                           : std::min(p.backoff * 2, options_.reconnect_max);
      }
      p.last_error = r.clean() ? "" : r.reason;
      wait(p, p.backoff);
    });
  }

  void wait(OutboundPeer& p, std::chrono::milliseconds delay) {
    if (stopping_.load()) return;
    if (p.state != "established") p.state = "waiting";
    // Up to 25 % more, so that many daemons restarted together do not redial in lockstep.
    std::uniform_int_distribution<std::int64_t> jitter(0, delay.count() / 4);
    p.timer->expires_after(delay + std::chrono::milliseconds(jitter(rng_)));
    p.timer->async_wait([this, &p](const asio::error_code& ec) {
      if (!ec) dial(p);
    });
  }

  void on_app_end(DaemonApp& app, const net::ConnectionReport& r) {
    if (app.peer()) {
      const auto it = sessions_.find(*app.peer());
      if (it != sessions_.end() && it->second == &app) sessions_.erase(it);
    }
    if (app.session() == nullptr) return;  // refused (a duplicate) or never established
    if (OutboundPeer* o = app.outbound()) o->summary = app.summary();
    if (app.peer()) {
      Ended& e = ended_[*app.peer()];
      e.address = r.remote;
      e.summary = app.summary();
      e.last_error = r.clean() ? "" : r.reason;
      ++e.sessions;
      // Bounded: forget the oldest record (map order is by key, which is as good as any here).
      if (ended_.size() > kMaxEndedRecords) ended_.erase(ended_.begin());
    }
  }

  // Any thread (the store's writer): only queue, and wake the run() thread.
  void on_store_event(const store::StoreEvent& e) {
    const bool wanted =
        e.kind == store::EventKind::kInserted ||
        (e.kind == store::EventKind::kPayloadAppended && e.available == e.entry.payload_length);
    if (!wanted) return;
    const std::lock_guard<std::mutex> lock(events_mutex_);
    if (events_.size() >= kMaxQueuedEvents) {
      events_overflowed_ = true;
    } else {
      events_.emplace_back(e.entry, e.origin);
    }
    if (!drain_posted_) {
      drain_posted_ = true;
      asio::post(server_->context(), [this] { drain_events(); });
    }
  }

  void drain_events() {
    std::deque<std::pair<model::Entry, store::Origin>> batch;
    bool overflowed = false;
    {
      const std::lock_guard<std::mutex> lock(events_mutex_);
      batch.swap(events_);
      overflowed = events_overflowed_;
      events_overflowed_ = false;
      drain_posted_ = false;
    }
    for (const auto& [key, app] : sessions_) {
      if (overflowed) {
        app->request_close(
            "more new entries than the daemon's queue holds: reconnecting to "
            "reconcile afresh");
        continue;
      }
      for (const auto& [entry, origin] : batch) app->offer_entry(entry, origin);
    }
  }

  void log(const std::string& line) const {
    if (options_.log) options_.log(line);
  }

  // Other processes' writes reach us only when we look (Store::poll_events).
  void arm_poll() {
    if (!poll_timer_) poll_timer_ = std::make_unique<asio::steady_timer>(server_->context());
    poll_timer_->expires_after(options_.poll_interval);
    poll_timer_->async_wait([this](const asio::error_code& ec) {
      if (ec || stopping_.load()) return;
      if (const Status st = store_.poll_events(); !st && options_.log) {
        options_.log("reading the store's events failed: " + st.message());
      }
      arm_poll();
    });
  }

  DaemonStatus snapshot() const {
    DaemonStatus s;
    s.address = server_->address();
    s.identity = me_.name;
    s.key = own_key_;
    s.interests = caps_.size();
    if (Result<std::uint64_t> seq = store_.last_sequence()) s.store_sequence = *seq;
    std::map<Key, bool> listed;
    for (const auto& p : outbound_) {
      DaemonPeerStatus ps;
      ps.address = p->endpoint.to_string();
      ps.key = p->key;
      ps.outbound = true;
      ps.state = p->state;
      ps.sessions = p->sessions;
      ps.last_error = p->last_error;
      ps.summary = p->summary;
      if (p->key) {
        listed[*p->key] = true;
        if (const auto it = sessions_.find(*p->key); it != sessions_.end()) {
          ps.summary = it->second->summary();
          ps.state = "established";
        }
      }
      s.peers.push_back(std::move(ps));
    }
    for (const auto& [key, app] : sessions_) {
      if (listed.contains(key)) continue;
      DaemonPeerStatus ps;
      ps.key = key;
      ps.state = "established";
      ps.summary = app->summary();
      if (const auto it = ended_.find(key); it != ended_.end()) ps.sessions = it->second.sessions;
      ++ps.sessions;
      s.peers.push_back(std::move(ps));
    }
    return s;
  }

  static constexpr std::size_t kMaxEndedRecords = 1024;
  struct Ended {
    std::string address;
    net::SyncSummary summary;
    std::string last_error;
    std::uint64_t sessions = 0;
  };

  HomePaths paths_;
  store::Store& store_;
  DaemonOptions options_;
  DaemonLock lock_;
  Identity me_;
  Key own_key_;
  std::vector<meadowcap::McCapability> caps_;
  std::unique_ptr<net::Server> server_;
  std::vector<store::SubscriptionId> subscriptions_;
  std::vector<std::unique_ptr<OutboundPeer>> outbound_;
  std::map<Key, DaemonApp*> sessions_;  // established, by the peer's key
  std::map<Key, Ended> ended_;          // inbound peers' last sessions, for status
  std::unique_ptr<asio::steady_timer> poll_timer_;
  std::unique_ptr<asio::signal_set> signals_;
  std::uint64_t next_session_ = 0;
  std::mt19937_64 rng_{std::random_device{}()};
  std::atomic<bool> running_{false};
  std::atomic<bool> stopping_{false};
  // Store events from any thread, for the run() thread.
  std::mutex events_mutex_;
  std::deque<std::pair<model::Entry, store::Origin>> events_;  // guarded by events_mutex_
  bool events_overflowed_ = false;                             // guarded by events_mutex_
  bool drain_posted_ = false;                                  // guarded by events_mutex_
};

Status DaemonApp::on_established(const sync::HandshakeResult& handshake, sync::LcmuxSession& mux) {
  peer_ = handshake.peer_static_pk;
  initiator_ =
      handshake.role == sync::HandshakeRole::kInitiator ? own_key_ : handshake.peer_static_pk;
  // Known even when refused below: the dialer then waits while the other session lives.
  if (outbound_ != nullptr) outbound_->key = peer_;
  if (*peer_ == own_key_) {
    return error(ErrorCode::kInvalidArgument, "the peer is this daemon's own identity");
  }
  if (const Status admitted = daemon_.admit(*this, *peer_); !admitted) {
    // A duplicate: no session, a polite close (the end marker after LCMUX's first guarantees),
    // so the peer, too, learns who we are and stops dialing while the other session lives.
    request_close(admitted.message());
    return Status::ok();
  }
  return SyncApp::on_established(handshake, mux);
}

Result<std::unique_ptr<Daemon>> Daemon::start(const Home& home, store::Store& store,
                                              DaemonOptions options) {
  OSIER_ASSIGN_OR_RETURN(DaemonLock lock, DaemonLock::acquire(home.paths()));
  OSIER_ASSIGN_OR_RETURN(Identity me, home.sync_identity(options.as));
  OSIER_ASSIGN_OR_RETURN(std::vector<meadowcap::McCapability> caps,
                         read_capabilities_of(home, me.key.public_key()));
  auto impl = std::make_unique<Impl>(home.paths(), store, std::move(options), std::move(lock),
                                     std::move(me), std::move(caps));
  OSIER_RETURN_IF_ERROR(impl->open());
  return std::unique_ptr<Daemon>(new Daemon(std::move(impl)));  // NOLINT: private constructor
}

Daemon::Daemon(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Daemon::~Daemon() = default;
std::uint16_t Daemon::port() const { return impl_->port(); }
std::string Daemon::address() const { return impl_->address(); }
void Daemon::run() { impl_->run(); }
void Daemon::stop() { impl_->stop(); }
Result<DaemonStatus> Daemon::status(std::chrono::milliseconds timeout) const {
  return impl_->status(timeout);
}

}  // namespace osier::node
