// One TCP connection driving one sans-IO stack (Asio glue; included only by net/*.cpp):
// sync::SecureStream (handshake, then transport encryption) carrying a sync::LcmuxSession, which
// a PeerApp reads and writes.
//
// Life: start() reads (and, as initiator, sends the first handshake message). Every read feeds
// the stream, whose plaintext feeds LCMUX; then the app runs and whatever LCMUX and the stream
// have to say is written. One read and one write are in flight at most; one timer holds the
// nearest deadline (handshake — until the peer proved its key —, idle — reset only by a whole
// transport chunk —, close, write stall). The connection ends exactly once, through the
// `on_end` callback with its report: cleanly when both end markers were exchanged, else with the
// one-line reason (the peer's protocol error, a timeout, a socket error, our stop()).
//
// Memory: a fixed read buffer (kReadBufferBytes), the stream's and LCMUX's own bounds (see their
// headers), and the encrypted output waiting for the socket. Backpressure is on producing, not
// reading: while that output exceeds max_pending_output, neither the app nor LCMUX is asked for
// more, so it stays below max_pending_output plus one round of LCMUX output; reading goes on
// (LCMUX's feed never waits on output, so two peers that both send bulk data do not deadlock).
// A peer that takes none of our bytes for write_stall_timeout is dropped. Buffers above
// kKeptBufferBytes (kKeptFrameBytes for LCMUX's output of a round) are freed once drained.
// Nothing is sized by what the peer declares.
//
// Threads: every method runs on the io_context's one thread (handlers capture a shared_ptr to
// the connection); nothing here is shared with other threads, so there is nothing to lock.
#pragma once

#include <array>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "net/peer.hpp"
#include "osier/crypto/ed25519.hpp"
#include "sync/lcmux_session.hpp"
#include "sync/secure_stream.hpp"

namespace osier::net {

// One read takes this much: at 16 KiB a 1 GiB payload cost ~70k reads, each a wake-up, an
// LCMUX round and an answer (docs/benchmarks.md, "A 1 GiB payload over loopback").
inline constexpr std::size_t kReadBufferBytes = 256 * 1024;
// Output buffers larger than this are freed once drained; smaller ones are reused. Freeing
// every buffer above 64 KiB cost a reallocation and its page faults per burst: a third of the
// throughput of a channel granted 16 KiB (docs/benchmarks.md). So at most 2 MiB per connection
// stays allocated after a burst in those two, besides frames_ (below).
inline constexpr std::size_t kKeptBufferBytes = 1024 * 1024;
// LCMUX's output of one round (frames_): up to a channel window's worth of frames, which a buffer
// grown by doubling holds in 2 MiB; kept up to that, freed above. So at most 4 MiB per connection
// stays allocated after a burst, and a bulk transfer allocates nothing per round.
inline constexpr std::size_t kKeptFrameBytes = 2 * 1024 * 1024;

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  using OnEnd = std::function<void(const ConnectionReport&)>;
  using Clock = std::chrono::steady_clock;

  // `static_key` is only read during the call.
  static Result<std::shared_ptr<Connection>> create(asio::ip::tcp::socket socket,
                                                    sync::HandshakeRole role,
                                                    const crypto::Ed25519SecretKey& static_key,
                                                    const ConnectionOptions& options,
                                                    std::shared_ptr<PeerApp> app);

  // Called once, when the connection ends (set before start()).
  void set_on_end(OnEnd on_end) { on_end_ = std::move(on_end); }
  // Called once, when the peer proved its key (the handshake's last step, see
  // SecureStream::peer_confirmed), before the app hears of it (set before start()).
  void set_on_established(std::function<void()> f) { on_established_ = std::move(f); }
  void start();
  // Our side stops (the server shuts down): after the handshake, send what can go and the end
  // marker, and close when the peer's arrives or after close_timeout; before it, close now.
  void stop();
  // The server makes room (a connection still in the handshake): ends now as kRefused.
  void evict(std::string reason);
  bool done() const { return done_; }

  // Private: use create(). Public for std::make_shared.
  Connection(asio::ip::tcp::socket socket, sync::SecureStream stream, sync::LcmuxSession mux,
             const ConnectionOptions& options, std::shared_ptr<PeerApp> app);

 private:
  void read();
  void on_read(const asio::error_code& ec, std::size_t n);
  void on_eof();
  // The peer confirmed its key (SecureStream::peer_confirmed): tells the app (an error is its
  // refusal) and arms the idle timer.
  Status establish();
  // Runs the app, moves LCMUX output through the stream to the socket, ends when both sides
  // have ended.
  void pump();
  void write();
  void on_write(const asio::error_code& ec, std::size_t n);
  void begin_close(Ending ending, std::string reason);
  void arm_timer();
  void on_timer();
  void end(Ending ending, std::string reason);
  std::size_t pending_output() const { return pending_.size() + (writing_.size() - written_); }

  asio::ip::tcp::socket socket_;
  asio::steady_timer timer_;
  sync::SecureStream stream_;
  sync::LcmuxSession mux_;
  ConnectionOptions options_;
  std::shared_ptr<PeerApp> app_;
  OnEnd on_end_;
  std::function<void()> on_established_;

  std::array<std::uint8_t, kReadBufferBytes> read_buf_{};
  Bytes frames_;   // LCMUX's output of one round, before encryption (its memory reused)
  Bytes pending_;  // encrypted bytes not yet handed to the socket
  Bytes writing_;  // the bytes being written; the first written_ have gone
  std::size_t written_ = 0;
  bool write_in_flight_ = false;
  bool reading_ = false;
  bool eof_ = false;
  bool shut_down_send_ = false;
  bool established_ = false;  // the peer confirmed its key and the app was told
  bool done_ = false;
  // Set when our side begins to close (stop, idle, app done): how the connection will end.
  std::optional<std::pair<Ending, std::string>> closing_;

  Clock::time_point started_;
  Clock::time_point last_progress_;  // the last whole transport chunk (or the end marker)
  Clock::time_point close_deadline_;
  Clock::time_point last_sent_;                  // the last LCMUX output (for keepalive_interval)
  Clock::time_point last_write_progress_;        // while bytes wait: the last write that took some
  std::optional<Clock::time_point> armed_wake_;  // the app's wake_at the timer was last armed for
  std::string remote_;
  std::uint64_t bytes_in_ = 0;
  std::uint64_t bytes_out_ = 0;
};

}  // namespace osier::net
