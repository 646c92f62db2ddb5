// The TCP listener: accepts many connections at once, runs the handshake (as responder) and an
// LCMUX session on each, with a PeerApp per connection, and reports one line per peer.
//
// Policy: at most max_connections at once, and at most max_per_ip from one source address (one
// more is accepted and closed at once, with a "refused" line, so a flood never queues in the
// kernel's backlog); at most max_handshaking still in the handshake (their peer has not proved
// its key yet): one more evicts the oldest of them (a "refused: evicted" line), so holding
// handshake slots costs an attacker a steady stream of new connections, while an honest
// handshake, one round trip, gets through; each connection has its
// handshake, idle and close timeouts (ConnectionOptions); a peer that breaks the protocol is
// dropped with a one-line reason and the others go on. stop() (or SIGINT/SIGTERM when
// `stop_on_signals`) closes the listener, ends every connection politely (the end marker after
// the handshake, at once before it) and makes run() return once all have ended.
//
// Memory: per connection what net/connection.hpp says (a fixed read buffer, LCMUX's granted
// capacity, a bounded output); connections are capped, so the whole is bounded.
//
// Threads: run() drives everything on the calling thread (one io_context, one thread: no state is
// shared, so nothing is locked). stop() and port() may be called from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "net/peer.hpp"
#include "osier/base/status.hpp"
#include "osier/crypto/ed25519.hpp"
#include "osier/net/endpoint.hpp"
#include "osier/net/sync.hpp"  // the default limits

namespace asio {
class io_context;
}

namespace osier::net {

struct ServerOptions {
  Endpoint listen{kDefaultHost, kDefaultPort};  // port 0: any free port (see Server::port)
  std::size_t max_connections = kDefaultMaxConnections;
  // Connections whose peer has not proved its key yet (SecureStream::peer_confirmed); one more
  // evicts the oldest of them. At least 1.
  std::size_t max_handshaking = kDefaultMaxHandshaking;
  // Connections from one source IP address at once; one more is refused. At least 1.
  std::size_t max_per_ip = kDefaultMaxPerIp;
  ConnectionOptions connection;
  // The application for each new connection (default: DiscardingApp).
  std::function<std::unique_ptr<PeerApp>()> make_app;
  // Receives one line per event (listening, each peer's report, refusals, stopping). Called on
  // the run() thread.
  std::function<void(const std::string&)> log;
  // Receives each connection's report (after its log line). Called on the run() thread.
  std::function<void(const ConnectionReport&)> on_report;
  // Receives each connection's app with its report when it ends (accepted and dialed ones),
  // after on_report. Called on the run() thread.
  std::function<void(PeerApp&, const ConnectionReport&)> on_app_end;
  // Stop on SIGINT and SIGTERM (osier serve). Only one Server per process may ask for this.
  bool stop_on_signals = false;
};

class Server {
 public:
  // Binds and listens (kIo with the system's reason when it cannot). `static_key` is the
  // identity every handshake authenticates as; it must outlive the server.
  static Result<std::unique_ptr<Server>> listen(const crypto::Ed25519SecretKey& static_key,
                                                ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // The port listened on (the chosen one when the options said 0).
  std::uint16_t port() const;
  // The address listened on, as HOST:PORT.
  std::string address() const;
  // Serves until stop() (or a signal); returns once every connection has ended.
  void run();
  // Thread-safe; idempotent.
  void stop();

  // Dials `to` (as initiator, resolving a host name) and drives a connection with `app` in this
  // server's io_context, alongside the accepted ones (a daemon's outbound peers): it counts
  // towards max_connections (not max_per_ip) and stop() ends it like the others. `on_end` gets
  // its report, or a kError report without `peer` when no connection was made within the
  // handshake timeout (unresolvable, refused, timed out, the limit). Call from the run() thread
  // (post() to it from others).
  void connect(const Endpoint& to, std::shared_ptr<PeerApp> app,
               std::function<void(const ConnectionReport&)> on_end);
  // The io_context run() drives (timers and sockets of the caller's own live on it, e.g. the
  // daemon's control socket). Handlers run on the run() thread.
  asio::io_context& context();

  class Impl;  // Asio lives only in server.cpp

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Opens a TCP connection to `to` (resolving a host name), runs the handshake as initiator with
// `static_key` and an LCMUX session driven by `app`, until the connection ends: the app asks to
// close (wants_close) and the peer answers with its end marker, or something fails. Returns the
// report (not clean when the peer misbehaved or a timeout struck); kIo when no connection could
// be made within `connect_timeout`.
Result<ConnectionReport> dial(const Endpoint& to, const crypto::Ed25519SecretKey& static_key,
                              const ConnectionOptions& options, PeerApp& app,
                              std::chrono::milliseconds connect_timeout = std::chrono::seconds(10));

}  // namespace osier::net
