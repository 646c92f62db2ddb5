// The public sync API (osier/net/sync.hpp) over real loopback sockets: a SyncServer serving one
// store on its own thread, sync_with() from clients, probe(). Nothing here names a protocol
// internal: this is what a program built on the library (and the daemon) sees.
#include <gtest/gtest.h>

#include <memory>
#include <thread>
#include <vector>

#include "osier/meadowcap/communal_capability.hpp"
#include "osier/model/ids.hpp"
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

// The reconciliation state limit reaches the one-shot session: with 64 ranges it opens no more
// than half of it (plus its root) where the default opens more; values outside the bounds are
// refused. (The server is given the same limit; its session's state is not visible here: the
// daemon's status shows it, tests/node/daemon_test.cpp.)
TEST(SyncApi, TheOpenRangeLimitReachesTheSession) {
  const auto all = sync::testing::owned_entries(0, 3000, 4);
  const auto run = [&](std::size_t max_open_ranges) -> SyncSummary {
    sync::testing::LmdbStores stores;
    const auto server_key = crypto::Ed25519SecretKey::generate();
    const auto server_store = stores.open();
    const auto client_key = crypto::Ed25519SecretKey::generate();
    const auto client_store = stores.open();
    // Every 10th entry on one side only: 300 differences, scattered.
    std::vector<store::AuthorisedEntry> left;
    std::vector<store::AuthorisedEntry> right;
    for (std::size_t i = 0; i < all.size(); ++i) {
      if (i % 20 != 0) left.push_back(all[i]);
      if (i % 20 != 10) right.push_back(all[i]);
    }
    EXPECT_TRUE(server_store->ingest_batch(left, store::Trust::kVerify));
    EXPECT_TRUE(client_store->ingest_batch(right, store::Trust::kVerify));
    ServeOptions so;
    so.read_capabilities = {sync::testing::owned_read_capability(server_key.public_key())};
    so.max_open_ranges = max_open_ranges;
    Serving serving(*server_store, server_key, std::move(so));
    SyncOptions o;
    o.read_capabilities = {sync::testing::owned_read_capability(client_key.public_key())};
    o.max_open_ranges = max_open_ranges;
    Result<SyncResult> r = sync_with(*client_store, client_key, serving.endpoint(), std::move(o));
    EXPECT_TRUE(r.is_ok()) << r.status().to_string();
    if (!r) return {};
    EXPECT_TRUE(r->complete()) << r->connection.line() << " " << r->summary.failure;
    EXPECT_EQ(r->summary.entries_new, 150U);
    serving.stop();
    EXPECT_EQ(sync::testing::namespace_contents(*server_store, owned_namespace()).size(),
              all.size());
    return r->summary;
  };
  EXPECT_GT(run(kDefaultMaxOpenRanges).widest_open_ranges, 33U);
  EXPECT_LE(run(64).widest_open_ranges, 33U);
  EXPECT_FALSE(check_max_open_ranges(kMinMaxOpenRanges - 1));
  EXPECT_FALSE(check_max_open_ranges(kMaxMaxOpenRanges + 1));
  EXPECT_TRUE(check_max_open_ranges(kMinMaxOpenRanges));
  SyncOptions bad;
  bad.max_open_ranges = 10;
  EXPECT_EQ(sync_with(*sync::testing::LmdbStores().open(), crypto::Ed25519SecretKey::generate(),
                      Endpoint{"127.0.0.1", 9}, std::move(bad))
                .status()
                .code(),
            ErrorCode::kInvalidArgument);
}

// A node shares thousands of namespaces in one session (a daemon's), so `osier serve` and `osier
// sync` declare and accept as many interests as the daemon does: here a server reads 1,100
// communal namespaces before the one it shares with the client. With the session cores' defaults
// (1,024 hashes each way), the server declared only its first 1,024 interests, so the shared one
// never overlapped and nothing synced; and a peer declaring more would have ended the session.
TEST(SyncApi, AServerWithThousandsOfNamespacesDeclaresThemAllAndItsPeersAcceptThem) {
  sync::testing::LmdbStores stores;
  const auto server_key = crypto::Ed25519SecretKey::generate();
  const auto server_store = stores.open();
  const auto all = sync::testing::owned_entries(0, 50, 4);
  ASSERT_TRUE(server_store->ingest_batch(all, store::Trust::kVerify));
  ServeOptions so;
  for (std::uint32_t i = 0; so.read_capabilities.size() < 1100; ++i) {
    model::NamespaceId ns{};
    for (std::size_t b = 0; b < 4; ++b) ns[b] = static_cast<std::uint8_t>(i >> (8 * b));
    for (std::size_t b = 4; b < ns.size(); ++b) ns[b] = static_cast<std::uint8_t>(b + i);
    if (!model::is_communal(ns)) continue;
    so.read_capabilities.emplace_back(meadowcap::CommunalCapability::create(
        meadowcap::AccessMode::kRead, ns, server_key.public_key()));
  }
  so.read_capabilities.push_back(sync::testing::owned_read_capability(server_key.public_key()));
  Serving serving(*server_store, server_key, std::move(so));

  const auto client_key = crypto::Ed25519SecretKey::generate();
  const auto client_store = stores.open();
  SyncOptions o;
  o.read_capabilities = {sync::testing::owned_read_capability(client_key.public_key())};
  Result<SyncResult> r = sync_with(*client_store, client_key, serving.endpoint(), std::move(o));
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_TRUE(r->complete()) << r->connection.line() << " " << r->summary.failure;
  EXPECT_EQ(r->summary.overlaps, 1U);
  EXPECT_EQ(r->summary.entries_new, all.size());
}

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
