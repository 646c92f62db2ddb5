// The public sync API (osier/net/sync.hpp) over real loopback sockets: a SyncServer serving one
// store on its own thread, sync_with() from clients, probe(). Nothing here names a protocol
// internal: this is what a program built on the library (and the daemon) sees.
#include <gtest/gtest.h>

#include <memory>
#include <thread>
#include <vector>

#include "osier/net/sync.hpp"
#include "sync/owned_namespace_util.hpp"
#include "sync/store_test_util.hpp"

namespace osier::net {
namespace {

using sync::testing::owned_namespace;

// A SyncServer on 127.0.0.1 and a free port, run on a thread of its own until the end.
struct Serving {
  std::unique_ptr<SyncServer> server;
  std::thread thread;
  std::vector<ConnectionReport> reports;  // written on the server thread, read after join

  Serving(store::Store& store, const crypto::Ed25519SecretKey& key, ServeOptions o) {
    o.listen = Endpoint{"127.0.0.1", 0};
    o.on_report = [this](const ConnectionReport& r) { reports.push_back(r); };
    server = SyncServer::listen(store, key, std::move(o)).value();
    thread = std::thread([this] { server->run(); });
  }
  Endpoint endpoint() const { return Endpoint{"127.0.0.1", server->port()}; }
  void stop() {
    server->stop();
    if (thread.joinable()) thread.join();
  }
  ~Serving() { stop(); }
};

TEST(SyncApi, AClientSyncsBothWaysWithAServerAndProbeNamesTheServer) {
  sync::testing::LmdbStores stores;
  const auto server_key = crypto::Ed25519SecretKey::generate();
  const auto server_store = stores.open();
  const auto all = sync::testing::owned_entries(0, 300, 4);
  ASSERT_TRUE(server_store->ingest_batch(std::span(all).subspan(0, 200), store::Trust::kVerify));
  ServeOptions so;
  so.read_capabilities = {sync::testing::owned_read_capability(server_key.public_key())};
  Serving serving(*server_store, server_key, std::move(so));

  const auto client_key = crypto::Ed25519SecretKey::generate();
  const auto client_store = stores.open();
  ASSERT_TRUE(client_store->ingest_batch(std::span(all).subspan(200, 100), store::Trust::kVerify));
  SyncOptions o;
  o.read_capabilities = {sync::testing::owned_read_capability(client_key.public_key())};
  std::uint64_t progress_calls = 0;
  o.progress = [&](const SyncSummary&) { ++progress_calls; };
  Result<SyncResult> r = sync_with(*client_store, client_key, serving.endpoint(), std::move(o));
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_TRUE(r->complete()) << r->connection.line() << " " << r->summary.failure;
  EXPECT_EQ(r->connection.peer, server_key.public_key());
  EXPECT_EQ(r->summary.overlaps, 1U);
  EXPECT_EQ(r->summary.entries_new, 200U);
  EXPECT_EQ(r->summary.entries_sent, 100U);
  EXPECT_GT(progress_calls, 0U);

  Result<ConnectionReport> probed = probe(serving.endpoint(), client_key, std::chrono::seconds(10));
  ASSERT_TRUE(probed.is_ok()) << probed.status().to_string();
  EXPECT_TRUE(probed->clean()) << probed->line();
  EXPECT_EQ(probed->peer, server_key.public_key());

  serving.stop();
  EXPECT_EQ(serving.reports.size(), 2U);
  EXPECT_EQ(sync::testing::namespace_contents(*server_store, owned_namespace()).size(), 300U);
  EXPECT_EQ(sync::testing::namespace_contents(*client_store, owned_namespace()),
            sync::testing::namespace_contents(*server_store, owned_namespace()));
}

TEST(SyncApi, UnusableOptionsAndUnreachablePeersAreErrors) {
  sync::testing::LmdbStores stores;
  const auto key = crypto::Ed25519SecretKey::generate();
  const auto store = stores.open();
  ServeOptions zero;
  zero.listen = Endpoint{"127.0.0.1", 0};
  zero.max_per_ip = 0;
  Result<std::unique_ptr<SyncServer>> refused = SyncServer::listen(*store, key, std::move(zero));
  ASSERT_FALSE(refused.is_ok());
  EXPECT_EQ(refused.status().code(), ErrorCode::kInvalidArgument);

  // A port nobody listens on (bound, then closed): no connection, an error, not a result.
  std::uint16_t closed_port = 0;
  {
    ServeOptions so;
    so.listen = Endpoint{"127.0.0.1", 0};
    auto s = SyncServer::listen(*store, key, std::move(so)).value();
    closed_port = s->port();
  }
  SyncOptions o;
  o.timeout = std::chrono::milliseconds(2000);
  Result<SyncResult> r = sync_with(*store, key, Endpoint{"127.0.0.1", closed_port}, std::move(o));
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kIo);
}

}  // namespace
}  // namespace osier::net
