// net::SyncApp over real loopback sockets: a server whose connections each run a sync session
// over one LMDB store, and one-shot dialers (what `osier serve` and `osier sync` run). The
// sessions' own logic is tested in tests/sync/session_test.cpp; here: the wiring, closing once
// in sync, and the store written from the connection's thread.
#include "net/sync_app.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "net/net_test_util.hpp"
#include "sync/owned_namespace_util.hpp"
#include "sync/store_test_util.hpp"

namespace osier::net {
namespace {

using std::chrono::milliseconds;

using sync::testing::owned_namespace;

std::vector<store::AuthorisedEntry> entries(std::size_t from, std::size_t n) {
  return sync::testing::owned_entries(from, n, 4);
}

SyncAppOptions options_for(const crypto::Ed25519SecretKey& who, bool one_shot) {
  SyncAppOptions o;
  o.session.read_capabilities = {sync::testing::owned_read_capability(who.public_key())};
  o.one_shot = one_shot;
  return o;
}

ConnectionOptions connection_options() {
  ConnectionOptions co;
  co.lcmux = SyncApp::lcmux_options();
  return co;
}

// A one-shot client with a fresh key and the namespace's read capability syncs `store` with the
// server; its summary (the connection must end cleanly).
SyncSummary sync_once(const testing::RunningServer& server, store::Store& store) {
  const auto client_key = crypto::Ed25519SecretKey::generate();
  SyncApp app(store, client_key.public_key(), options_for(client_key, true));
  Result<ConnectionReport> r = dial(server.endpoint(), client_key, connection_options(), app);
  EXPECT_TRUE(r.is_ok()) << r.status().to_string();
  if (r) {
    EXPECT_TRUE(r->clean()) << r->line();
  }
  return app.summary();
}

TEST(NetSync, ClientsSyncWithAServerOverOneStoreAndCloseOnceInSync) {
  sync::testing::LmdbStores stores;
  const auto server_key = crypto::Ed25519SecretKey::generate();
  const auto server_store = stores.open();
  const auto all = entries(0, 600);
  ASSERT_TRUE(server_store->ingest_batch(std::span(all).subspan(0, 400), store::Trust::kVerify));

  ServerOptions so;
  so.connection = connection_options();
  std::uint64_t next_session = 0;
  so.make_app = [&]() -> std::unique_ptr<PeerApp> {
    SyncAppOptions o = options_for(server_key, false);
    o.session.session_id = ++next_session;
    return std::make_unique<SyncApp>(*server_store, server_key.public_key(), std::move(o));
  };
  testing::RunningServer server(server_key, std::move(so));

  // Two clients one after the other, each holding its own part; the second also gets the
  // first's part through the server.
  std::vector<std::unique_ptr<store::Store>> client_stores;
  for (int c = 0; c < 2; ++c) {
    const auto client_key = crypto::Ed25519SecretKey::generate();
    client_stores.push_back(stores.open());
    ASSERT_TRUE(client_stores.back()->ingest_batch(std::span(all).subspan(400 + c * 100, 100),
                                                   store::Trust::kVerify));
    SyncApp app(*client_stores.back(), client_key.public_key(), options_for(client_key, true));
    Result<ConnectionReport> r = dial(server.endpoint(), client_key, connection_options(), app);
    ASSERT_TRUE(r.is_ok()) << r.status().to_string();
    EXPECT_TRUE(r->clean()) << r->line();
    const SyncSummary& s = app.summary();
    EXPECT_TRUE(s.in_sync);
    EXPECT_EQ(s.overlaps, 1U);
    EXPECT_EQ(s.roots, 1U);
    EXPECT_EQ(s.roots_complete, 1U);
    EXPECT_EQ(s.entries_new, 400U + c * 100U);
    EXPECT_TRUE(s.failure.empty()) << s.failure;
  }
  const auto reports = server.wait_reports(2, milliseconds(5000));
  ASSERT_EQ(reports.size(), 2U);
  for (const ConnectionReport& r : reports) EXPECT_TRUE(r.clean()) << r.line();
  // The server's store ended with every entry; the second client with all of them as well.
  EXPECT_EQ(sync::testing::namespace_contents(*server_store, owned_namespace()).size(), 600U);
  EXPECT_EQ(sync::testing::namespace_contents(*client_stores[1], owned_namespace()),
            sync::testing::namespace_contents(*server_store, owned_namespace()));
  EXPECT_EQ(sync::testing::namespace_contents(*client_stores[0], owned_namespace()).size(), 500U);
}

TEST(NetSync, APeerWithoutSharedInterestsSyncsNothingAndClosesCleanly) {
  sync::testing::LmdbStores stores;
  const auto server_key = crypto::Ed25519SecretKey::generate();
  const auto server_store = stores.open();
  ASSERT_TRUE(server_store->ingest_batch(entries(0, 10), store::Trust::kVerify));
  ServerOptions so;
  so.connection = connection_options();
  so.make_app = [&]() -> std::unique_ptr<PeerApp> {
    SyncAppOptions o;  // no read capabilities: no interests
    return std::make_unique<SyncApp>(*server_store, server_key.public_key(), std::move(o));
  };
  testing::RunningServer server(server_key, std::move(so));
  const auto client_store = stores.open();
  const SyncSummary s = sync_once(server, *client_store);
  EXPECT_EQ(s.overlaps, 0U);
  EXPECT_TRUE(s.in_sync);
  EXPECT_TRUE(sync::testing::namespace_contents(*client_store, owned_namespace()).empty());
}

// A server slower than the settle time to send its capability: its interest (one subspace) is
// more specific than the client's (the namespace), so it announces the overlap, the client
// answers with its capability and then owes nothing but waits for the server's, which the server
// holds back here for 800 ms. The one-shot client waits for it (Session::awaiting_peer) instead
// of closing after its quiet 250 ms as if in sync with nothing reconciled (as it did before).
TEST(NetSync, AOneShotSyncWaitsForTheCapabilityASlowPeerOwes) {
  sync::testing::LmdbStores stores;
  const auto server_key = crypto::Ed25519SecretKey::generate();
  const auto server_store = stores.open();
  const auto all = entries(0, 30);  // subspaces 1-4
  ASSERT_TRUE(server_store->ingest_batch(all, store::Trust::kVerify));
  ServerOptions so;
  so.connection = connection_options();
  so.make_app = [&]() -> std::unique_ptr<PeerApp> {
    SyncAppOptions o;
    o.session.read_capabilities = {
        sync::testing::owned_subspace_read_capability(server_key.public_key(), 1)};
    // Called after the session produced its capability and before the connection writes it.
    o.on_event = [](const sync::SessionEvent& e) {
      if (std::holds_alternative<sync::PioOverlapEvent>(e)) {
        std::this_thread::sleep_for(milliseconds(800));
      }
    };
    return std::make_unique<SyncApp>(*server_store, server_key.public_key(), std::move(o));
  };
  testing::RunningServer server(server_key, std::move(so));
  const auto client_store = stores.open();
  const SyncSummary s = sync_once(server, *client_store);
  EXPECT_EQ(s.overlaps, 1U);
  EXPECT_EQ(s.roots_complete, 1U);
  EXPECT_TRUE(s.in_sync);
  std::size_t in_subspace_1 = 0;
  for (const auto& e : all) in_subspace_1 += e.entry.subspace_id[0] == 1;
  EXPECT_GT(in_subspace_1, 0U);
  EXPECT_EQ(s.entries_new, in_subspace_1);
}

// A peer that never sends the capability it owes (here: one whose PIO pursues no overlaps, so it
// ignores the client's announcement): the one-shot client gives up after await_peer, cleanly and
// not in sync, long before the idle timeout.
TEST(NetSync, AOneShotSyncGivesUpOnACapabilityThatNeverComes) {
  sync::testing::LmdbStores stores;
  const auto server_key = crypto::Ed25519SecretKey::generate();
  const auto server_store = stores.open();
  ServerOptions so;
  so.connection = connection_options();
  so.make_app = [&]() -> std::unique_ptr<PeerApp> {
    SyncAppOptions o = options_for(server_key, false);
    o.session.pio.max_overlaps = 0;
    return std::make_unique<SyncApp>(*server_store, server_key.public_key(), std::move(o));
  };
  testing::RunningServer server(server_key, std::move(so));
  const auto client_key = crypto::Ed25519SecretKey::generate();
  const auto client_store = stores.open();
  SyncAppOptions o;
  // More specific than the server's interest (a path within it): the client announces the
  // overlap.
  model::Area under_a = model::Area::full();
  under_a.path = *model::Path::from_strings({"a"});
  o.session.read_capabilities = {
      sync::testing::owned_read_capability(
          meadowcap::testing::key(sync::testing::kWriterKey).public_key())
          .delegate(meadowcap::testing::key(sync::testing::kWriterKey), under_a,
                    client_key.public_key())
          .value()};
  o.one_shot = true;
  o.await_peer = milliseconds(300);
  SyncApp app(*client_store, client_key.public_key(), std::move(o));
  const auto t0 = std::chrono::steady_clock::now();
  Result<ConnectionReport> r = dial(server.endpoint(), client_key, connection_options(), app);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_TRUE(r->clean()) << r->line();
  EXPECT_GE(std::chrono::steady_clock::now() - t0, milliseconds(300));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(30));  // not the idle 120 s
  EXPECT_EQ(app.summary().overlaps, 0U);
  EXPECT_FALSE(app.summary().in_sync);
}

}  // namespace
}  // namespace osier::net
