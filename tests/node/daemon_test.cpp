// The daemon (osier/node/daemon.hpp) over real loopback sockets and LMDB homes, each daemon on a
// thread of its own: a line A - B - C converges and stays in sync live (entries and payloads
// forwarded through B without any command there), catches up after B restarts, two daemons that
// dial each other keep one session, and a second daemon on a home refuses to start.
#include "osier/node/daemon.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "node/acks.hpp"
#include "node/daemon_json.hpp"
#include "osier/base/io.hpp"
#include "osier/meadowcap/owned_capability.hpp"
#include "osier/meadowcap/willow25_defaults.hpp"
#include "osier/net/control.hpp"
#include "osier/node/home.hpp"
#include "osier/node/policies.hpp"
#include "osier/store/lmdb.hpp"
#include "sync/owned_namespace_util.hpp"
#include "sync/store_test_util.hpp"

namespace osier::node {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

model::NamespaceId ns() { return sync::testing::owned_namespace(); }

// An entry of the owned test namespace at /live/<name> with a real payload.
store::AuthorisedEntry entry_with_payload(const std::string& name, const Bytes& payload,
                                          model::Timestamp t) {
  return sync::testing::owned_entry_with_payload({"live", name}, payload, t);
}

Bytes payload_of(std::size_t n, std::uint8_t seed) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(seed + i * 7 + i / 251);
  return b;
}

// A home with one identity holding a read capability for the whole owned test namespace.
struct TestHome {
  HomePaths paths;
  std::unique_ptr<Home> home;
  std::unique_ptr<store::Store> store;
  crypto::Ed25519SecretKey key = crypto::Ed25519SecretKey::generate();

  // max_readers: the store's LMDB reader slots (0: the default).
  explicit TestHome(const std::string& dir, unsigned max_readers = 0) : paths{dir} {
    EXPECT_TRUE(init_home(paths).is_ok());
    home = Home::open(paths).value();
    EXPECT_TRUE(home->keys().save(KeyKind::kIdentity, "me", key).is_ok());
    EXPECT_TRUE(home->update_names([&](Aliases& a) {
                      return a.add(uri::IdKind::kSubspace, "me", key.public_key());
                    })
                    .is_ok());
    EXPECT_TRUE(home->caps().add(sync::testing::owned_read_capability(key.public_key())).is_ok());
    if (max_readers == 0) {
      store = open_home_store(paths, false).value();
    } else {
      // The slots are sized when LMDB makes the lock file: init_home made one with the default.
      (void)std::remove((paths.store() + "/lock.mdb").c_str());
      store::LmdbStoreOptions o;
      o.max_readers = max_readers;
      store = store::open_lmdb_store(paths.store(), o).value();
    }
  }
  std::size_t entries() { return sync::testing::namespace_contents(*store, ns()).size(); }
  bool holds_whole(const store::AuthorisedEntry& ae) {
    auto got = store->get(ae.entry.namespace_id, ae.entry.subspace_id, ae.entry.path);
    return got.is_ok() && got->has_value() && (*got)->authorised.entry == ae.entry &&
           (*got)->available == ae.entry.payload_length;
  }
  bool holds(const store::AuthorisedEntry& ae) {
    auto got = store->get(ae.entry.namespace_id, ae.entry.subspace_id, ae.entry.path);
    return got.is_ok() && got->has_value() && (*got)->authorised.entry == ae.entry;
  }
  void put(const store::AuthorisedEntry& ae, const Bytes& payload) {
    auto r = store->ingest_with_payload(ae, memory_source(payload));
    ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  }
};

// A daemon on its own thread until stopped.
struct Running {
  std::unique_ptr<Daemon> daemon;
  std::thread thread;

  Running(TestHome& h, std::vector<net::Endpoint> peers, std::uint16_t port = 0,
          const std::function<void(DaemonOptions&)>& tweak = nullptr) {
    DaemonOptions o;
    o.as = "me";
    o.listen = net::Endpoint{"127.0.0.1", port};
    o.peers = std::move(peers);
    o.poll_interval = milliseconds(20);
    o.reconnect_min = milliseconds(50);
    o.reconnect_max = milliseconds(400);
    if (tweak) tweak(o);
    Result<std::unique_ptr<Daemon>> d = Daemon::start(*h.home, *h.store, std::move(o));
    EXPECT_TRUE(d.is_ok()) << d.status().to_string();
    if (!d) return;
    daemon = std::move(*d);
    thread = std::thread([this] { daemon->run(); });
  }
  net::Endpoint endpoint() const { return net::Endpoint{"127.0.0.1", daemon->port()}; }
  void stop() {
    if (daemon) daemon->stop();
    if (thread.joinable()) thread.join();
  }
  ~Running() { stop(); }
};

template <typename F>
bool eventually(F condition, milliseconds limit = milliseconds(20'000)) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (condition()) return true;
    std::this_thread::sleep_for(milliseconds(10));
  }
  return condition();
}

class DaemonTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/osier_daemon_test_XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { (void)std::system(("rm -rf '" + dir_ + "'").c_str()); }
  std::unique_ptr<TestHome> home(const std::string& name, unsigned max_readers = 0) {
    return std::make_unique<TestHome>(dir_ + "/" + name, max_readers);
  }
  std::string dir_;
};

TEST_F(DaemonTest, ALineOfThreeConvergesAndForwardsLiveThroughTheMiddle) {
  auto a = home("a");
  auto b = home("b");
  auto c = home("c");
  const auto before = sync::testing::owned_entries(0, 60, 3);
  ASSERT_TRUE(a->store->ingest_batch(before, store::Trust::kVerify).is_ok());
  Running ra(*a, {});
  Running rb(*b, {ra.endpoint()});
  Running rc(*c, {rb.endpoint()});
  // Reconciliation: what A held before reaches C through B.
  ASSERT_TRUE(eventually([&] { return c->entries() == 60; })) << c->entries();

  // Live: an entry and its payload written at A reach C, without any command at B.
  const Bytes small = payload_of(3000, 1);
  const auto e1 = entry_with_payload("one", small, 5000);
  a->put(e1, small);
  EXPECT_TRUE(eventually([&] { return c->holds_whole(e1); }));
  // A payload of many Chunks and messages.
  const Bytes large = payload_of(700'000, 2);
  const auto e2 = entry_with_payload("two", large, 5001);
  a->put(e2, large);
  EXPECT_TRUE(eventually([&] { return c->holds_whole(e2); }));
  // And the other way: C's write reaches A.
  const Bytes back = payload_of(10, 3);
  const auto e3 = entry_with_payload("three", back, 5002);
  c->put(e3, back);
  EXPECT_TRUE(eventually([&] { return a->holds_whole(e3); }));
  // Progress: B has one established session with each of A and C, both in sync.
  Result<DaemonStatus> s = rb.daemon->status();
  ASSERT_TRUE(s.is_ok()) << s.status().to_string();
  ASSERT_EQ(s->peers.size(), 2U);
  for (const DaemonPeerStatus& p : s->peers) {
    EXPECT_EQ(p.state, "established") << p.address;
    EXPECT_EQ(p.summary.roots, p.summary.roots_complete);
    EXPECT_GE(p.summary.overlaps, 1U);
  }

  // B goes away; A writes; C does not hear of it until B is back.
  rb.stop();
  const Bytes later = payload_of(500, 4);
  const auto e4 = entry_with_payload("four", later, 5003);
  a->put(e4, later);
  std::this_thread::sleep_for(milliseconds(300));
  EXPECT_FALSE(c->holds(e4));
  const std::uint16_t b_port = rb.daemon->port();
  rb.daemon.reset();
  // B restarts on the same port (its peers redial it) and catches up from A, then C from B.
  Running rb2(*b, {ra.endpoint()}, b_port);
  ASSERT_TRUE(rb2.daemon);
  EXPECT_TRUE(eventually([&] { return c->holds_whole(e4); }));
  EXPECT_EQ(sync::testing::namespace_contents(*a->store, ns()),
            sync::testing::namespace_contents(*c->store, ns()));
}

TEST_F(DaemonTest, TwoDaemonsThatDialEachOtherKeepOneSession) {
  auto a = home("a");
  auto b = home("b");
  // Both listen first, then each dials the other (ports fixed by a first start).
  std::uint16_t pa = 0;
  std::uint16_t pb = 0;
  {
    Running ra(*a, {});
    Running rb(*b, {});
    pa = ra.daemon->port();
    pb = rb.daemon->port();
  }
  Running ra(*a, {net::Endpoint{"127.0.0.1", pb}}, pa);
  Running rb(*b, {net::Endpoint{"127.0.0.1", pa}}, pb);
  ASSERT_TRUE(ra.daemon && rb.daemon);
  const Bytes p = payload_of(100, 5);
  const auto e = entry_with_payload("x", p, 7000);
  a->put(e, p);
  ASSERT_TRUE(eventually([&] { return b->holds_whole(e); }));
  // Once any duplicate connection is resolved: one established session on each side (a dial
  // still backing off, or a replacement in progress, shows as a second record meanwhile).
  for (Running* r : {&ra, &rb}) {
    EXPECT_TRUE(eventually([&] {
      Result<DaemonStatus> s = r->daemon->status();
      return s.is_ok() && s->peers.size() == 1 && s->peers[0].state == "established" &&
             s->peers[0].key.has_value();
    }));
  }
  std::vector<std::uint64_t> sessions;
  for (Running* r : {&ra, &rb}) sessions.push_back(r->daemon->status()->peers.at(0).sessions);
  const Bytes q = payload_of(100, 6);
  const auto f = entry_with_payload("y", q, 7001);
  b->put(f, q);
  EXPECT_TRUE(eventually([&] { return a->holds_whole(f); }));
  // And it stays the one: nothing was replaced meanwhile.
  for (std::size_t i = 0; i < 2; ++i) {
    Result<DaemonStatus> s = (i == 0 ? ra : rb).daemon->status();
    ASSERT_TRUE(s.is_ok());
    ASSERT_EQ(s->peers.size(), 1U);
    EXPECT_EQ(s->peers[0].sessions, sessions[i]);
  }
}

// DaemonOptions::max_open_ranges reaches every session, dialed and accepted: with 64, neither
// side's reconciliation opens more than half of it (plus its root), and the stores still end
// equal. (The default opens more for the same stores: tests/net/sync_api_test.cpp.)
TEST_F(DaemonTest, TheOpenRangeLimitReachesEverySession) {
  auto a = home("a");
  auto b = home("b");
  const auto all = sync::testing::owned_entries(0, 2000, 4);
  std::vector<store::AuthorisedEntry> left;
  std::vector<store::AuthorisedEntry> right;
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (i % 20 != 0) left.push_back(all[i]);
    if (i % 20 != 10) right.push_back(all[i]);
  }
  ASSERT_TRUE(a->store->ingest_batch(left, store::Trust::kVerify));
  ASSERT_TRUE(b->store->ingest_batch(right, store::Trust::kVerify));
  const auto small = [](DaemonOptions& o) { o.max_open_ranges = 64; };
  Running ra(*a, {}, 0, small);
  Running rb(*b, {ra.endpoint()}, 0, small);
  ASSERT_TRUE(eventually([&] { return b->entries() == all.size() && a->entries() == all.size(); }));
  for (Running* r : {&ra, &rb}) {
    ASSERT_TRUE(eventually([&] {
      Result<DaemonStatus> s = r->daemon->status();
      return s.is_ok() && s->peers.size() == 1 && s->peers[0].summary.in_sync;
    }));
    const std::uint64_t widest = r->daemon->status()->peers.at(0).summary.widest_open_ranges;
    EXPECT_GT(widest, 0U);
    EXPECT_LE(widest, 33U);
  }
  // Outside the bounds, the daemon does not start.
  auto c = home("c");
  DaemonOptions bad;
  bad.as = "me";
  bad.max_open_ranges = 10;
  EXPECT_EQ(Daemon::start(*c->home, *c->store, std::move(bad)).status().code(),
            ErrorCode::kInvalidArgument);
}

// Progress says "in sync" only once B holds everything A holds (never before), and a peer's
// acknowledgement is recorded only when a root matched at once: not after a first sync that had to
// exchange entries, but after the next session, and it survives a restart (HOME/config/acks).
TEST_F(DaemonTest, InSyncOnlyWhenTheStoresAgreeAndAcknowledgementsFollowAMatch) {
  auto a = home("a");
  auto b = home("b");
  ASSERT_TRUE(
      a->store->ingest_batch(sync::testing::owned_entries(0, 300, 3), store::Trust::kVerify));
  const auto a_contents = sync::testing::namespace_contents(*a->store, ns());
  Running ra(*a, {});
  std::optional<DaemonStatus> first;
  {
    Running rb(*b, {ra.endpoint()});
    bool seen = false;
    for (int i = 0; i < 20'000 && !seen; ++i) {
      Result<DaemonStatus> s = rb.daemon->status();  // fails until run() started
      if (s.is_ok() && s->peers.size() == 1 && s->peers[0].summary.in_sync) {
        seen = true;
        // The moment B says so, B holds what A holds.
        EXPECT_EQ(sync::testing::namespace_contents(*b->store, ns()), a_contents);
        // Entries had to travel: no root matched at once, so no acknowledgement.
        EXPECT_TRUE(s->peers[0].acknowledgements.empty());
        first = *s;
      } else {
        std::this_thread::sleep_for(milliseconds(1));
      }
    }
    ASSERT_TRUE(seen);
  }
  // The next session finds the stores equal: a match, so an acknowledgement, as of an event of
  // B's store no later than its latest.
  const std::uint64_t b_latest = b->store->last_sequence().value();
  {
    Running rb(*b, {ra.endpoint()});
    ASSERT_TRUE(eventually([&] {
      Result<DaemonStatus> s = rb.daemon->status();
      return s.is_ok() && s->peers.size() == 1 && !s->peers[0].acknowledgements.empty();
    }));
    Result<DaemonStatus> s = rb.daemon->status();
    ASSERT_TRUE(s.is_ok());
    const std::map<model::NamespaceId, Acknowledgement> acks = s->peers[0].acknowledgements;
    ASSERT_EQ(acks.size(), 1U);
    EXPECT_EQ(acks.begin()->first, ns());
    EXPECT_LE(acks.begin()->second.as_of, b_latest);
    EXPECT_GT(acks.begin()->second.at_unix_ms, 0);
  }
  // Saved for the next start (HOME/config/acks).
  Result<AckTable> saved = load_acks(b->paths);
  ASSERT_TRUE(saved.is_ok()) << saved.status().to_string();
  ASSERT_EQ(saved->size(), 1U);
  EXPECT_EQ(saved->begin()->first, a->key.public_key());
  EXPECT_EQ(saved->begin()->second.size(), 1U);
}

// Keepalives: a session with nothing to say outlives both sides' idle timeouts (the connection
// sends an empty LCMUX frame when quiet), so the peers do not drop and redial each other.
TEST_F(DaemonTest, AQuietSessionOutlivesTheIdleTimeout) {
  auto a = home("a");
  auto b = home("b");
  const auto quick = [](DaemonOptions& o) {
    // Keepalives far more often than the timeout, so a run() thread held up for a while (a slow
    // fsync of the acknowledgements, a loaded machine) does not look idle.
    o.idle_timeout = milliseconds(2000);
    o.keepalive_interval = milliseconds(100);
  };
  Running rb(*b, {}, 0, quick);
  Running ra(*a, {rb.endpoint()}, 0, quick);
  ASSERT_TRUE(eventually([&] {
    Result<DaemonStatus> s = ra.daemon->status();
    return s.is_ok() && s->peers.size() == 1 && s->peers[0].state == "established";
  }));
  std::this_thread::sleep_for(milliseconds(4500));  // over twice the idle timeout
  Result<DaemonStatus> s = ra.daemon->status();
  ASSERT_TRUE(s.is_ok());
  ASSERT_EQ(s->peers.size(), 1U);
  EXPECT_EQ(s->peers[0].state, "established");
  EXPECT_EQ(s->peers[0].sessions, 1U) << s->peers[0].last_error;
}

// A daemon given its own address (its own identity answers) stops dialing it.
TEST_F(DaemonTest, APeerThatIsTheDaemonItselfIsNotDialedAgain) {
  auto a = home("a");
  std::uint16_t port = 0;
  {
    Running first(*a, {});
    port = first.daemon->port();
  }
  Running ra(*a, {net::Endpoint{"127.0.0.1", port}}, port);
  ASSERT_TRUE(ra.daemon);
  ASSERT_TRUE(eventually([&] {
    Result<DaemonStatus> s = ra.daemon->status();
    return s.is_ok() && s->peers.size() == 1 && s->peers[0].state == "self";
  }));
  std::this_thread::sleep_for(milliseconds(300));
  Result<DaemonStatus> s = ra.daemon->status();
  ASSERT_TRUE(s.is_ok());
  EXPECT_EQ(s->peers[0].state, "self");
  EXPECT_EQ(s->peers[0].sessions, 0U);
}

// C starts fetching a large payload from A and stops in the middle of it (the daemon stopped
// from the store event of the first partial append: deterministic, the payload is far from
// whole). Restarted with only B, which holds the same entry, C completes the payload, and B sends
// only the rest: C's verified prefix survived the restart and the request starts after it.
TEST_F(DaemonTest, ANodeRestartedMidPayloadResumesFromTheNextPeerThatHasIt) {
  auto a = home("a");
  auto b = home("b");
  auto c = home("c");
  const Bytes big = payload_of(std::size_t{16} << 20, 9);
  const auto e = entry_with_payload("big", big, 5000);
  a->put(e, big);
  b->put(e, big);
  std::atomic<Daemon*> stop_me{nullptr};
  std::atomic<bool> partial{false};
  Result<store::SubscriptionId> sub = c->store->subscribe(
      ns(), model::Area::full(), std::nullopt, [&](const store::StoreEvent& ev) {
        if (ev.kind != store::EventKind::kPayloadAppended || ev.entry != e.entry ||
            ev.available >= big.size() || partial.exchange(true)) {
          return;
        }
        if (Daemon* d = stop_me.load()) d->stop();
      });
  ASSERT_TRUE(sub.is_ok());
  {
    Running ra(*a, {});
    Running rc(*c, {ra.endpoint()});
    stop_me = rc.daemon.get();
    ASSERT_TRUE(eventually([&] { return partial.load(); }));
    rc.stop();
    stop_me = nullptr;
  }
  c->store->unsubscribe(*sub);
  auto got = c->store->get(ns(), e.entry.subspace_id, e.entry.path);
  ASSERT_TRUE(got.is_ok() && got->has_value());
  const std::uint64_t held = (*got)->available;
  ASSERT_GT(held, 0U);
  ASSERT_LT(held, big.size());

  Running rb(*b, {});
  Running rc(*c, {rb.endpoint()});
  ASSERT_TRUE(eventually([&] { return c->holds_whole(e); }));
  Result<DaemonStatus> s = rb.daemon->status();
  ASSERT_TRUE(s.is_ok());
  ASSERT_EQ(s->peers.size(), 1U);
  const std::uint64_t sent = s->peers[0].summary.payload_bytes_sent;
  EXPECT_GT(sent, 0U);
  EXPECT_LE(sent, big.size() - held) << "held " << held << " of " << big.size();
}

// Read capabilities and download policies changed while the daemons run (`osier cap add`,
// `osier policy set`) take effect without a restart: B, holding no capability, shares nothing;
// given one, it reconciles, and its own writes are forwarded too (it follows the namespace's
// events now); set to lazy, it takes the next entry without its payload.
TEST_F(DaemonTest, CapabilitiesAndPoliciesChangedWhileRunningApplyWithoutARestart) {
  auto a = home("a");
  auto b = home("b");
  ASSERT_TRUE(b->home->caps().remove_namespace(ns()).is_ok());
  const Bytes p = payload_of(3000, 3);
  const auto e = entry_with_payload("x", p, 100);
  a->put(e, p);
  Running ra(*a, {});
  Running rb(*b, {ra.endpoint()});
  ASSERT_TRUE(eventually([&] {
    Result<DaemonStatus> s = rb.daemon->status();
    return s && s->interests == 0 && !s->peers.empty() && s->peers[0].state == "established";
  }));
  std::this_thread::sleep_for(milliseconds(300));
  EXPECT_EQ(b->entries(), 0U);

  ASSERT_TRUE(b->home->caps().add(sync::testing::owned_read_capability(b->key.public_key())));
  ASSERT_TRUE(eventually([&] { return b->holds_whole(e); }));
  EXPECT_EQ(rb.daemon->status()->interests, 1U);
  const auto f = entry_with_payload("from-b", p, 200);
  b->put(f, p);
  EXPECT_TRUE(eventually([&] { return a->holds_whole(f); }));

  const std::uint64_t sessions = rb.daemon->status()->peers.at(0).sessions;
  // A rewrite that changes nothing (eager is the default) restarts nothing.
  ASSERT_TRUE(set_policy(b->paths, ns(), NamespacePolicy{}).is_ok());
  std::this_thread::sleep_for(milliseconds(1500));
  EXPECT_EQ(rb.daemon->status()->peers.at(0).sessions, sessions);
  NamespacePolicy lazy;
  lazy.payloads = PayloadPolicy::kLazy;
  ASSERT_TRUE(set_policy(b->paths, ns(), lazy).is_ok());
  // The session starts again with the policy, then A's next write arrives as an entry only.
  ASSERT_TRUE(eventually([&] {
    Result<DaemonStatus> s = rb.daemon->status();
    return s && !s->peers.empty() && s->peers[0].sessions > sessions &&
           s->peers[0].state == "established";
  }));
  const Bytes q = payload_of(3000, 4);  // not p: the store shares payloads by digest
  const auto g = entry_with_payload("lazy", q, 300);
  a->put(g, q);
  ASSERT_TRUE(eventually([&] { return b->holds(g); }));
  std::this_thread::sleep_for(milliseconds(300));
  EXPECT_FALSE(b->holds_whole(g));
}

// Peers named by host name are resolved without holding up the rest: B dials a name that does
// not resolve (however long the system's resolver takes to say so) and A by "localhost", and
// converges with A.
TEST_F(DaemonTest, PeersNamedByHostNameAreResolvedWithoutHoldingUpTheOthers) {
  auto a = home("a");
  auto b = home("b");
  const Bytes p = payload_of(500, 8);
  const auto e = entry_with_payload("named", p, 100);
  a->put(e, p);
  Running ra(*a, {});
  Running rb(*b, {net::Endpoint{"no-such-host.invalid", 1},
                  net::Endpoint{"localhost", ra.daemon->port()}});
  EXPECT_TRUE(eventually([&] { return b->holds_whole(e); }));
}

// More new entries at once than the daemon's queue holds (another writer's large batch): the
// sessions start again and reconciliation brings everything across.
// The queue holds nothing here, so that every new entry overflows it. With a queue of a few, the
// outcome depended on timing: the store delivers a batch's events one by one on the writer's
// thread, and a run() thread quick enough drained them in time (CI saw it: no new session).
TEST_F(DaemonTest, AnOverflowingEventQueueEndsInReconciliation) {
  auto a = home("a");
  auto b = home("b");
  Running ra(*a, {}, 0, [](DaemonOptions& o) { o.max_queued_events = 0; });
  Running rb(*b, {ra.endpoint()});
  const Bytes p = payload_of(100, 1);
  const auto first = entry_with_payload("first", p, 10);
  a->put(first, p);
  ASSERT_TRUE(eventually([&] { return b->holds_whole(first); }));
  // A session that has finished reconciling: new entries can reach b only by a new one, as
  // nothing is forwarded live.
  std::uint64_t sessions = 0;
  ASSERT_TRUE(eventually([&] {
    Result<DaemonStatus> s = rb.daemon->status();
    if (!s || s->peers.empty() || s->peers[0].state != "established") return false;
    sessions = s->peers[0].sessions;
    return s->peers[0].summary.in_sync;
  }));
  ASSERT_TRUE(a->store->ingest_batch(sync::testing::owned_entries(0, 40, 11), store::Trust::kVerify)
                  .is_ok());
  ASSERT_TRUE(eventually([&] { return b->entries() == 41; })) << b->entries();
  Result<DaemonStatus> s = rb.daemon->status();
  ASSERT_TRUE(s.is_ok());
  EXPECT_GT(s->peers.at(0).sessions, sessions);
}

// One session reconciles more namespaces than the store has reader slots: each namespace's
// snapshot holds one while cached, and a session keeps only a few (net::SyncApp's LRU). Unbounded,
// the sessions would run out of slots and fail (as they did at 3 000 namespaces with 1 022).
TEST_F(DaemonTest, ASessionReconcilesMoreNamespacesThanTheStoreHasReaderSlots) {
  constexpr std::size_t kNamespaces = 48;
  auto a = home("a", 24);
  auto b = home("b", 24);
  const crypto::Ed25519SecretKey writer = crypto::Ed25519SecretKey::generate();
  std::vector<store::AuthorisedEntry> entries;
  for (std::size_t i = 0; i < kNamespaces; ++i) {
    crypto::Ed25519SecretKey ns_key = crypto::Ed25519SecretKey::generate();
    while (model::is_communal(ns_key.public_key())) ns_key = crypto::Ed25519SecretKey::generate();
    for (TestHome* h : {a.get(), b.get()}) {
      ASSERT_TRUE(h->home->caps().add(meadowcap::OwnedCapability::create(
          ns_key, meadowcap::AccessMode::kRead, h->key.public_key())));
    }
    const meadowcap::McCapability write(meadowcap::OwnedCapability::create(
        ns_key, meadowcap::AccessMode::kWrite, writer.public_key()));
    model::Entry e;
    e.namespace_id = ns_key.public_key();
    e.subspace_id = writer.public_key();
    e.path = *model::Path::from_strings({"e"});
    e.timestamp = 1000;
    e.payload_digest = meadowcap::default_payload_digest();
    const auto signed_entry = meadowcap::AuthorisedEntry::sign(e, write, writer).value();
    entries.push_back(
        {signed_entry.entry(), store::encode_token_bytes(signed_entry.token()).value()});
  }
  ASSERT_TRUE(a->store->ingest_batch(entries, store::Trust::kVerify).is_ok());
  Running ra(*a, {});
  Running rb(*b, {ra.endpoint()});
  const auto all_there = [&] {
    for (const store::AuthorisedEntry& ae : entries) {
      if (!b->holds(ae)) return false;
    }
    return true;
  };
  ASSERT_TRUE(eventually(all_there));
  Result<DaemonStatus> s = rb.daemon->status();
  ASSERT_TRUE(s.is_ok());
  EXPECT_EQ(s->peers.at(0).summary.failure, "");
  EXPECT_EQ(s->peers.at(0).summary.namespaces.size(), kNamespaces + 1);  // + TestHome's own
  // The status as the control API gives it, its per-namespace lists limited.
  const json::Json j = status_json(*s, 5);
  EXPECT_EQ(j["peers"][0]["session"]["namespaces"].size(), 5U);
  EXPECT_EQ(j["peers"][0]["session"]["namespaces_omitted"], kNamespaces + 1 - 5);
  EXPECT_EQ(status_json(*s)["peers"][0]["session"]["namespaces_omitted"], 0);
  // A subscriber's progress events hold the per-namespace records it asked for.
  for (const std::uint64_t limit : {std::uint64_t{0}, std::uint64_t{3}}) {
    json::Json progress;
    const Status st = net::control_stream(
        b->paths.control_socket(),
        json::Json{{"op", "subscribe"}, {"max_namespaces", limit}}.dump(),
        [&](std::string_view line) {
          const json::Json j = json::Json::parse(line, nullptr, false);
          if (j.value("event", "") != "progress") return true;
          progress = j;
          return false;
        },
        seconds(5));
    ASSERT_TRUE(st.is_ok()) << st.to_string();
    EXPECT_EQ(progress["session"]["namespaces"].size(), limit);
    EXPECT_EQ(progress["session"]["namespaces_omitted"], kNamespaces + 1 - limit);
  }
}

TEST_F(DaemonTest, ASecondDaemonOnAHomeRefusesToStart) {
  auto a = home("a");
  Running first(*a, {});
  ASSERT_TRUE(first.daemon);
  DaemonOptions o;
  o.as = "me";
  o.listen = net::Endpoint{"127.0.0.1", 0};
  Result<std::unique_ptr<Daemon>> second = Daemon::start(*a->home, *a->store, o);
  ASSERT_FALSE(second.is_ok());
  EXPECT_NE(second.status().message().find("already running"), std::string::npos)
      << second.status().to_string();
  // The pid `osier daemon --stop` signals: ours; and never one a cast to pid_t would turn into a
  // process group or every process.
  EXPECT_EQ(running_daemon_pid(a->paths).value(), std::optional<long>(::getpid()));
  const std::string lock = a->paths.config() + "/daemon.lock";
  for (const char* bad : {"4294967295\n", "4294967296\n", "0\n", "-1\n", "12x\n", ""}) {
    std::FILE* f = std::fopen(lock.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs(bad, f);
    std::fclose(f);
    EXPECT_EQ(running_daemon_pid(a->paths).status().code(), ErrorCode::kCorrupt) << bad;
  }
  first.stop();
  first.daemon.reset();
  EXPECT_EQ(running_daemon_pid(a->paths).value(), std::nullopt);
  // Once the first is gone, a daemon starts again.
  Result<std::unique_ptr<Daemon>> third = Daemon::start(*a->home, *a->store, o);
  EXPECT_TRUE(third.is_ok()) << third.status().to_string();
}

}  // namespace
}  // namespace osier::node
