// Helpers shared by the LCMUX tests: a session with chosen options, raw frames, and moving
// bytes between two sessions.
#pragma once

#include <gtest/gtest.h>

#include <vector>

#include "sync/lcmux_frames.hpp"
#include "sync/lcmux_session.hpp"

namespace osier::sync::testing {

inline LcmuxSession make_session(const LcmuxSessionOptions& opts) {
  auto s = LcmuxSession::create(opts);
  EXPECT_TRUE(s.is_ok());
  return std::move(s).value();
}

inline LcmuxSessionOptions lcmux_options(std::uint64_t capacity, bool preemptive, bool optimistic,
                                         std::uint64_t max_frame = 4096) {
  LcmuxSessionOptions o;
  o.server.capacity = capacity;
  o.server.preemptive = preemptive;
  o.client.optimistic = optimistic;
  o.client.max_frame = max_frame;
  return o;
}

// The codes of some frames, one after the other.
template <typename... Frames>
Bytes frames(const Frames&... fs) {
  Encoder enc;
  (encode_frame(enc, fs), ...);
  return enc.take();
}

// Collects global messages.
struct Globals {
  std::vector<Bytes> got;
  LcmuxSession::GlobalHandler handler() {
    return [this](ByteView m) {
      got.emplace_back(m.begin(), m.end());
      return Status::ok();
    };
  }
};

// Sends from's output to `to` (one piece). Returns the bytes moved.
inline Bytes deliver(LcmuxSession& from, LcmuxSession& to, Globals& to_globals) {
  Bytes out = from.take_output();
  Status st = to.feed(out, to_globals.handler());
  EXPECT_TRUE(st.is_ok()) << st.to_string();
  return out;
}

// Exchanges output both ways until both sides are quiet (bounded).
inline void settle(LcmuxSession& a, LcmuxSession& b, Globals& ga, Globals& gb) {
  for (int i = 0; i < 100; ++i) {
    if (deliver(a, b, gb).empty() && deliver(b, a, ga).empty()) return;
  }
  ADD_FAILURE() << "sessions did not settle";
}

}  // namespace osier::sync::testing
