// LCMUX (sync/lcmux_frames, lcmux_channel, lcmux_session) on hostile bytes. The first byte picks
// a mode:
//   0: the input is one frame code: whatever decodes re-encodes and decodes to the same frame,
//      and a code accepted as canonic is exactly the encoder's;
//   1: the input is a peer's byte stream, fed to a session in pieces of 1..64 bytes (its output
//      taken between pieces): never crashes, buffers stay within the granted capacity, and after
//      an error the session stays failed;
//   2: the input is a script of two honest peers' actions (sends, reads, capacities, pleas,
//      absolutions, limits, deliveries cut anywhere): neither may ever see a protocol error, and
//      every channel's bytes and the global messages arrive exactly once and in order (each
//      carries a counter the receiver checks).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "fuzz_codec.hpp"
#include "sync/lcmux_frames.hpp"
#include "sync/lcmux_session.hpp"

namespace {

using namespace osier;
using namespace osier::sync;

constexpr std::uint64_t kCapacity = 100;

LcmuxSession make(fuzz::FuzzValues& in) {
  LcmuxSessionOptions o;
  o.channel_count = 1 + in.byte() % 5;
  o.max_global_length = 100 + in.byte() % 100;  // two_peers sends globals of <= 100 bytes
  o.server.capacity = kCapacity;
  o.server.preemptive = in.coin();
  o.client.optimistic = true;
  o.client.max_frame = 1 + in.byte() % 64;
  o.client.max_unconfirmed = 1 + in.byte() % 256;
  auto s = LcmuxSession::create(o);
  if (!s.is_ok()) std::abort();
  return std::move(s).value();
}

Status accept_all(ByteView) { return Status::ok(); }

void check_bounded(const LcmuxSession& s) {
  for (std::uint64_t c = 0; c < s.channel_count(); ++c) {
    if (s.server(c).buffered() > kCapacity) std::abort();
  }
}

void feed_stream(fuzz::FuzzValues& in) {
  LcmuxSession s = make(in);
  const std::size_t piece = 1 + in.byte() % 64;
  ByteView rest = in.rest();
  for (std::size_t pos = 0; pos < rest.size(); pos += piece) {
    const bool was_failed = s.failed();
    Status st = s.feed(rest.subspan(pos, std::min(piece, rest.size() - pos)), accept_all);
    if (was_failed && st.is_ok()) std::abort();
    if (!st.is_ok() && !s.failed()) std::abort();
    (void)s.take_output();
    (void)s.read(rest[pos] % s.channel_count(), rest[pos]);
    check_bounded(s);
  }
}

// What one direction carries, as the application sees it: every channel's bytes are a counter
// stream (byte i of channel c is (i + 7c) mod 251), globals carry their number, so a byte or
// message lost, duplicated or reordered shows as a mismatch at the receiver.
struct Direction {
  std::vector<std::uint64_t> sent, received;  // per channel: bytes accepted by send / read
  std::uint64_t globals_sent = 0, globals_received = 0;
  Bytes pipe;

  explicit Direction(std::uint64_t channels) : sent(channels, 0), received(channels, 0) {}
  static std::uint8_t byte_at(std::uint64_t c, std::uint64_t i) {
    return static_cast<std::uint8_t>((i + 7 * c) % 251);
  }
  Bytes next_bytes(std::uint64_t c, std::size_t n) const {
    Bytes b(n);
    for (std::size_t k = 0; k < n; ++k) b[k] = byte_at(c, sent[c] + k);
    return b;
  }
  Bytes next_global(std::size_t n) const {
    Bytes g(std::max<std::size_t>(n, 2), 0);
    g[0] = static_cast<std::uint8_t>(globals_sent);
    g[1] = static_cast<std::uint8_t>(globals_sent >> 8);
    return g;
  }
  Status on_global(ByteView g) {
    const std::uint64_t k = globals_received++;
    if (g.size() < 2 || g[0] != static_cast<std::uint8_t>(k) ||
        g[1] != static_cast<std::uint8_t>(k >> 8)) {
      std::fprintf(stderr, "global message %llu lost, repeated or out of order\n",
                   static_cast<unsigned long long>(k));
      std::abort();
    }
    return Status::ok();
  }
  void on_read(std::uint64_t c, const Bytes& got) {
    for (std::uint8_t b : got) {
      if (b != byte_at(c, received[c]++)) {
        std::fprintf(stderr, "channel %llu byte %llu lost, repeated or out of order\n",
                     static_cast<unsigned long long>(c),
                     static_cast<unsigned long long>(received[c] - 1));
        std::abort();
      }
    }
    if (received[c] > sent[c]) std::abort();
  }
};

// Returns how many bytes were fed.
std::size_t deliver(LcmuxSession& from, Direction& d, LcmuxSession& to, std::size_t n) {
  append(d.pipe, from.take_output());
  n = std::min(n, d.pipe.size());
  Status st = to.feed(ByteView(d.pipe).first(n), [&d](ByteView g) { return d.on_global(g); });
  if (!st.is_ok()) {
    std::fprintf(stderr, "honest peer rejected: %s\n", st.to_string().c_str());
    std::abort();
  }
  d.pipe.erase(d.pipe.begin(), d.pipe.begin() + static_cast<std::ptrdiff_t>(n));
  return n;
}

// Returns how many bytes were read.
std::size_t read_into(LcmuxSession& at, Direction& d, std::uint64_t c, std::size_t max) {
  const Bytes got = at.read(c, max);
  d.on_read(c, got);
  return got.size();
}

void two_peers(fuzz::FuzzValues& in) {
  LcmuxSession a = make(in);
  LcmuxSession b = make(in);
  if (a.channel_count() != b.channel_count()) return;
  Direction ab(a.channel_count()), ba(a.channel_count());
  for (int step = 0; step < 2000 && !in.rest().empty(); ++step) {
    const bool flip = in.coin();
    LcmuxSession& x = flip ? a : b;
    LcmuxSession& y = flip ? b : a;
    Direction& xy = flip ? ab : ba;
    const std::uint64_t c = in.byte() % x.channel_count();
    const std::uint8_t v = in.byte();
    // Calls the API refuses (absolving too much, loosening a limit) are fine: they must not
    // break the session.
    switch (in.byte() % 10) {
      case 0:
        if (x.send_channel(c, xy.next_bytes(c, v)).is_ok()) xy.sent[c] += v;
        break;
      case 1:
        if (x.send_global(xy.next_global(1 + v % 99)).is_ok()) ++xy.globals_sent;
        break;
      case 2:
        read_into(y, xy, c, v);
        break;
      case 3:
        (void)y.set_capacity(c, v % kCapacity);
        break;
      case 4:
        (void)y.plead(c, v);
        break;
      case 5:
        (void)x.absolve(c, v % 8);
        break;
      case 6:
        (void)x.limit_sending(c, std::uint64_t{v} * 64);
        break;
      case 7:
        (void)y.limit_receiving(c, std::uint64_t{v} * 64);
        break;
      default:
        deliver(x, xy, y, 1 + v);
        break;
    }
    check_bounded(a);
    check_bounded(b);
  }
  // Drain: both sides read everything and exchange until quiet. Bytes may stay behind only where
  // a limit or a capacity of 0 holds them; what arrived must be exactly a prefix of what was sent.
  for (int round = 0; round < 200; ++round) {
    std::size_t moved = deliver(a, ab, b, ab.pipe.size() + 100000);
    moved += deliver(b, ba, a, ba.pipe.size() + 100000);
    for (std::uint64_t c = 0; c < a.channel_count(); ++c) {
      moved += read_into(b, ab, c, 1 << 20);
      moved += read_into(a, ba, c, 1 << 20);
    }
    if (moved == 0) break;
  }
  if (a.failed() || b.failed()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  fuzz::FuzzValues in(ByteView(data + 1, size - 1));
  switch (data[0] % 3) {
    case 0:
      fuzz::check_round_trip(
          in.rest(), [](Decoder& d, DecodeMode m) { return decode_lcmux_frame(d, m); },
          [](Encoder& e, const LcmuxFrame& f) {
            encode_lcmux_frame(e, f);
            return Status::ok();
          },
          true);
      break;
    case 1:
      feed_stream(in);
      break;
    default:
      two_peers(in);
      break;
  }
  return 0;
}
