// What a TCP connection between two nodes is made of, without Asio: its options (timeouts,
// LCMUX resources), the application that runs over its LCMUX session (PeerApp), and the report
// of how it went (one log line per peer).
//
// A connection drives one sans-IO stack: sync::SecureStream (the Nose XX handshake, then
// transport encryption) carrying one sync::LcmuxSession; the PeerApp reads and writes that
// session. At this stage (issue #13) no sync messages exist yet: `osier serve` runs
// DiscardingApp, which reads and drops whatever arrives; the sync session replaces it.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "osier/base/bytes.hpp"
#include "osier/base/status.hpp"
#include "osier/crypto/ed25519.hpp"
#include "osier/net/report.hpp"
#include "sync/handshake.hpp"
#include "sync/lcmux_session.hpp"

namespace osier::net {

// Buffer bytes each of our LCMUX channels grants the peer (its receive buffer), unless told
// otherwise. Memory per connection: 5 of these, LCMUX's 64 KiB global buffer, a 256 KiB read
// buffer (net::kReadBufferBytes), the stream's fixed buffers, what the app queued in LCMUX and the
// encrypted output (below ConnectionOptions::max_pending_output plus one round of LCMUX output).
inline constexpr std::uint64_t kDefaultChannelCapacity = 16 * 1024;

struct ConnectionOptions {
  // From the TCP connection to the end of the handshake, i.e. until the peer's first transport
  // chunk proved its key (absolute: trickling bytes does not extend it).
  std::chrono::milliseconds handshake_timeout{10'000};
  // After the handshake: the longest time without a whole transport chunk (or the end marker)
  // from the peer. Bytes of a chunk not yet complete do not count, so a peer cannot hold a
  // connection by trickling bytes; a valid chunk every idle_timeout still does (a chunk costs it
  // at least 35 bytes and an AEAD we check; Server's per-address cap bounds what one peer holds).
  std::chrono::milliseconds idle_timeout{120'000};
  // After the handshake, when we sent nothing for this long: a keepalive frame
  // (LcmuxSession::keep_alive), so that a quiet connection outlives the peer's idle_timeout.
  // Zero: never (a one-shot sync ends long before). Set it well below the peer's idle_timeout.
  std::chrono::milliseconds keepalive_interval{0};
  // After we sent our end marker (or began to stop): how long we wait for the peer's.
  std::chrono::milliseconds close_timeout{2'000};
  Bytes prologue = Bytes(sync::kDefaultPrologue.begin(), sync::kDefaultPrologue.end());
  sync::LcmuxSessionOptions lcmux = default_lcmux();
  // While bytes wait for the socket: the longest time the peer may take none of them.
  std::chrono::milliseconds write_stall_timeout{30'000};
  // Encrypted bytes waiting for the socket beyond which neither the app nor LCMUX is asked for
  // more output (reading goes on: pausing it would deadlock two peers that both send bulk
  // data). The output stays below this plus one round of LCMUX output: what the peer's
  // guarantees (or optimistic sending, up to max_unconfirmed) let leave of what the app queued,
  // plus control frames, which are per-channel counters and do not grow with what the peer sends.
  std::size_t max_pending_output = std::size_t{64} * 1024;

  static sync::LcmuxSessionOptions default_lcmux() {
    sync::LcmuxSessionOptions o;
    o.server.capacity = kDefaultChannelCapacity;
    return o;
  }
};

// The application running over one connection's LCMUX session. All calls come from the
// connection's thread, one at a time.
class PeerApp {
 public:
  virtual ~PeerApp() = default;
  // The handshake completed and the peer proved its static key: its first transport chunk (or
  // end marker) decrypted (SecureStream::peer_confirmed). The handshake alone proves nothing
  // (it has no payload tags), so a connection that ends before that never calls this, and its
  // report has no `peer`. Comes before any of the peer's plaintext. An error ends the
  // connection.
  virtual Status on_established(const sync::HandshakeResult& handshake, sync::LcmuxSession& mux);
  // One global message (a SendGlobalFrame's whole content). An error ends the connection.
  virtual Status on_global(ByteView message);
  // Incoming bytes were processed or our output drained: read channels, queue more output.
  // An error ends the connection.
  virtual Status on_progress(sync::LcmuxSession& mux);
  // True once the application is done: the connection sends what LCMUX can send now, then the
  // end marker, and closes when the peer's end marker arrives (or after close_timeout).
  virtual bool wants_close() const { return false; }
  // A time at which the app wants on_progress called although nothing arrived (the connection
  // arms its timer for it); nullopt: none. A time already past is ignored until the next call.
  virtual std::optional<std::chrono::steady_clock::time_point> wake_at() const {
    return std::nullopt;
  }
  // Before on_established: a function that makes the connection call on_progress soon (it posts
  // to the connection's io_context, so it may be called from any thread, also after the
  // connection ended, when it does nothing). For work that arrives from outside the connection:
  // entries to forward.
  virtual void set_waker(const std::function<void()>& /*wake*/) {}
  // The connection ended (after on_established; before its report and on_end): no more calls
  // follow. The app keeps what it should keep of unfinished work now.
  virtual void on_closed() {}
};

// Reads every channel's bytes and every global message and drops them, counting them (what
// `osier serve` runs until sync messages exist). Memory: nothing beyond the counters.
class DiscardingApp : public PeerApp {
 public:
  Status on_global(ByteView message) override;
  Status on_progress(sync::LcmuxSession& mux) override;

  std::uint64_t channel_bytes() const { return channel_bytes_; }
  std::uint64_t global_messages() const { return global_messages_; }

 private:
  std::uint64_t channel_bytes_ = 0;
  std::uint64_t global_messages_ = 0;
};

// Asks to close as soon as the handshake completed: the connection sends the end marker, waits
// for the peer's and ends cleanly (`osier connect`).
class HandshakeOnlyApp : public PeerApp {
 public:
  Status on_established(const sync::HandshakeResult& handshake, sync::LcmuxSession& mux) override;
  bool wants_close() const override { return established_; }

 private:
  bool established_ = false;
};

}  // namespace osier::net
