// One writer, many readers (LmdbStore, threads of one process): reads never wait for a write,
// a write never waits for another write's payload source, readers see only committed states,
// and subscribers get every event exactly once however their subscription races the writer.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <numeric>
#include <random>
#include <set>
#include <thread>

#include "osier/crypto/william3.hpp"
#include "store_factories.hpp"
#include "store_random.hpp"

namespace osier::store {
namespace {

using osier::testing::TempDir;
using testing::random_bytes;
using testing::StoreRandom;
using testing::test_namespace;

std::unique_ptr<LmdbStore> open_store(const TempDir& dir) {
  LmdbStoreOptions opts;
  opts.authoriser = testing::test_authoriser();
  opts.map_size = std::uint64_t{1} << 30;
  opts.sync_commits = false;
  return LmdbStore::open(dir.sub("s"), opts).value();
}

using testing::entry_at;

// Runs `fn` on another thread; false when it has not finished within a minute (it is stuck
// behind a lock it should not wait for).
bool finishes(const std::function<void()>& fn) {
  auto done = std::async(std::launch::async, fn);
  return done.wait_for(std::chrono::seconds(60)) == std::future_status::ready;
}

TEST(LmdbConcurrency, ReadsAndOtherWritesGoOnWhileAPayloadSourceBlocks) {
  TempDir dir;
  auto store = open_store(dir);
  const Bytes big = random_bytes(200000, 1);
  const AuthorisedEntry slow = entry_at({"slow"}, big, 5);
  ASSERT_TRUE(store->ingest(entry_at({"before"}, {}, 5)));

  // A source that hands out its first piece, then waits until released.
  std::promise<void> started, release;
  std::shared_future<void> released = release.get_future().share();
  std::size_t pos = 0;
  bool first = true;
  std::thread writer([&] {
    auto r = store->ingest_with_payload(slow, [&](MutableByteView out) -> Result<std::size_t> {
      if (first) {
        first = false;
        started.set_value();
      } else if (pos == 4096) {
        released.wait();
      }
      const std::size_t n = std::min<std::size_t>({4096, out.size(), big.size() - pos});
      std::copy_n(big.data() + pos, n, out.data());
      pos += n;
      return n;
    });
    EXPECT_TRUE(r && r->outcome == IngestOutcome::kInserted);
  });
  started.get_future().wait();

  // The slow put is reading its source now. Everything else goes on meanwhile.
  const bool went_on = finishes([&] {
    EXPECT_EQ(store->summarise(test_namespace(), model::D3Range::full()).value().count, 1u);
    EXPECT_TRUE(store->get(test_namespace(), slow.entry.subspace_id, slow.entry.path).value() ==
                std::nullopt);
    auto snap = store->snapshot(test_namespace()).value();
    EXPECT_EQ(snap->summarise(model::D3Range::full()).value().count, 1u);
    auto r = store->ingest(entry_at({"during"}, {}, 5));
    EXPECT_TRUE(r && r->outcome == IngestOutcome::kInserted);
    EXPECT_EQ(store->summarise(test_namespace(), model::D3Range::full()).value().count, 2u);
  });
  release.set_value();
  writer.join();
  EXPECT_TRUE(went_on) << "a read or a write waited for the slow put's source";
  EXPECT_EQ(store->summarise(test_namespace(), model::D3Range::full()).value().count, 3u);
  EXPECT_TRUE(store->check());
}

TEST(LmdbConcurrency, ParallelReadersSeeOnlyCommittedStates) {
  // The states a namespace passes through, one write at a time, from the in-memory store.
  StoreRandom rnd(11);
  model::NamespaceId ns{};
  ns.fill(0x10);
  std::vector<AuthorisedEntry> writes;
  for (int i = 0; i < 300; ++i) writes.push_back(rnd.authorised(ns));
  MemoryStore memory(testing::test_authoriser());
  std::vector<RangeSummary> states{memory.summarise(ns, model::D3Range::full()).value()};
  for (const auto& ae : writes) {
    ASSERT_TRUE(memory.ingest(ae, Trust::kAlreadyVerified));
    states.push_back(memory.summarise(ns, model::D3Range::full()).value());
  }

  TempDir dir;
  auto store = open_store(dir);
  std::atomic<bool> done{false};
  std::atomic<int> unknown{0}, backwards{0}, reads{0}, ready{0};
  constexpr int kReaders = 3;
  std::thread writer([&] {
    // Start once every reader has read: on a loaded machine the writer could otherwise finish
    // before any reader ran, and the test would check nothing.
    while (ready.load() < kReaders) std::this_thread::yield();
    for (const auto& ae : writes) EXPECT_TRUE(store->ingest(ae, Trust::kAlreadyVerified));
    done = true;
  });
  std::vector<std::thread> readers;
  for (int t = 0; t < kReaders; ++t) {
    readers.emplace_back([&] {
      std::size_t at = 0;  // the earliest state index this reader may still see
      bool first = true;
      while (first || !done) {
        const RangeSummary s = store->summarise(ns, model::D3Range::full()).value();
        ++reads;
        auto it = std::find(states.begin() + static_cast<std::ptrdiff_t>(at), states.end(), s);
        if (it == states.end()) {
          ++(std::find(states.begin(), states.end(), s) == states.end() ? unknown : backwards);
        } else {
          at = static_cast<std::size_t>(it - states.begin());
        }
        if (first) ++ready;
        first = false;
      }
    });
  }
  writer.join();
  for (auto& t : readers) t.join();
  EXPECT_EQ(unknown.load(), 0) << "a reader saw a state no commit made";
  EXPECT_EQ(backwards.load(), 0) << "a reader went back in time";
  EXPECT_GE(reads.load(), kReaders);
  EXPECT_EQ(store->summarise(ns, model::D3Range::full()).value(), states.back());
}

// poll_events() (delivering what the log holds) racing this instance's own commits (which
// deliver their events after the commit): every event reaches the subscriber once, in order.
TEST(LmdbConcurrency, PollingRacesOwnCommitsWithoutDuplicates) {
  TempDir dir;
  auto store = open_store(dir);
  std::mutex mu;
  std::vector<std::uint64_t> got;
  auto id = store->subscribe(test_namespace(), model::Area::full(), std::nullopt,
                             [&](const StoreEvent& ev) {
                               std::lock_guard lock(mu);
                               got.push_back(ev.seq);
                             });
  ASSERT_TRUE(id);
  constexpr std::uint64_t kWrites = 300;
  std::atomic<bool> done{false};
  std::thread poller([&] {
    while (!done) EXPECT_TRUE(store->poll_events());
  });
  for (std::uint64_t i = 0; i < kWrites; ++i) {
    ASSERT_TRUE(store->ingest(entry_at({std::to_string(i)}, {}, 5)));
  }
  done = true;
  poller.join();
  ASSERT_TRUE(store->poll_events());
  store->unsubscribe(*id);
  std::vector<std::uint64_t> want(kWrites);
  std::iota(want.begin(), want.end(), 1);
  EXPECT_EQ(got, want);
}

TEST(LmdbConcurrency, SubscribersGetEveryEventOnceWhileAWriterRuns) {
  TempDir dir;
  auto store = open_store(dir);
  constexpr std::uint64_t kWrites = 1000;
  std::atomic<std::uint64_t> written{0};
  std::atomic<std::size_t> subscribed{0};
  std::thread writer([&] {
    for (std::uint64_t i = 0; i < kWrites; ++i) {
      // Some subscriptions are made while writes go on whatever the machine's load.
      if (i == 10) {
        while (subscribed < 6) std::this_thread::yield();
      }
      EXPECT_TRUE(store->ingest(entry_at({std::to_string(1000 + i)}, {}, 5)));
      written = i + 1;
    }
  });
  // Subscriptions made while the writer runs, replaying from some event on or only live: each
  // gets every later event exactly once, in order (whether a commit's events are replayed or
  // delivered live depends on the race, never both or neither).
  struct Sub {
    std::optional<std::uint64_t> after;
    std::uint64_t seen_at_subscribe = 0;
    std::mutex mu;
    std::vector<std::uint64_t> got;
    SubscriptionId id = 0;
  };
  std::vector<std::unique_ptr<Sub>> subs;
  std::mt19937 rng(3);
  while (written < kWrites && subs.size() < 400) {
    auto sub = std::make_unique<Sub>();
    const std::uint64_t now = written;
    if (rng() % 2) sub->after = now - std::min<std::uint64_t>(now, rng() % 20);
    sub->seen_at_subscribe = now;
    Sub* raw = sub.get();
    auto id = store->subscribe(test_namespace(), model::Area::full(), sub->after,
                               [raw](const StoreEvent& ev) {
                                 std::lock_guard lock(raw->mu);
                                 raw->got.push_back(ev.seq);
                               });
    ASSERT_TRUE(id);
    sub->id = *id;
    subs.push_back(std::move(sub));
    subscribed = subs.size();
  }
  writer.join();
  ASSERT_GT(subs.size(), 5u);
  for (const auto& sub : subs) {
    store->unsubscribe(sub->id);
    std::lock_guard lock(sub->mu);
    // Replayed: from after + 1 on. Live: from some event after those written when subscribing.
    const std::uint64_t from =
        sub->after ? *sub->after + 1 : (sub->got.empty() ? kWrites + 1 : sub->got.front());
    if (!sub->after) {
      EXPECT_GT(from, sub->seen_at_subscribe);
    }
    std::vector<std::uint64_t> want;
    for (std::uint64_t i = from; i <= kWrites; ++i) want.push_back(i);
    EXPECT_EQ(sub->got, want) << (sub->after ? "replayed from " + std::to_string(*sub->after)
                                             : std::string("live"));
  }
}

}  // namespace
}  // namespace osier::store
