// A randomized simulation of two LCMUX peers: random capacities, processing speeds, optimistic
// and guaranteed sending, absolutions, pleas, limits and global messages, with the byte streams
// cut at random points. Checks: every channel's bytes arrive exactly once and in order (so no
// guaranteed byte was dropped), clients that only send under guarantees see nothing dropped,
// buffers stay within the capacity granted, both sides' views of credit agree once quiet, and
// the peers always finish (no deadlock, no livelock).
#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>
#include <optional>
#include <random>
#include <string>

#include "sync/lcmux_session.hpp"
#include "sync/lcmux_test_util.hpp"

namespace osier::sync {
namespace {

using namespace osier::sync::testing;

struct MuxPeer {
  LcmuxSession s;
  LcmuxSessionOptions opts;
  Bytes pipe;                   // taken from s, not yet delivered to the other
  std::vector<Bytes> sent;      // per channel: what our application sent
  std::vector<Bytes> received;  // per channel: what our application read
  std::vector<Bytes> globals_sent;
  Globals globals_got;
  std::vector<std::uint64_t> max_capacity;  // per channel, the largest capacity granted
  // Per channel of our sending: a limit was set (by us or the peer); then no more absolving or
  // pleading, and the application sends at most `budget` more bytes.
  std::vector<bool> limited;
  std::vector<std::optional<std::uint64_t>> budget;
};

MuxPeer make_peer(std::mt19937_64& rng, std::uint64_t channels, bool must_be_optimistic,
                  bool must_be_preemptive) {
  LcmuxSessionOptions o;
  o.channel_count = channels;
  o.server.capacity = 1 + rng() % 3000;
  o.server.preemptive = must_be_preemptive || rng() % 2 == 0;
  o.client.optimistic = must_be_optimistic || rng() % 2 == 0;
  o.client.max_unconfirmed = 1 + rng() % 8000;
  o.client.max_frame = 1 + rng() % 3000;
  MuxPeer p{make_session(o), o, {}, {}, {}, {}, {}, {}, {}, {}};
  p.sent.resize(channels);
  p.received.resize(channels);
  p.max_capacity.assign(channels, o.server.capacity);
  p.limited.assign(channels, false);
  p.budget.resize(channels);
  return p;
}

Bytes random_bytes(std::mt19937_64& rng, std::size_t n) {
  Bytes b(n);
  for (auto& x : b) x = static_cast<std::uint8_t>(rng());
  return b;
}

// Moves some of `from`'s output to `to`. all: everything, and take new output first.
void transfer(MuxPeer& from, MuxPeer& to, std::mt19937_64& rng, bool all) {
  append(from.pipe, from.s.take_output());
  if (from.pipe.empty()) return;
  const std::size_t n = all ? from.pipe.size() : 1 + rng() % from.pipe.size();
  Status st = to.s.feed(ByteView(from.pipe).first(n), to.globals_got.handler());
  ASSERT_TRUE(st.is_ok()) << st.to_string();
  from.pipe.erase(from.pipe.begin(), from.pipe.begin() + static_cast<std::ptrdiff_t>(n));
}

void read_some(MuxPeer& p, std::uint64_t c, std::size_t max) {
  append(p.received[c], p.s.read(c, max));
}

// One random action of `x` (and of `y`, its peer, where the action concerns both).
void random_step(MuxPeer& x, MuxPeer& y, std::mt19937_64& rng, unsigned read_rate) {
  const std::uint64_t c = rng() % x.opts.channel_count;
  switch (rng() % 16) {
    case 0:
    case 1:
    case 2: {  // x's application sends on c
      std::size_t n = 1 + rng() % 1500;
      if (x.budget[c]) n = std::min<std::size_t>(n, *x.budget[c]);
      if (n == 0) break;
      Bytes b = random_bytes(rng, n);
      Status st = x.s.send_channel(c, b);
      ASSERT_TRUE(st.is_ok()) << st.to_string();
      append(x.sent[c], b);
      if (x.budget[c]) *x.budget[c] -= n;
      break;
    }
    case 3: {  // a global message
      Bytes b = random_bytes(rng, 1 + rng() % 300);
      ASSERT_TRUE(x.s.send_global(b).is_ok());
      x.globals_sent.push_back(b);
      break;
    }
    case 4:
    case 5:
    case 6:  // y processes (reads) at its speed
      if (rng() % 100 < read_rate) read_some(y, c, rng() % 2000);
      break;
    case 7:
    case 8:
    case 9:
    case 10:
      transfer(x, y, rng, false);
      break;
    case 11: {  // y's node changes the capacity it grants
      const std::uint64_t cap = 1 + rng() % 3000;
      ASSERT_TRUE(y.s.set_capacity(c, cap).is_ok());
      y.max_capacity[c] = std::max(y.max_capacity[c], cap);
      break;
    }
    case 12:  // y pleads
      if (!x.limited[c]) {
        ASSERT_TRUE(y.s.plead(c, rng() % 1000).is_ok());
      }
      break;
    case 13: {  // x absolves some of its credit
      const std::uint64_t credit = x.s.client(c).credit().credit;
      if (!x.limited[c] && credit > 0) {
        ASSERT_TRUE(x.s.absolve(c, rng() % (credit + 1)).is_ok());
      }
      break;
    }
    case 14: {  // x limits sending (once per channel)
      if (x.s.client(c).send_limit() || rng() % 8 != 0) break;
      const std::uint64_t extra = rng() % 5000;
      const std::uint64_t bound = x.s.unsent_bytes(c) + x.s.client(c).unconfirmed_bytes() + extra;
      ASSERT_TRUE(x.s.limit_sending(c, bound).is_ok());
      x.limited[c] = true;
      x.budget[c] = std::min(x.budget[c].value_or(extra), extra);
      break;
    }
    case 15: {  // y limits receiving (once per channel): room for everything x sent so far
      if (y.s.server(c).receive_limit() || rng() % 8 != 0) break;
      const std::uint64_t extra = rng() % 5000;
      const std::uint64_t not_yet = x.sent[c].size() - y.s.server(c).stats().accepted_bytes;
      // Absolutions still in flight also count against the bound; they are at most the credit.
      const std::uint64_t bound = not_yet + extra + y.s.server(c).outstanding().credit;
      ASSERT_TRUE(y.s.limit_receiving(c, bound).is_ok());
      x.limited[c] = true;
      x.budget[c] = std::min(x.budget[c].value_or(extra), extra);
      break;
    }
  }
}

bool all_arrived(const MuxPeer& from, const MuxPeer& to) {
  for (std::uint64_t c = 0; c < from.opts.channel_count; ++c) {
    if (to.received[c].size() != from.sent[c].size()) return false;
  }
  return to.globals_got.got.size() == from.globals_sent.size();
}

void check_bounds(const MuxPeer& p) {
  for (std::uint64_t c = 0; c < p.opts.channel_count; ++c) {
    // Memory per channel is bounded by what the node granted, not by what the peer sent.
    ASSERT_LE(p.s.server(c).buffered(), p.max_capacity[c]) << "channel " << c;
    ASSERT_LE(p.s.client(c).unconfirmed_bytes(), p.opts.client.max_unconfirmed);
  }
}

// What each direction of each channel looks like (printed when the peers do not finish).
void dump_state(const MuxPeer& a, const MuxPeer& b, std::uint64_t channels) {
  for (const MuxPeer* p : {&a, &b}) {
    const MuxPeer& q = p == &a ? b : a;
    std::cerr << (p == &a ? "a" : "b") << " opts: preemptive " << p->opts.server.preemptive
              << " optimistic " << p->opts.client.optimistic << " maxframe "
              << p->opts.client.max_frame << " maxunconf " << p->opts.client.max_unconfirmed
              << "\n";
    for (std::uint64_t c = 0; c < channels; ++c) {
      const auto& cl = p->s.client(c);
      const auto& sv = q.s.server(c);
      std::cerr << " ->c" << c << " sent " << p->sent[c].size() << " recv " << q.received[c].size()
                << " unsent " << p->s.unsent_bytes(c) << " credit " << cl.credit().credit << "/-"
                << cl.credit().debt << " unconf " << cl.unconfirmed_bytes() << " sendlim "
                << cl.send_limit().value_or(999999) << " peerrecvlim "
                << cl.peer_receive_limit().value_or(999999) << " | srv out "
                << sv.outstanding().credit << "/-" << sv.outstanding().debt << " buf "
                << sv.buffered() << " dropping " << sv.dropping() << " rlim "
                << sv.receive_limit().value_or(999999) << " slim "
                << sv.peer_send_limit().value_or(999999) << " maxcap " << q.max_capacity[c] << "\n";
    }
  }
}

void run_simulation(std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  const std::uint64_t channels = 1 + rng() % 5;
  MuxPeer a = make_peer(rng, channels, false, false);
  // A server that only acknowledges needs an optimistic client (spec: lcmux, the note on
  // preemptive guarantees: otherwise both wait for each other).
  MuxPeer b = make_peer(rng, channels, !a.opts.server.preemptive, !a.opts.client.optimistic);
  const unsigned read_a = static_cast<unsigned>(rng() % 101),
                 read_b = static_cast<unsigned>(rng() % 101);
  const int steps = 200 + static_cast<int>(rng() % 3000);
  for (int i = 0; i < steps; ++i) {
    if (rng() % 2) {
      random_step(a, b, rng, read_b);
    } else {
      random_step(b, a, rng, read_a);
    }
    if (::testing::Test::HasFatalFailure()) return;
    check_bounds(a);
    check_bounds(b);
    if (::testing::Test::HasFatalFailure()) return;
  }
  // Drain: no new work; both applications read everything; bytes cut at random.
  int rounds = 0;
  for (; rounds < 100000; ++rounds) {
    transfer(a, b, rng, rng() % 4 == 0);
    transfer(b, a, rng, rng() % 4 == 0);
    if (::testing::Test::HasFatalFailure()) return;
    for (std::uint64_t c = 0; c < channels; ++c) {
      read_some(a, c, 1 + rng() % 3000);
      read_some(b, c, 1 + rng() % 3000);
    }
    check_bounds(a);
    check_bounds(b);
    if (::testing::Test::HasFatalFailure()) return;
    if (all_arrived(a, b) && all_arrived(b, a) && a.pipe.empty() && b.pipe.empty()) break;
  }
  if (rounds == 100000) dump_state(a, b, channels);
  ASSERT_LT(rounds, 100000) << "the peers did not finish: deadlock or livelock";
  settle(a.s, b.s, a.globals_got, b.globals_got);
  for (const MuxPeer* p : {&a, &b}) {
    const MuxPeer& q = p == &a ? b : a;
    ASSERT_FALSE(p->s.failed()) << p->s.failure().to_string();
    for (std::uint64_t c = 0; c < channels; ++c) {
      SCOPED_TRACE("channel " + std::to_string(c));
      // Exactly once, in order.
      ASSERT_EQ(q.received[c].size(), p->sent[c].size());
      EXPECT_TRUE(q.received[c] == p->sent[c]);
      // Both views of the credit agree once nothing is in flight.
      EXPECT_EQ(p->s.client(c).credit(), q.s.server(c).outstanding());
      // Sending only under guarantees: nothing is ever dropped.
      if (!p->opts.client.optimistic) {
        EXPECT_EQ(q.s.server(c).stats().dropped_bytes, 0u);
      }
      EXPECT_EQ(q.s.server(c).stats().accepted_bytes, p->sent[c].size());
    }
    EXPECT_TRUE(q.globals_got.got == p->globals_sent);
  }
}

TEST(LcmuxSimulation, RandomPeers) {
  for (std::uint64_t seed = 0; seed < 400; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    run_simulation(seed);
    if (HasFailure()) return;
  }
}

// Both buffers full, nobody reads: feeding never fails or blocks, and output stays bounded by
// per-channel state however much the peer sends.
TEST(LcmuxSimulation, BothBuffersFullNoDeadlock) {
  LcmuxSession a = make_session(lcmux_options(100, true, true, 50));
  LcmuxSession b = make_session(lcmux_options(100, true, true, 50));
  Globals ga, gb;
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(a.send_channel(0, Bytes(300, 'a')).is_ok());
    ASSERT_TRUE(b.send_channel(0, Bytes(300, 'b')).is_ok());
    deliver(a, b, gb);
    deliver(b, a, ga);
  }
  EXPECT_LE(a.server(0).buffered(), 100u);
  EXPECT_LE(b.server(0).buffered(), 100u);
  EXPECT_LE(a.client(0).unconfirmed_bytes(), 64u * 1024);
  // Quiet: clients wait for guarantees, servers wait for their applications.
  EXPECT_TRUE(a.take_output().size() < 64 && b.take_output().size() < 64);
  // Reading unblocks everything.
  Bytes got_a, got_b;
  for (int i = 0; i < 10000 && (got_a.size() < 60000 || got_b.size() < 60000); ++i) {
    append(got_a, a.read(0, 1000));
    append(got_b, b.read(0, 1000));
    deliver(a, b, gb);
    deliver(b, a, ga);
  }
  EXPECT_EQ(got_a, Bytes(60000, 'b'));
  EXPECT_EQ(got_b, Bytes(60000, 'a'));
}

}  // namespace
}  // namespace osier::sync
