// HostLookups: lookups run side by side off the io_context (a slow name holds up no other), at
// most kMaxThreads at once, with results delivered on the io_context's thread; results that come
// after the HostLookups is gone are dropped; the default asks getaddrinfo.
#include "net/host_lookup.hpp"

#include <gtest/gtest.h>

#include <asio/executor_work_guard.hpp>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace osier::net {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

HostLookups::Endpoints loopback(std::uint16_t port) {
  return {asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port)};
}

// Runs `io` until `done()` holds or `limit` passes.
template <typename Done>
bool run_until(asio::io_context& io, Done done, milliseconds limit) {
  const auto end = Clock::now() + limit;
  while (!done() && Clock::now() < end) {
    io.restart();
    io.run_for(milliseconds(10));
  }
  return done();
}

// Holds lookups until released; shared with the lookups' threads, which may outlive a test's
// stack.
struct Gate {
  std::mutex m;
  std::condition_variable cv;
  bool release = false;

  void wait() {
    std::unique_lock lock(m);
    cv.wait(lock, [&] { return release; });
  }
  void open() {
    {
      std::lock_guard lock(m);
      release = true;
    }
    cv.notify_all();
  }
};

TEST(HostLookups, ASlowNameHoldsUpNoOther) {
  asio::io_context io(1);
  HostLookups lookups(io,
                      [](const std::string& host, std::uint16_t port,
                         HostLookups::Endpoints& out) -> std::error_code {
                        if (host == "slow.example") std::this_thread::sleep_for(milliseconds(2000));
                        out = loopback(port);
                        return {};
                      });
  const auto t0 = Clock::now();
  bool slow = false, fast = false;
  Clock::duration fast_after{};
  const std::thread::id io_thread = std::this_thread::get_id();
  lookups.lookup("slow.example", 1, [&](const std::error_code& ec, HostLookups::Endpoints r) {
    EXPECT_FALSE(ec);
    EXPECT_EQ(r, loopback(1));
    slow = true;
  });
  lookups.lookup("fast.example", 2, [&](const std::error_code& ec, HostLookups::Endpoints r) {
    EXPECT_FALSE(ec);
    EXPECT_EQ(r, loopback(2));
    EXPECT_EQ(std::this_thread::get_id(), io_thread);  // delivered on the io_context's thread
    fast_after = Clock::now() - t0;
    fast = true;
  });
  ASSERT_TRUE(run_until(
      io, [&] { return fast; }, milliseconds(10000)));
  EXPECT_FALSE(slow);
  // Through asio's one resolver thread it came after the slow one: 2 s.
  EXPECT_LT(fast_after, milliseconds(1000));
  EXPECT_TRUE(run_until(
      io, [&] { return slow; }, milliseconds(10000)));
}

TEST(HostLookups, AtMostMaxThreadsRunAtOnceAndEveryLookupEnds) {
  asio::io_context io(1);
  std::atomic<int> running{0}, widest{0};
  HostLookups lookups(
      io,
      [&](const std::string&, std::uint16_t port, HostLookups::Endpoints& out) -> std::error_code {
        const int now = ++running;
        int w = widest.load();
        while (now > w && !widest.compare_exchange_weak(w, now)) {
        }
        std::this_thread::sleep_for(milliseconds(30));
        --running;
        out = loopback(port);
        return {};
      });
  constexpr int kLookups = 3 * static_cast<int>(HostLookups::kMaxThreads);
  int done = 0;
  for (int i = 0; i < kLookups; ++i) {
    lookups.lookup("h" + std::to_string(i), static_cast<std::uint16_t>(i + 1),
                   [&, i](const std::error_code& ec, HostLookups::Endpoints r) {
                     EXPECT_FALSE(ec);
                     EXPECT_EQ(r, loopback(static_cast<std::uint16_t>(i + 1)));
                     ++done;
                   });
  }
  ASSERT_TRUE(run_until(
      io, [&] { return done == kLookups; }, milliseconds(20000)));
  EXPECT_LE(widest.load(), static_cast<int>(HostLookups::kMaxThreads));
  EXPECT_GT(widest.load(), 1);
}

// Lookups queued behind hanging names whose callers gave up (their `wanted` token dropped, as a
// dial that timed out drops it) are skipped, never resolved and never answered, so a name asked
// later is not held up by them; their callbacks die on the io_context's thread.
TEST(HostLookups, LookupsNoLongerWantedAreSkipped) {
  asio::io_context io(1);
  const auto gate = std::make_shared<Gate>();
  const auto resolved = std::make_shared<std::atomic<int>>(0);
  HostLookups lookups(io,
                      [gate, resolved](const std::string& host, std::uint16_t port,
                                       HostLookups::Endpoints& out) -> std::error_code {
                        ++*resolved;
                        if (host == "hang.example") {
                          gate->wait();
                        }
                        out = loopback(port);
                        return {};
                      });
  // Every thread hangs on a name still wanted.
  int hung_done = 0;
  for (std::size_t i = 0; i < HostLookups::kMaxThreads; ++i) {
    lookups.lookup("hang.example", 1,
                   [&](const std::error_code&, HostLookups::Endpoints) { ++hung_done; });
  }
  // Twenty more dials by that name give up while queued.
  const auto gone = std::make_shared<std::atomic<int>>(0);
  for (int i = 0; i < 20; ++i) {
    auto wanted = std::make_shared<const bool>(true);
    // Counts its callback's end (destroyed, never run).
    std::shared_ptr<void> witness(nullptr, [gone](void*) { ++*gone; });
    lookups.lookup(
        "hang.example", 1,
        [witness](const std::error_code&, HostLookups::Endpoints) { ADD_FAILURE() << "answered"; },
        wanted);
  }
  bool good = false;
  lookups.lookup("good.example", 2, [&](const std::error_code& ec, HostLookups::Endpoints r) {
    EXPECT_FALSE(ec);
    EXPECT_EQ(r, loopback(2));
    good = true;
  });
  gate->open();
  ASSERT_TRUE(run_until(
      io, [&] { return good && hung_done == static_cast<int>(HostLookups::kMaxThreads); },
      milliseconds(10000)));
  ASSERT_TRUE(run_until(
      io, [&] { return gone->load() == 20; }, milliseconds(10000)));
  // The hanging names still wanted and the good one: none of the abandoned.
  EXPECT_EQ(resolved->load(), static_cast<int>(HostLookups::kMaxThreads) + 1);
}

TEST(HostLookups, NoAddressIsAnErrorAndResultsAfterTheEndAreDropped) {
  asio::io_context io(1);
  const auto gate = std::make_shared<Gate>();
  auto called = std::make_shared<std::atomic<bool>>(false);
  {
    HostLookups lookups(
        io,
        [gate](const std::string& host, std::uint16_t, HostLookups::Endpoints&) -> std::error_code {
          if (host == "held.example") {
            gate->wait();
          }
          return {};  // no addresses: host_not_found
        });
    std::error_code got;
    bool empty = false;
    lookups.lookup("empty.example", 1, [&](const std::error_code& ec, HostLookups::Endpoints) {
      got = ec;
      empty = true;
    });
    ASSERT_TRUE(run_until(
        io, [&] { return empty; }, milliseconds(10000)));
    EXPECT_EQ(got, asio::error::host_not_found);
    lookups.lookup("held.example", 1,
                   [called](const std::error_code&, HostLookups::Endpoints) { *called = true; });
  }  // gone while the lookup runs
  gate->open();
  run_until(
      io, [] { return false; }, milliseconds(300));
  EXPECT_FALSE(*called);
}

TEST(HostLookups, TheDefaultAsksTheSystemResolver) {
  asio::io_context io(1);
  HostLookups lookups(io);
  std::error_code got = asio::error::would_block;
  HostLookups::Endpoints found;
  bool done = false;
  lookups.lookup("localhost", 7, [&](const std::error_code& ec, HostLookups::Endpoints r) {
    got = ec;
    found = std::move(r);
    done = true;
  });
  ASSERT_TRUE(run_until(
      io, [&] { return done; }, milliseconds(20000)));
  ASSERT_FALSE(got) << got.message();
  ASSERT_FALSE(found.empty());
  EXPECT_TRUE(found.front().address().is_loopback());
  EXPECT_EQ(found.front().port(), 7);
}

}  // namespace
}  // namespace osier::net
