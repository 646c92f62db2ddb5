// LCMUX (sync/lcmux_frames, lcmux_channel, lcmux_session) on hostile bytes. The first byte picks
// a mode:
//   0: the input is one frame code: whatever decodes re-encodes and decodes to the same frame,
//      and a code accepted as canonic is exactly the encoder's;
//   1: the input is a peer's byte stream, fed to a session in pieces of 1..64 bytes (its output
//      taken between pieces): never crashes, buffers stay within the granted capacity, and after
//      an error the session stays failed;
//   2: the input is a script of two honest peers' actions (sends, reads, capacities, pleas,
//      absolutions, limits, deliveries cut anywhere): neither may ever see a protocol error.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

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

void deliver(LcmuxSession& from, Bytes& pipe, LcmuxSession& to, std::size_t n) {
  append(pipe, from.take_output());
  n = std::min(n, pipe.size());
  Status st = to.feed(ByteView(pipe).first(n), accept_all);
  if (!st.is_ok()) {
    std::fprintf(stderr, "honest peer rejected: %s\n", st.to_string().c_str());
    std::abort();
  }
  pipe.erase(pipe.begin(), pipe.begin() + static_cast<std::ptrdiff_t>(n));
}

void two_peers(fuzz::FuzzValues& in) {
  LcmuxSession a = make(in);
  LcmuxSession b = make(in);
  if (a.channel_count() != b.channel_count()) return;
  Bytes ab, ba;
  const Bytes data(256, 0x5a);
  for (int step = 0; step < 2000 && !in.rest().empty(); ++step) {
    const bool flip = in.coin();
    LcmuxSession& x = flip ? a : b;
    LcmuxSession& y = flip ? b : a;
    const std::uint64_t c = in.byte() % x.channel_count();
    const std::uint8_t v = in.byte();
    // Calls the API refuses (absolving too much, loosening a limit) are fine: they must not
    // break the session.
    switch (in.byte() % 10) {
      case 0:
        (void)x.send_channel(c, ByteView(data).first(v));
        break;
      case 1:
        (void)x.send_global(ByteView(data).first(1 + v % 100));
        break;
      case 2:
        (void)y.read(c, v);
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
        deliver(x, flip ? ab : ba, y, 1 + v);
        break;
    }
    check_bounded(a);
    check_bounded(b);
  }
  deliver(a, ab, b, ab.size() + 100000);
  deliver(b, ba, a, ba.size() + 100000);
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
