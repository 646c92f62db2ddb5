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
#include <set>
#include <utility>

#include "net/control_socket.hpp"
#include "net/server.hpp"
#include "net/sync_app.hpp"
#include "node/acks.hpp"
#include "node/control_request.hpp"
#include "node/daemon_json.hpp"
#include "node/daemon_lock.hpp"
#include "osier/base/hex.hpp"
#include "osier/model/encoding_entry.hpp"
#include "osier/net/control.hpp"
#include "osier/node/peers.hpp"
#include "osier/node/policies.hpp"
#include "osier/node/sync_interests.hpp"

namespace osier::node {
namespace {

// A configured peer whose key has a live session (it dialed us) is looked at again this often.
constexpr std::chrono::milliseconds kRecheckDelay{1000};
// How often the peer list, the read capabilities and the policies are looked at (`osier peer`,
// `osier cap`, `osier policy set` while we run).
constexpr std::chrono::milliseconds kPeerListCheck{1000};
// Progress events to subscribers: at most this often per session.
constexpr std::chrono::milliseconds kProgressInterval{250};
constexpr std::size_t kMaxSubscribers = 64;
constexpr std::chrono::milliseconds kAckSaveInterval{1000};
constexpr std::size_t kMaxFetches = 1024;
constexpr std::size_t kMaxFetchWaiters = 16;
// The longest the event loop waits for the home's config lock, which other processes hold for
// milliseconds (a stopped one — Ctrl-Z — holds it until it goes on): a control request that
// changes the config fails then ("try again") instead of freezing every session.
constexpr std::chrono::milliseconds kConfigLockWait{250};

using Clock = std::chrono::steady_clock;
using json::Json;

std::string fetch_key(const model::Entry& e) { return to_hex(model::encode_entry_bytes(e)); }

using Key = crypto::Ed25519PublicKey;

}  // namespace

// One configured peer and its dialer.
struct OutboundPeer {
  net::Endpoint endpoint;
  bool configured = false;  // from the home's peer list (not DaemonOptions::peers)
  bool removed = false;     // taken off the peer list: not dialed
  bool self = false;        // it proved our own key: not dialed again
  std::optional<Key> key;   // the key it proved last time
  std::string state = "connecting";
  std::uint64_t sessions = 0;
  std::string last_error;
  net::SyncSummary summary;
  std::chrono::milliseconds backoff{0};
  std::unique_ptr<asio::steady_timer> timer;
  std::uint64_t bytes_in = 0;  // of the last connection that had a session
  std::uint64_t bytes_out = 0;
};

// A session of the daemon: a live SyncApp that registers with the daemon once its peer proved
// its key (which may refuse it as a duplicate).
class DaemonApp : public net::SyncApp {
 public:
  DaemonApp(Daemon::Impl& daemon, store::Store& store, const Key& own_key,
            net::SyncAppOptions options, OutboundPeer* outbound, std::uint64_t generation)
      : SyncApp(store, own_key, std::move(options)),
        daemon_(daemon),
        outbound_(outbound),
        own_key_(own_key),
        generation_(generation) {}

  Status on_established(const sync::HandshakeResult& handshake, sync::LcmuxSession& mux) override;

  const std::optional<Key>& peer() const { return peer_; }
  // The key of the side that dialed: duplicate sessions are resolved by it.
  const Key& initiator() const { return initiator_; }
  OutboundPeer* outbound() const { return outbound_; }
  // The daemon's configuration generation (interests and policies) the session was made with.
  std::uint64_t generation() const { return generation_; }

 private:
  Daemon::Impl& daemon_;
  OutboundPeer* outbound_;  // null for an accepted connection
  Key own_key_;
  std::uint64_t generation_;
  std::optional<Key> peer_;
  Key initiator_{};
};

class Daemon::Impl {
 public:
  Impl(const Home& home, store::Store& store, DaemonOptions options, DaemonLock lock, Identity me)
      : home_(home),
        paths_(home.paths()),
        store_(store),
        options_(std::move(options)),
        lock_(std::move(lock)),
        me_(std::move(me)),
        own_key_(me_.key.public_key()) {}

  ~Impl() {
    for (const auto& [ns, id] : subscriptions_) store_.unsubscribe(id);
  }

  Status open() {
    OSIER_ASSIGN_OR_RETURN(net::ServerOptions so, net::sync_server_options(options_));
    // Signals stop the daemon (its dialers and timers too), not only the listener.
    so.stop_on_signals = false;
    so.make_app = [this]() -> std::unique_ptr<net::PeerApp> { return make_app(nullptr); };
    so.on_app_end = [this](net::PeerApp& app, const net::ConnectionReport& r) {
      on_app_end(static_cast<DaemonApp&>(app), r);
    };
    OSIER_ASSIGN_OR_RETURN(server_, net::Server::listen(me_.key, std::move(so)));
    // The stamps first: a change while we read is seen by the next check.
    caps_stamp_ = file_stamp(paths_.caps());
    policies_stamp_ = policies_stamp(paths_);
    OSIER_ASSIGN_OR_RETURN(caps_, read_capabilities_of(home_, own_key_));
    if (Result<Policies> policies = load_policies(paths_)) {
      policies_ = std::move(*policies);
    } else {
      log("download policies unreadable, so ignored: " + policies.status().message());
    }
    OSIER_RETURN_IF_ERROR(subscribe_shared_namespaces());
    if (options_.stop_on_signals) {
      signals_ = std::make_unique<asio::signal_set>(server_->context());
      asio::error_code ec;
      signals_->add(SIGINT, ec);
      if (!ec) signals_->add(SIGTERM, ec);
      if (ec) return error(ErrorCode::kIo, "cannot handle SIGINT/SIGTERM: " + ec.message());
    }
    if (Result<AckTable> acks = load_acks(paths_)) {
      acks_ = std::move(*acks);
    } else {
      log("earlier acknowledgements are unreadable, so forgotten: " + acks.status().message());
    }
    for (const net::Endpoint& e : options_.peers) add_outbound(e, /*configured=*/false);
    if (options_.use_peer_list) {
      peers_stamp_ = peers_stamp(paths_);
      OSIER_ASSIGN_OR_RETURN(const std::vector<PeerEntry> listed, load_peers(paths_));
      for (const PeerEntry& e : listed) add_outbound(e.address, /*configured=*/true);
    }
    if (options_.control_socket) {
      net::ControlServerOptions co;
      // A whole status is one line: at 10 000 namespaces about 3 MB per peer. Only the home's
      // owner can connect (0600), so room for a few peers' worth costs no exposure.
      co.max_queued_bytes = net::kControlMaxResponseBytes;
      co.on_line = [this](const std::shared_ptr<net::ControlClient>& c, std::string_view line) {
        on_control_line(c, line);
      };
      co.error_line = [](std::string_view code, std::string_view message) {
        return error_line(code, message);
      };
      OSIER_ASSIGN_OR_RETURN(
          control_,
          net::ControlServer::listen(server_->context(), paths_.control_socket(), std::move(co)));
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
    finished_.store(true);
    // What the last sessions acknowledged (on_app_end noted it).
    if (acks_dirty_) {
      if (const Status st = save_acks(paths_, acks_); !st) {
        log("cannot save the acknowledgements: " + st.message());
      }
    }
  }

  void stop() {
    stopping_.store(true);
    asio::post(server_->context(), [this] {
      if (poll_timer_) poll_timer_->cancel();
      if (signals_) signals_->cancel();
      for (const auto& p : outbound_) p->timer->cancel();
      // The waiting clients hear why before the control socket closes (after what is queued).
      for (auto& [entry, f] : fetches_) {
        for (const auto& c : f.waiting)
          c->send(error_line("unavailable", "the daemon is stopping"));
      }
      fetches_.clear();
      if (control_) control_->close();
    });
    server_->stop();
  }

  std::uint16_t port() const { return server_->port(); }
  std::string address() const { return server_->address(); }

  Result<DaemonStatus> status(std::chrono::milliseconds timeout) {
    // After run() returned nothing else touches the state: the caller reads it (the last
    // sessions' figures, for tools and tests).
    if (finished_.load()) return snapshot();
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
    // Made before the interests or policies changed (it was connecting meanwhile): the reload
    // could not close it, so it ends here and the next session carries the new ones.
    if (app.generation() != generation_) {
      return error(ErrorCode::kInvalidArgument,
                   "the read capabilities or download policies changed while connecting");
    }
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
    ao.session.session_id = net::SyncApp::unique_session_id(++next_session_);
    ao.session.pio.max_payload_power = options_.max_payload_power;
    ao.session.allow_many_namespaces();
    ao.session.set_max_open_ranges(options_.max_open_ranges);
    // Download policies as last read (reload_interests_and_policies follows the file).
    for (const auto& [ns, p] : policies_) {
      ao.session.pio.max_payload_power_of[ns] = p.payload_power();
      if (p.payloads != PayloadPolicy::kEager) ao.session.lazy_namespaces.insert(ns);
    }
    ao.on_event = [this](const sync::SessionEvent& e) { on_session_event(e); };
    return std::make_unique<DaemonApp>(*this, store_, own_key_, std::move(ao), outbound,
                                       generation_);
  }

  // A peer to dial: a new record, or a removed one for the same address taken back (records are
  // never freed while the daemon runs: their dialers' handlers point at them).
  void add_outbound(const net::Endpoint& e, bool configured) {
    for (const auto& p : outbound_) {
      if (p->endpoint.to_string() != e.to_string()) continue;
      if (p->removed) {
        p->removed = false;
        p->configured = configured;
        if (running_.load()) dial(*p);
      }
      return;
    }
    auto p = std::make_unique<OutboundPeer>();
    p->endpoint = e;
    p->configured = configured;
    p->timer = std::make_unique<asio::steady_timer>(server_->context());
    OutboundPeer& added = *p;
    outbound_.push_back(std::move(p));
    if (running_.load()) dial(added);
  }

  // Every namespace we share: its events feed the sessions (forwarding). Subscribes to the new
  // ones, lets go of those no longer shared.
  Status subscribe_shared_namespaces() {
    std::set<model::NamespaceId> shared;
    for (const meadowcap::McCapability& c : caps_) shared.insert(c.granted_namespace());
    for (auto it = subscriptions_.begin(); it != subscriptions_.end();) {
      if (shared.contains(it->first)) {
        ++it;
        continue;
      }
      store_.unsubscribe(it->second);
      it = subscriptions_.erase(it);
    }
    for (const model::NamespaceId& ns : shared) {
      if (subscriptions_.contains(ns)) continue;
      OSIER_ASSIGN_OR_RETURN(
          const store::SubscriptionId id,
          store_.subscribe(ns, model::Area::full(), std::nullopt,
                           [this](const store::StoreEvent& e) { on_store_event(e); }));
      subscriptions_.emplace(ns, id);
    }
    return Status::ok();
  }

  // `osier cap` (read capabilities of our identity) or `osier policy set` while we run: a
  // session's interests and download policies are fixed when it starts (PIO announces them
  // once), so on a change every session ends politely and the next ones (redialed at once, or by
  // the peer) carry the new ones; sessions still connecting end when established (generation_).
  void reload_interests_and_policies() {
    if (resubscribe_) {
      resubscribe_ = false;
      resubscribe();
    }
    const FileStamp caps_stamp = file_stamp(paths_.caps());
    const FileStamp policies_stamp_now = policies_stamp(paths_);
    if (caps_stamp == caps_stamp_ && policies_stamp_now == policies_stamp_) return;
    caps_stamp_ = caps_stamp;
    policies_stamp_ = policies_stamp_now;
    bool changed = false;
    if (Result<std::vector<meadowcap::McCapability>> caps = read_capabilities_of(home_, own_key_);
        !caps) {
      log("the read capabilities are unreadable, so the interests are unchanged: " +
          caps.status().message());
    } else if (*caps != caps_) {
      caps_ = std::move(*caps);
      changed = true;
      resubscribe();
    }
    // A rewrite that changes nothing (`policy set X eager` of an eager X) restarts nothing.
    if (Result<Policies> policies = load_policies(paths_); !policies) {
      log("download policies unreadable, so unchanged: " + policies.status().message());
    } else if (*policies != policies_) {
      policies_ = std::move(*policies);
      changed = true;
    }
    if (!changed) return;
    ++generation_;
    log("read capabilities or download policies changed (" + std::to_string(caps_.size()) +
        " interests): the sessions start again with them");
    for (const auto& [peer, app] : sessions_) {
      app->request_close("the peer's read capabilities or download policies changed");
    }
  }

  // Follows the events of every namespace now shared; on failure, tried again on the next tick
  // (meanwhile the namespace's new entries are not forwarded live; reconciliation still has them).
  void resubscribe() {
    if (const Status st = subscribe_shared_namespaces(); !st) {
      resubscribe_ = true;
      log("following the store's events of the shared namespaces failed (trying again): " +
          st.message());
    }
  }

  // `osier peer add|rm` while we run: dial the new, let go of the removed (its session ends).
  void reload_peers() {
    const FileStamp stamp = peers_stamp(paths_);
    if (stamp == peers_stamp_) return;
    peers_stamp_ = stamp;
    Result<std::vector<PeerEntry>> listed = load_peers(paths_);
    if (!listed)
      return log("the peer list is unreadable, so unchanged: " + listed.status().message());
    std::set<std::string> now;
    for (const PeerEntry& e : *listed) now.insert(e.address.to_string());
    for (const auto& p : outbound_) {
      if (!p->configured || p->removed || now.contains(p->endpoint.to_string())) continue;
      p->removed = true;
      p->state = "removed";
      p->timer->cancel();
      if (p->key) {
        if (const auto it = sessions_.find(*p->key);
            it != sessions_.end() && it->second->outbound() == p.get()) {
          it->second->request_close("the peer was removed from the peer list");
        }
      }
      log("peer " + p->endpoint.to_string() + " removed from the peer list");
    }
    for (const PeerEntry& e : *listed) add_outbound(e.address, /*configured=*/true);
  }

  void dial(OutboundPeer& p) {
    if (stopping_.load() || p.removed) return;
    if (p.self) {
      p.state = "self";
      return log("peer " + p.endpoint.to_string() + " is this daemon itself: not dialed again");
    }
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
    if (stopping_.load() || p.removed) return;
    if (p.state != "established") p.state = "waiting";
    // Up to 25 % more, so that many daemons restarted together do not redial in lockstep.
    std::uniform_int_distribution<std::int64_t> jitter(0, delay.count() / 4);
    p.timer->expires_after(delay + std::chrono::milliseconds(jitter(rng_)));
    p.timer->async_wait([this, &p](const asio::error_code& ec) {
      if (!ec) dial(p);
    });
  }

  // A session's matched roots become the peer's acknowledgements (kept, and saved at most once
  // per kAckSaveInterval).
  void note_acks(const Key& peer, const net::SyncSummary& summary) {
    bool added = false;
    for (const auto& [ns, p] : summary.namespaces) {
      // Every overlap of the namespace (one root each) matched: one that differs is no ack.
      if (!p.matched_as_of || p.roots_matched < p.overlaps) continue;
      Acknowledgement& a = acks_[peer][ns];
      if (a.at_unix_ms != 0 && a.as_of >= *p.matched_as_of) continue;
      added = added || a.at_unix_ms == 0;
      a.as_of = *p.matched_as_of;
      a.at_unix_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
      acks_dirty_ = true;
    }
    if (added) prune_acks(acks_);
  }

  void collect_acks() {
    next_progress_ = Clock::now() + kProgressInterval;
    for (const auto& [peer, app] : sessions_) note_acks(peer, app->summary());
    if (acks_dirty_ && Clock::now() >= next_ack_save_) {
      next_ack_save_ = Clock::now() + kAckSaveInterval;
      // Still dirty after a failed save: tried again after the interval, and at the end.
      if (const Status st = save_acks(paths_, acks_); !st) {
        log("cannot save the acknowledgements: " + st.message());
      } else {
        acks_dirty_ = false;
      }
    }
  }

  void on_app_end(DaemonApp& app, const net::ConnectionReport& r) {
    if (app.peer() && app.session() != nullptr) {
      note_acks(*app.peer(), app.summary());
      // The payloads asked of this session will not come: their waiters hear so now.
      for (auto it = fetches_.begin(); it != fetches_.end();) {
        // The session asked, not whichever is the peer's now: a session replaced by the peer's
        // newer connection ends after sessions_ names the new one.
        if (it->second.session != &app) {
          ++it;
          continue;
        }
        for (const auto& c : it->second.waiting) {
          c->send(error_line("unavailable", "the session with the peer ended: " + r.line()));
        }
        it = fetches_.erase(it);
      }
    }
    if (OutboundPeer* o = app.outbound(); o != nullptr && app.session() != nullptr) {
      o->bytes_in = r.bytes_in;
      o->bytes_out = r.bytes_out;
    }
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
      e.bytes_in = r.bytes_in;
      e.bytes_out = r.bytes_out;
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
    if (events_.size() >= options_.max_queued_events) {
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
    if (!subscribers_.empty()) {
      for (const auto& [entry, origin] : batch) {
        publish(Json{{"event", "entry"},
                     {"entry", json::to_json(entry)},
                     {"origin", origin.is_local() ? Json("local") : Json("peer")}});
      }
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
      if (Clock::now() >= next_peer_check_) {
        next_peer_check_ = Clock::now() + kPeerListCheck;
        if (options_.use_peer_list) reload_peers();
        reload_interests_and_policies();
      }
      if (Clock::now() >= next_progress_) {
        collect_acks();
        if (!subscribers_.empty()) publish_progress();
      }
      arm_poll();
    });
  }

  // --- the control API (docs/control-api.md), on the run() thread

  void on_control_line(const std::shared_ptr<net::ControlClient>& client, std::string_view line) {
    const Result<ControlRequest> req = parse_control_request(line);
    if (!req) {
      return client->send(error_line(control_error_code(req.status()), req.status().message()));
    }
    if (const auto* status = std::get_if<StatusRequest>(&*req)) {
      return client->send(ok_line(
          Json{{"status", status_json(snapshot(), status->max_namespaces.value_or(UINT64_MAX))}}));
    }
    if (const auto* sub = std::get_if<SubscribeRequest>(&*req)) {
      std::erase_if(subscribers_, [](const Subscriber& s) { return s.client.expired(); });
      if (subscribers_.size() >= kMaxSubscribers) {
        return client->send(error_line("unavailable", "too many subscribers"));
      }
      subscribers_.push_back(Subscriber{client, sub->max_namespaces.value_or(UINT64_MAX)});
      client->send(ok_line());
      last_progress_.clear();
      return publish_progress();
    }
    if (const auto* f = std::get_if<FetchRequest>(&*req)) return fetch(client, *f);
    client->send(configure(*req));
  }

  // The requests that read or change the home's peer list and policies, as `osier peer` and
  // `osier policy` do (the same files, under the home lock); a change applies at once.
  std::string configure(const ControlRequest& req) {
    const auto failed = [](const Status& st) {
      return error_line(st.code() == ErrorCode::kNotFound ? "not_found" : "failed", st.message());
    };
    if (std::holds_alternative<PeersRequest>(req)) {
      Result<std::vector<PeerEntry>> peers = load_peers(paths_);
      return peers ? ok_line(Json{{"peers", peers_json(*peers)}}) : failed(peers.status());
    }
    if (const auto* change = std::get_if<PeerChangeRequest>(&req)) {
      const Status st = change->add ? add_peer(paths_, change->address, kConfigLockWait)
                                    : remove_peer(paths_, change->address, kConfigLockWait);
      if (!st) return failed(st);
      if (options_.use_peer_list) reload_peers();
      return ok_line();
    }
    if (std::holds_alternative<PoliciesRequest>(req)) {
      Result<Policies> policies = load_policies(paths_);
      return policies ? ok_line(Json{{"policies", policies_json(*policies)}})
                      : failed(policies.status());
    }
    const auto& set = std::get<PolicySetRequest>(req);
    if (const Status st = set_policy(paths_, set.namespace_id, set.policy, kConfigLockWait); !st)
      return failed(st);
    reload_interests_and_policies();
    return ok_line();
  }

  // {"op":"fetch","namespace":HEX,"subspace":HEX,"path":[HEX...]}: the entry's payload from a
  // connected peer; answered when it is stored whole, or at once when it is already.
  void fetch(const std::shared_ptr<net::ControlClient>& client, const FetchRequest& req) {
    Result<std::optional<store::LengthyAuthorisedEntry>> held =
        store_.get(req.namespace_id, req.subspace, req.path);
    if (!held) return client->send(error_line("failed", held.status().message()));
    if (!*held) return client->send(error_line("not_found", "no such entry in the store"));
    const model::Entry& entry = (*held)->authorised.entry;
    if ((*held)->available == entry.payload_length) return client->send(ok_line());
    const std::string key = fetch_key(entry);
    if (fetches_.size() >= kMaxFetches && !fetches_.contains(key)) {
      return client->send(error_line("unavailable", "too many fetches under way"));
    }
    // Already asked for: wait with the others — unless all who asked gave up (a client waits
    // only so long for a payload that does not come): then ask again.
    if (const auto it = fetches_.find(key); it != fetches_.end()) {
      std::erase_if(it->second.waiting, [](const auto& c) { return c->closed(); });
      if (!it->second.waiting.empty()) {
        if (it->second.waiting.size() >= kMaxFetchWaiters) {
          return client->send(error_line("unavailable", "too many waiting for this payload"));
        }
        it->second.waiting.push_back(client);
        return;
      }
      fetches_.erase(it);
    }
    std::string why = "no connected peer shares the entry's area";
    for (const auto& [peer, app] : sessions_) {
      Result<std::optional<std::uint64_t>> r = app->request_payload(entry);
      if (!r) {
        if (r.status().code() != ErrorCode::kNotFound) why = r.status().message();
        continue;
      }
      if (!*r) return client->send(ok_line());
      fetches_[key] = Fetch{app, {client}};
      return;
    }
    client->send(error_line("unavailable", why));
  }

  void on_session_event(const sync::SessionEvent& e) {
    const auto* p = std::get_if<sync::PayloadReceivedEvent>(&e);
    if (p == nullptr) return;
    const auto it = fetches_.find(fetch_key(p->entry));
    if (it == fetches_.end()) return;
    const std::string line =
        p->complete
            ? ok_line()
            : error_line("failed", "the peer sent " + std::to_string(p->verified_end) + " of " +
                                       std::to_string(p->entry.payload_length) + " bytes");
    for (const auto& c : it->second.waiting) c->send(line);
    fetches_.erase(it);
  }

  void publish(const Json& event) {
    const std::string line = dump_line(event);
    std::erase_if(subscribers_, [](const Subscriber& s) { return s.client.expired(); });
    for (const Subscriber& s : subscribers_) {
      if (const std::shared_ptr<net::ControlClient> c = s.client.lock(); c && !c->closed()) {
        c->send(line);
      }
    }
  }

  // A "progress" event per session whose summary changed, at most every kProgressInterval; each
  // subscriber's with the per-namespace lists it asked for (one line built per distinct limit).
  void publish_progress() {
    std::erase_if(subscribers_, [](const Subscriber& s) { return s.client.expired(); });
    if (subscribers_.empty()) return;
    std::uint64_t widest = 0;
    for (const Subscriber& s : subscribers_) widest = std::max(widest, s.max_namespaces);
    // Only the sessions still there: a key per peer ever seen would grow without bound.
    std::erase_if(last_progress_, [&](const auto& e) { return !sessions_.contains(e.first); });
    for (const auto& session : sessions_) {
      const Key& key = session.first;  // not a structured binding: the lambda captures it
      const net::SyncSummary summary = session.second->summary();
      const auto line_of = [&](std::uint64_t limit) {
        return dump_line(Json{{"event", "progress"},
                              {"peer", to_hex(key)},
                              {"session", summary_json(summary, limit)}});
      };
      std::map<std::uint64_t, std::string> lines{{widest, line_of(widest)}};
      std::string& last = last_progress_[key];
      if (lines[widest] == last) continue;
      last = lines[widest];
      for (const Subscriber& s : subscribers_) {
        const std::shared_ptr<net::ControlClient> c = s.client.lock();
        if (!c || c->closed()) continue;
        auto it = lines.find(s.max_namespaces);
        if (it == lines.end())
          it = lines.emplace(s.max_namespaces, line_of(s.max_namespaces)).first;
        c->send(it->second);
      }
    }
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
      ps.last_bytes_in = p->bytes_in;
      ps.last_bytes_out = p->bytes_out;
      if (p->key) {
        if (const auto a = acks_.find(*p->key); a != acks_.end()) ps.acknowledgements = a->second;
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
      if (const auto a = acks_.find(key); a != acks_.end()) ps.acknowledgements = a->second;
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
    std::uint64_t bytes_in = 0;
    std::uint64_t bytes_out = 0;
  };

  const Home& home_;
  HomePaths paths_;
  store::Store& store_;
  DaemonOptions options_;
  DaemonLock lock_;
  Identity me_;
  Key own_key_;
  std::vector<meadowcap::McCapability> caps_;
  std::unique_ptr<net::Server> server_;
  std::map<model::NamespaceId, store::SubscriptionId> subscriptions_;  // one per shared namespace
  std::vector<std::unique_ptr<OutboundPeer>> outbound_;
  std::map<Key, DaemonApp*> sessions_;  // established, by the peer's key
  std::map<Key, Ended> ended_;          // inbound peers' last sessions, for status
  std::unique_ptr<asio::steady_timer> poll_timer_;
  std::unique_ptr<asio::signal_set> signals_;
  std::unique_ptr<net::ControlServer> control_;
  FileStamp peers_stamp_;
  FileStamp caps_stamp_;  // of HOME/caps (a directory: its entries change)
  FileStamp policies_stamp_;
  Policies policies_;             // as last read (a rewrite to the same restarts nothing)
  std::uint64_t generation_ = 0;  // of caps_ and policies_: bumped on each change
  bool resubscribe_ = false;      // subscribing to a shared namespace failed: try again
  AckTable acks_;
  bool acks_dirty_ = false;
  Clock::time_point next_ack_save_{};
  Clock::time_point next_peer_check_{};
  Clock::time_point next_progress_{};
  struct Subscriber {
    std::weak_ptr<net::ControlClient> client;
    std::uint64_t max_namespaces = UINT64_MAX;  // per-namespace records in its progress events
  };
  std::vector<Subscriber> subscribers_;       // at most kMaxSubscribers
  std::map<Key, std::string> last_progress_;  // per session, as published
  // Payloads asked for through the control API, and who waits for each (at most kMaxFetches).
  // Keyed by the entry's encoding in hex (fetch_key): the session asked, and who waits.
  struct Fetch {
    const DaemonApp* session = nullptr;  // the one asked; compared, never dereferenced
    std::vector<std::shared_ptr<net::ControlClient>> waiting;  // at most kMaxFetchWaiters
  };
  std::map<std::string, Fetch> fetches_;
  std::uint64_t next_session_ = 0;
  std::mt19937_64 rng_{std::random_device{}()};
  std::atomic<bool> running_{false};
  std::atomic<bool> stopping_{false};
  std::atomic<bool> finished_{false};  // run() returned
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
    // We dialed ourselves. Both ends close politely (not at once: the dialing end must see our
    // first transport chunk to learn the key), and the dialer stops dialing that address.
    if (outbound_ != nullptr) outbound_->self = true;
    request_close("the peer is this daemon itself");
    return Status::ok();
  }
  if (outbound_ != nullptr && outbound_->removed) {
    request_close("the peer was removed from the peer list");
    return Status::ok();
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
  OSIER_RETURN_IF_ERROR(net::check_max_open_ranges(options.max_open_ranges));
  OSIER_ASSIGN_OR_RETURN(DaemonLock lock, DaemonLock::acquire(home.paths()));
  OSIER_ASSIGN_OR_RETURN(Identity me, home.sync_identity(options.as));
  auto impl =
      std::make_unique<Impl>(home, store, std::move(options), std::move(lock), std::move(me));
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
