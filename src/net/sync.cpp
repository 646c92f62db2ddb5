#include "osier/net/sync.hpp"

#include <algorithm>
#include <atomic>
#include <utility>

#include "net/server.hpp"
#include "net/sync_app.hpp"

namespace osier::net {

Result<SyncResult> sync_with(store::Store& store, const crypto::Ed25519SecretKey& identity,
                             const Endpoint& peer, SyncOptions options) {
  ConnectionOptions co;
  co.handshake_timeout = options.timeout;
  co.close_timeout = options.timeout;
  co.lcmux = SyncApp::lcmux_options();
  OSIER_RETURN_IF_ERROR(check_max_open_ranges(options.max_open_ranges));
  SyncAppOptions ao;
  ao.session.read_capabilities = std::move(options.read_capabilities);
  ao.session.pio.max_payload_power = options.max_payload_power;
  ao.session.declare_many_interests();  // a daemon peer declares all of its namespaces
  ao.session.set_max_open_ranges(options.max_open_ranges);
  ao.one_shot = true;
  static std::atomic<std::uint64_t> syncs{0};  // this process's one-shot sessions
  ao.session.session_id = SyncApp::unique_session_id(++syncs);
  ao.progress = std::move(options.progress);
  SyncApp app(store, identity.public_key(), std::move(ao));
  OSIER_ASSIGN_OR_RETURN(ConnectionReport report, dial(peer, identity, co, app, options.timeout));
  return SyncResult{std::move(report), app.summary()};
}

Result<ConnectionReport> probe(const Endpoint& peer, const crypto::Ed25519SecretKey& identity,
                               std::chrono::milliseconds timeout) {
  ConnectionOptions co;
  co.handshake_timeout = timeout;
  co.close_timeout = timeout;
  HandshakeOnlyApp app;
  return dial(peer, identity, co, app, timeout);
}

class SyncServer::Impl {
 public:
  // The server's own copy of the identity: every handshake uses it, for as long as the server
  // lives, whatever becomes of the key the caller passed (Home::identity returns one by value).
  explicit Impl(const crypto::Ed25519SecretKey& identity) : key(identity.clone()) {}
  crypto::Ed25519SecretKey key;
  std::unique_ptr<Server> server;
};

Result<std::unique_ptr<SyncServer>> SyncServer::listen(store::Store& store,
                                                       const crypto::Ed25519SecretKey& identity,
                                                       ServeOptions options) {
  OSIER_RETURN_IF_ERROR(check_max_open_ranges(options.max_open_ranges));
  OSIER_ASSIGN_OR_RETURN(ServerOptions so, sync_server_options(options));
  so.stop_on_signals = options.stop_on_signals;
  so.on_report = std::move(options.on_report);
  // One sync session per connection, all on the server's thread, over the one store; session
  // ids number them, so store events name the session an entry came from.
  so.make_app = [&store, key = identity.public_key(), caps = std::move(options.read_capabilities),
                 max_open = options.max_open_ranges,
                 next_session = std::uint64_t{0}]() mutable -> std::unique_ptr<PeerApp> {
    SyncAppOptions ao;
    ao.session.read_capabilities = caps;
    ao.session.declare_many_interests();
    ao.session.set_max_open_ranges(max_open);
    ao.session.session_id = SyncApp::unique_session_id(++next_session);
    return std::make_unique<SyncApp>(store, key, std::move(ao));
  };
  auto impl = std::make_unique<Impl>(identity);
  OSIER_ASSIGN_OR_RETURN(impl->server, Server::listen(impl->key, std::move(so)));
  return std::unique_ptr<SyncServer>(new SyncServer(std::move(impl)));  // NOLINT: private ctor
}

SyncServer::SyncServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SyncServer::~SyncServer() = default;
std::uint16_t SyncServer::port() const { return impl_->server->port(); }
std::string SyncServer::address() const { return impl_->server->address(); }
void SyncServer::run() { impl_->server->run(); }
void SyncServer::stop() { impl_->server->stop(); }

}  // namespace osier::net
