#include "net/server.hpp"

#include <asio/connect.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/post.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>
#include <atomic>
#include <csignal>
#include <unordered_map>
#include <vector>

#include "net/connection.hpp"
#include "net/host_lookup.hpp"

namespace osier::net {
namespace {

using asio::ip::tcp;

// How long to wait before accepting again after the system refused an accept (out of file
// descriptors, say): retrying at once would spin.
constexpr std::chrono::milliseconds kAcceptRetryDelay{100};

// Every address of `e`, in the resolver's order.
Result<std::vector<tcp::endpoint>> resolve_all(asio::io_context& io, const Endpoint& e,
                                               bool passive) {
  asio::error_code ec;
  const asio::ip::address addr = asio::ip::make_address(e.host, ec);
  if (!ec) return std::vector<tcp::endpoint>{tcp::endpoint(addr, e.port)};
  tcp::resolver resolver(io);
  const auto results =
      resolver.resolve(e.host, std::to_string(e.port),
                       passive ? tcp::resolver::passive : tcp::resolver::flags(), ec);
  if (ec || results.empty()) {
    return error(ErrorCode::kIo, "cannot resolve '" + e.host +
                                     "': " + (ec ? ec.message() : std::string("no address")));
  }
  std::vector<tcp::endpoint> out;
  for (const auto& r : results) out.push_back(r.endpoint());
  return out;
}

Result<tcp::endpoint> resolve(asio::io_context& io, const Endpoint& e, bool passive) {
  OSIER_ASSIGN_OR_RETURN(std::vector<tcp::endpoint> all, resolve_all(io, e, passive));
  return all.front();
}

}  // namespace

class Server::Impl {
 public:
  Impl(const crypto::Ed25519SecretKey& key, ServerOptions options)
      : key_(key), options_(std::move(options)), acceptor_(io_), retry_timer_(io_), signals_(io_) {}

  Status open() {
    OSIER_ASSIGN_OR_RETURN(const tcp::endpoint ep, resolve(io_, options_.listen, true));
    asio::error_code ec;
    acceptor_.open(ep.protocol(), ec);
    if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor_.bind(ep, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return error(ErrorCode::kIo,
                   "cannot listen on " + options_.listen.to_string() + ": " + ec.message());
    }
    if (options_.stop_on_signals) {
      // Installed now, before anyone learns that we listen: a signal from then on stops us.
      signals_.add(SIGINT, ec);
      if (!ec) signals_.add(SIGTERM, ec);
      if (ec) return error(ErrorCode::kIo, "cannot handle SIGINT/SIGTERM: " + ec.message());
    }
    const tcp::endpoint local = acceptor_.local_endpoint(ec);
    port_.store(local.port());
    Endpoint shown = options_.listen;
    shown.host = local.address().to_string();
    shown.port = local.port();
    address_ = shown.to_string();
    return Status::ok();
  }

  void run() {
    if (options_.stop_on_signals) {
      signals_.async_wait([this](const asio::error_code& ec, int sig) {
        if (ec) return;
        log(std::string("stopping (") + (sig == SIGINT ? "SIGINT" : "SIGTERM") + ")");
        do_stop();
      });
    }
    accept();
    io_.run();
  }

  void stop() {
    asio::post(io_, [this] { do_stop(); });
  }

  std::uint16_t port() const { return port_.load(); }
  const std::string& address() const { return address_; }
  asio::io_context& context() { return io_; }

  void connect(const Endpoint& to, std::shared_ptr<PeerApp> app,
               std::function<void(const ConnectionReport&)> on_end) {
    const auto fail = [&](std::string reason) {
      ConnectionReport r;
      r.remote = to.to_string();
      r.ending = Ending::kError;
      r.reason = std::move(reason);
      report(r);
      if (on_end) on_end(r);
    };
    if (stopping_) return fail("cannot connect to " + to.to_string() + ": stopping");
    // Dials under way count too: each becomes a connection once connected.
    std::erase_if(dialing_, [](const std::weak_ptr<Dialing>& w) { return w.expired(); });
    std::size_t open = live_.size();
    for (const std::weak_ptr<Dialing>& w : dialing_) {
      if (const std::shared_ptr<Dialing> other = w.lock(); other && !other->done) ++open;
    }
    if (open >= options_.max_connections) {
      return fail("cannot connect to " + to.to_string() + ": " + std::to_string(open) +
                  " connections open or opening, the limit");
    }
    auto d = std::make_shared<Dialing>(Dialing{tcp::socket(io_),
                                               asio::steady_timer(io_),
                                               false,
                                               false,
                                               {},
                                               std::make_shared<const bool>(true)});
    dialing_.push_back(d);
    auto finish =
        std::make_shared<DialEnd>([this, d, to, app = std::move(app), on_end = std::move(on_end)](
                                      const asio::error_code& ec, const char* what) mutable {
          if (d->done) return;  // ends once: a timed-out lookup may be ended again by stop()
          d->done = true;
          d->resolving = false;
          d->wanted.reset();
          d->timer.cancel();
          if (ec || stopping_) {
            ConnectionReport r;
            r.remote = to.to_string();
            r.ending = Ending::kError;
            r.reason = std::string("cannot ") + what + " " + to.to_string() + ": " +
                       (stopping_                              ? std::string("stopping")
                        : ec == asio::error::operation_aborted ? std::string("timed out")
                                                               : ec.message());
            report(r);
            if (on_end) on_end(r);
            return;
          }
          start(std::move(d->socket), sync::HandshakeRole::kInitiator, app, "", std::move(on_end),
                false);
        });
    d->end = finish;
    // The handshake timeout bounds resolving and connecting as well.
    d->timer.expires_after(options_.connection.handshake_timeout);
    d->timer.async_wait([d, finish](const asio::error_code& ec) {
      if (ec || d->done) return;
      // A lookup cannot be cancelled (HostLookups): the dial ends now, its result is ignored.
      if (d->resolving) return (*finish)(asio::error::operation_aborted, "resolve");
      asio::error_code ignored;
      d->socket.close(ignored);  // the connect handler reports it
    });
    const auto connect_to = [d, finish](const tcp::endpoint& ep) {
      d->socket.async_connect(
          ep, [finish](const asio::error_code& ec) { (*finish)(ec, "connect to"); });
    };
    // An IP address (the usual case) needs no lookup; a host name is looked up off this thread
    // (HostLookups), so a slow resolver never holds up the sessions on it, nor other dials.
    asio::error_code ec;
    if (const asio::ip::address addr = asio::ip::make_address(to.host, ec); !ec) {
      return connect_to(tcp::endpoint(addr, to.port));
    }
    d->resolving = true;
    lookups_.lookup(
        to.host, to.port,
        // Weakly: the dial's timer handler holds it while it lasts, and a callback HostLookups
        // drops off this thread (a lookup outliving the server) must not end a socket and timer
        // of a gone io_context.
        [this, wd = std::weak_ptr<Dialing>(d), wf = std::weak_ptr<DialEnd>(finish)](
            const std::error_code& e, const HostLookups::Endpoints& r) {
          const std::shared_ptr<Dialing> d = wd.lock();
          const std::shared_ptr<DialEnd> finish = wf.lock();
          if (!d || !finish || d->done) return;  // timed out, or stopped
          d->resolving = false;
          if (stopping_) return (*finish)(asio::error::operation_aborted, "resolve");
          if (e) return (*finish)(e, "resolve");
          // Each address in turn (localhost may be ::1 first while the peer listens
          // on IPv4).
          asio::async_connect(
              d->socket, r,
              // The next address only within the dial's time: its timer closed the
              // socket, which ends one attempt, not the others.
              [d](const asio::error_code&, const tcp::endpoint&) {
                return !d->done && d->timer.expiry() > asio::steady_timer::clock_type::now();
              },
              [finish](const asio::error_code& ec, const tcp::endpoint&) {
                (*finish)(ec, "connect to");
              });
        },
        d->wanted);
  }

 private:
  void log(const std::string& line) const {
    if (options_.log) options_.log(line);
  }

  void accept() {
    acceptor_.async_accept([this](const asio::error_code& ec, tcp::socket socket) {
      if (stopping_) return;
      if (ec) {
        if (ec == asio::error::operation_aborted) return;
        log("accept failed: " + ec.message() + " (retrying)");
        retry_timer_.expires_after(kAcceptRetryDelay);
        retry_timer_.async_wait([this](const asio::error_code& e) {
          if (!e && !stopping_) accept();
        });
        return;
      }
      on_accepted(std::move(socket));
      accept();
    });
  }

  void on_accepted(tcp::socket socket) {
    asio::error_code ec;
    const tcp::endpoint ep = socket.remote_endpoint(ec);
    const std::string ip = ec ? "?" : ep.address().to_string();
    if (live_.size() >= options_.max_connections) {
      return refuse(socket, std::to_string(live_.size()) + " connections open, the limit");
    }
    if (const auto it = per_ip_.find(ip);
        it != per_ip_.end() && it->second >= options_.max_per_ip) {
      return refuse(socket, std::to_string(it->second) + " connections from " + ip + ", the limit");
    }
    if (handshaking_ >= options_.max_handshaking) evict_oldest_handshaking();
    std::shared_ptr<PeerApp> app(options_.make_app ? options_.make_app()
                                                   : std::make_unique<DiscardingApp>());
    start(std::move(socket), sync::HandshakeRole::kResponder, app, ip, nullptr, true);
  }

  // Drives a connected socket. Accepted ones count in the per-IP and handshake limits.
  void start(tcp::socket socket, sync::HandshakeRole role, const std::shared_ptr<PeerApp>& app,
             const std::string& ip, std::function<void(const ConnectionReport&)> on_end,
             bool accepted) {
    auto conn = Connection::create(std::move(socket), role, key_, options_.connection, app);
    if (!conn) {
      log("cannot serve a connection: " + conn.status().message());
      if (on_end) {
        ConnectionReport r;
        r.ending = Ending::kError;
        r.reason = conn.status().message();
        on_end(r);
      }
      return;
    }
    Connection* raw = conn->get();
    // The report erases the entry; the connection's own handlers keep it alive until they
    // return.
    raw->set_on_end([this, raw, app, on_end = std::move(on_end)](const ConnectionReport& r) {
      report(r);
      forget(raw);
      if (options_.on_app_end) options_.on_app_end(*app, r);
      if (on_end) on_end(r);
    });
    raw->set_on_established([this, raw] {
      const auto it = live_.find(raw);
      if (it == live_.end() || !it->second.handshaking) return;
      it->second.handshaking = false;
      if (it->second.accepted) --handshaking_;
    });
    live_.emplace(raw, Live{*conn, ip, next_seq_++, true, accepted});
    if (accepted) {
      ++handshaking_;
      ++per_ip_[ip];
    }
    raw->start();
  }

  void refuse(tcp::socket& socket, std::string reason) const {
    ConnectionReport r;
    asio::error_code ec;
    const tcp::endpoint ep = socket.remote_endpoint(ec);
    r.remote = ec ? "?" : Endpoint{ep.address().to_string(), ep.port()}.to_string();
    r.ending = Ending::kRefused;
    r.reason = std::move(reason);
    socket.close(ec);
    report(r);
  }

  // Ends the connection that has been in the handshake longest (its report erases it).
  void evict_oldest_handshaking() {
    const Live* oldest = nullptr;
    for (const auto& entry : live_) {
      if (entry.second.accepted && entry.second.handshaking &&
          (!oldest || entry.second.seq < oldest->seq)) {
        oldest = &entry.second;
      }
    }
    if (!oldest) return;
    const std::shared_ptr<Connection> victim = oldest->conn;
    victim->evict("evicted: " + std::to_string(handshaking_) +
                  " connections in the handshake, the limit (the oldest gives way)");
  }

  void forget(Connection* raw) {
    const auto it = live_.find(raw);
    if (it == live_.end()) return;
    if (it->second.accepted) {
      if (it->second.handshaking) --handshaking_;
      const auto ip = per_ip_.find(it->second.ip);
      if (ip != per_ip_.end() && --ip->second == 0) per_ip_.erase(ip);
    }
    live_.erase(it);
  }

  void report(const ConnectionReport& r) const {
    log(r.line());
    if (options_.on_report) options_.on_report(r);
  }

  void do_stop() {
    if (stopping_) return;
    stopping_ = true;
    asio::error_code ec;
    acceptor_.close(ec);
    retry_timer_.cancel();
    signals_.cancel();
    // stop() may end a connection at once, which erases it from live_.
    std::vector<std::shared_ptr<Connection>> all;
    all.reserve(live_.size());
    for (auto& entry : live_) all.push_back(entry.second.conn);
    for (auto& c : all) c->stop();
    // Connects still under way: their handlers report "stopping".
    for (const std::weak_ptr<Dialing>& w : dialing_) {
      if (const std::shared_ptr<Dialing> d = w.lock()) {
        if (const std::shared_ptr<DialEnd> end = d->end.lock(); d->resolving && end) {
          (*end)(asio::error::operation_aborted, "resolve");  // its lookup's result is ignored
          continue;
        }
        d->socket.close(ec);
        d->timer.cancel();
      }
    }
  }

  const crypto::Ed25519SecretKey& key_;
  ServerOptions options_;
  asio::io_context io_{1};
  HostLookups lookups_{io_};  // after io_: gone before it, so no lookup posts to a dead context
  tcp::acceptor acceptor_;
  asio::steady_timer retry_timer_;
  asio::signal_set signals_;
  struct Live {
    std::shared_ptr<Connection> conn;
    std::string ip;     // the source address, for the per-IP cap
    std::uint64_t seq;  // accept order, to find the oldest
    bool handshaking;   // the peer has not proved its key yet
    bool accepted;      // false: we dialed it (Server::connect)
  };
  std::unordered_map<Connection*, Live> live_;
  // An outbound connect under way (Server::connect).
  // Ends a dial (once): an error with the step that failed ("resolve", "connect to"), or none.
  using DialEnd = std::function<void(const asio::error_code&, const char* what)>;
  struct Dialing {
    tcp::socket socket;
    asio::steady_timer timer;
    bool done = false;       // the dial has ended (finish ran)
    bool resolving = false;  // its host name is being looked up
    // How it ends (while resolving, do_stop ends it at once); owned by the dial's handlers.
    std::weak_ptr<DialEnd> end;
    // Held while its lookup's result is wanted: dropped when the dial ends, so a lookup still
    // queued behind hanging names is skipped (HostLookups).
    std::shared_ptr<const bool> wanted = std::make_shared<const bool>(true);
  };
  std::vector<std::weak_ptr<Dialing>> dialing_;
  std::unordered_map<std::string, std::size_t> per_ip_;  // live connections per source address
  std::size_t handshaking_ = 0;                          // live connections still handshaking
  std::uint64_t next_seq_ = 0;
  bool stopping_ = false;
  std::atomic<std::uint16_t> port_{0};
  std::string address_;
};

}  // namespace osier::net

namespace osier::net {

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Server::~Server() = default;

Result<std::unique_ptr<Server>> Server::listen(const crypto::Ed25519SecretKey& static_key,
                                               ServerOptions options) {
  auto impl = std::make_unique<Impl>(static_key, std::move(options));
  OSIER_RETURN_IF_ERROR(impl->open());
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

std::uint16_t Server::port() const { return impl_->port(); }
std::string Server::address() const { return impl_->address(); }
void Server::run() { impl_->run(); }
void Server::stop() { impl_->stop(); }
void Server::connect(const Endpoint& to, std::shared_ptr<PeerApp> app,
                     std::function<void(const ConnectionReport&)> on_end) {
  impl_->connect(to, std::move(app), std::move(on_end));
}
asio::io_context& Server::context() { return impl_->context(); }

Result<ConnectionReport> dial(const Endpoint& to, const crypto::Ed25519SecretKey& static_key,
                              const ConnectionOptions& options, PeerApp& app,
                              std::chrono::milliseconds connect_timeout) {
  asio::io_context io{1};
  // Each address in turn (localhost may be ::1 first while the peer listens on IPv4), within
  // the connect timeout.
  OSIER_ASSIGN_OR_RETURN(const std::vector<tcp::endpoint> eps, resolve_all(io, to, false));
  tcp::socket socket(io);
  asio::steady_timer timer(io);
  asio::error_code connect_ec = asio::error::timed_out;
  bool connected = false;
  timer.expires_after(connect_timeout);
  asio::async_connect(
      socket, eps,
      [&](const asio::error_code&, const tcp::endpoint&) {
        return timer.expiry() > asio::steady_timer::clock_type::now();
      },
      [&](const asio::error_code& ec, const tcp::endpoint&) {
        connected = !ec;
        connect_ec = ec;
        timer.cancel();
      });
  timer.async_wait([&](const asio::error_code& ec) {
    if (ec) return;
    connect_ec = asio::error::timed_out;
    asio::error_code ignored;
    socket.close(ignored);
  });
  io.run();
  if (!connected) {
    return error(ErrorCode::kIo,
                 "cannot connect to " + to.to_string() + ": " +
                     (connect_ec == asio::error::operation_aborted ? std::string("timed out")
                                                                   : connect_ec.message()));
  }
  io.restart();
  // The caller owns the app: a shared_ptr that owns nothing.
  auto conn =
      Connection::create(std::move(socket), sync::HandshakeRole::kInitiator, static_key, options,
                         std::shared_ptr<PeerApp>(std::shared_ptr<PeerApp>(), &app));
  if (!conn) return conn.status();
  std::optional<ConnectionReport> report;
  (*conn)->set_on_end([&report](const ConnectionReport& r) { report = r; });
  (*conn)->start();
  conn->reset();
  io.run();
  if (!report) return error(ErrorCode::kInternal, "the connection ended without a report");
  return *report;
}

}  // namespace osier::net
