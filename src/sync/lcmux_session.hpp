// An LCMUX session (sans-IO): both roles over one byte stream, as Confidential Sync uses it
// ("Both peers act as an LCMUX client and an LCMUX server simultaneously").
// spec: lcmux#lcmux_spec, confidential_sync (LCMUX channels and global messages)
//
// Consumes: the peer's byte stream, in pieces of any size (feed); the application's channel
// bytes and global messages (send_channel, send_global) and its resource decisions (capacity,
// plead, limits, absolve). Emits: bytes for the peer (take_output); global messages, each
// exactly one SendGlobalFrame's content, through the handler given to feed; channel bytes in
// each channel's receive buffer (read).
//
// Never blocks and never needs the output drained to go on reading: feed() only changes state;
// the frames it causes (guarantees, AnnounceDropping, Absolve in answer to a Plead) are kept as
// per-channel counters and flags, so their memory does not grow with what the peer sends, and
// take_output() writes them out (aggregated) before any data.
//
// Ordering. Channel bytes leave in order per channel; channels blocked by missing guarantees do
// not hold up other channels. A global message leaves only after every channel byte queued
// before it was sent — dropped bytes waiting to be resent included — and, by default
// (globals_wait_for_confirmation), accepted: a global message may name something a channel
// message bound, and the receiver discards or rejects messages naming handles it has not bound
// (SPEC-NOTES Sync item 9). Globals are barriers in the send queue. Bytes the peer dropped are
// resent before any other bytes of their channel, after an Apologise. Messages on one channel
// naming what another channel's optimistic bytes bind are the layer above's concern: it can
// wait for fully_confirmed().
//
// Errors (SPEC-NOTES Sync item 8; the channel rules are in lcmux_channel.hpp): a frame naming a
// channel >= channel_count; a SendGlobalFrame longer than max_global_length; a global message the
// handler rejects (its content is not exactly one message); an undecodable frame. A
// SendGlobalFrame of length 0 is ignored (SPEC-NOTES Sync item 6). Errors are sticky: after one,
// feed() and the send calls refuse everything.
//
// Memory: per channel, the receive buffer (bounded by the capacity the node grants, see
// lcmux_channel.hpp) and the client's unconfirmed copies (bounded by max_unconfirmed); one
// header buffer of kMaxLcmuxHeaderLength bytes; one global message buffer of at most
// max_global_length bytes. The send queue holds what the application queued (queued_bytes()
// lets it apply backpressure). Not thread-safe; the handler must not call feed() and must not
// wait for output to be taken (feed would then wait on sending).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <vector>

#include "osier/base/bytes.hpp"
#include "osier/base/status.hpp"
#include "sync/lcmux_channel.hpp"
#include "sync/lcmux_frames.hpp"

namespace osier::sync {

// SPEC-NOTES Sync item 8: "a global frame longer than a local maximum (say 64 KiB)".
inline constexpr std::size_t kLcmuxMaxGlobalLength = 64 * 1024;
// The most max_global_length may be set to (the global message buffer is this large at most).
inline constexpr std::size_t kLcmuxMaxGlobalLengthCap = 16 * 1024 * 1024;
// The channels Confidential Sync uses (Reconciliation, Data, Overlap, Capability,
// PayloadRequest). spec: confidential_sync (LogicalChannel)
inline constexpr std::uint64_t kConfidentialSyncChannels = 5;
// A local sanity cap on channel_count (each channel costs two small state objects).
inline constexpr std::uint64_t kLcmuxMaxChannels = 1024;

struct LcmuxSessionOptions {
  // Channels 0 .. channel_count - 1 are used; a frame naming another is an error.
  std::uint64_t channel_count = kConfidentialSyncChannels;
  // 1 .. kLcmuxMaxGlobalLengthCap.
  std::size_t max_global_length = kLcmuxMaxGlobalLength;
  // A global message leaves only once every channel byte sent before it is known to be
  // accepted (covered by guarantees), not merely sent. Optimistic bytes may be dropped, and a
  // global naming a handle they bind would reach the peer while it is dropping and be discarded
  // (SPEC-NOTES Sync item 9) — lost for good, since only channel bytes are resent. This is the
  // spec's remedy (lcmux#handles_resource_control: wait for acknowledging guarantees before
  // working with the handles). false: globals wait only until those bytes are sent (faster; for
  // uses whose globals never name what channel bytes bind).
  bool globals_wait_for_confirmation = true;
  LcmuxServerOptions server;  // every channel's server side starts with these
  LcmuxClientOptions client;  // every channel's client side
};

class LcmuxSession {
 public:
  // Receives each global message; an error ends the session (with that error).
  using GlobalHandler = std::function<Status(ByteView)>;

  static Result<LcmuxSession> create(const LcmuxSessionOptions& opts);

  // --- incoming
  Status feed(ByteView bytes, const GlobalHandler& on_global);

  // --- outgoing: the application (client role)
  Status send_channel(std::uint64_t channel, ByteView bytes);
  // REQUIRES: 1 <= size <= max_global_length (empty global frames are never sent).
  Status send_global(ByteView message);
  Status absolve(std::uint64_t channel, std::uint64_t amount);
  Status limit_sending(std::uint64_t channel, std::uint64_t bound);
  // Every frame that can go out now.
  Bytes take_output();
  // The same, appended to `out`: a caller that keeps one buffer for every round reuses its
  // memory (a fresh buffer of up to a window's worth of frames per round made the allocator map
  // and fault in new pages every round: docs/benchmarks.md, "Payload transfer, session 17").
  void take_output(Bytes& out);
  // Queues one frame that changes nothing, so that a connection with nothing to say still
  // proves it is alive (the peer's idle timeout counts transport chunks): an AbsolveFrame of
  // amount 0 on channel 0 (docs/spec-notes.md, "Keepalive"). Sent with the next take_output.
  void keep_alive() { keep_alive_ = true; }
  // Application bytes queued and not yet sent (resends not included).
  std::uint64_t queued_bytes() const { return queued_bytes_; }
  // Channel bytes still to be sent on `channel`: queued, or dropped and waiting to be resent.
  std::uint64_t unsent_bytes(std::uint64_t channel) const;
  // The peer's LimitReceiving bound on `channel` is used up: its unsent bytes (and the globals
  // queued after them) can never go out. The application ends the session or stops using it.
  bool closed_by_peer(std::uint64_t channel) const;
  // No channel has bytes sent and not yet known to be accepted, or waiting to be resent.
  bool fully_confirmed() const;

  // --- incoming channel data and its resources (server role)
  Status set_capacity(std::uint64_t channel, std::uint64_t capacity);
  Status plead(std::uint64_t channel, std::uint64_t target);
  Status limit_receiving(std::uint64_t channel, std::uint64_t bound);
  std::size_t readable(std::uint64_t channel) const;
  Bytes read(std::uint64_t channel, std::size_t max);

  // --- state
  bool failed() const { return !failure_.is_ok(); }
  const Status& failure() const { return failure_; }
  std::uint64_t channel_count() const { return servers_.size(); }
  // REQUIRES: channel < channel_count().
  const LcmuxServerChannel& server(std::uint64_t channel) const { return servers_[channel]; }
  const LcmuxClientChannel& client(std::uint64_t channel) const { return clients_[channel]; }

 private:
  enum class ReadState : std::uint8_t { kHeader, kChannelContent, kGlobalContent };
  struct Outgoing {
    bool global;
    std::uint64_t channel;
    Bytes bytes;
    std::size_t sent = 0;
  };

  explicit LcmuxSession(const LcmuxSessionOptions& opts);
  bool keep_alive_ = false;
  Status on_header(const LcmuxFrameHeader& h);
  Status fail(Status st);
  Status check_usable(std::uint64_t channel) const;
  std::size_t send_frames(Encoder& enc, std::uint64_t channel, ByteView bytes);

  std::size_t max_global_length_;
  bool globals_wait_for_confirmation_;
  std::vector<LcmuxServerChannel> servers_;
  std::vector<LcmuxClientChannel> clients_;
  Status failure_;

  ReadState state_ = ReadState::kHeader;
  std::uint8_t header_[kMaxLcmuxHeaderLength] = {};
  std::size_t header_len_ = 0;
  std::uint64_t content_channel_ = 0;
  bool content_accepted_ = false;
  std::uint64_t content_remaining_ = 0;
  Bytes global_;

  std::deque<Outgoing> queue_;
  std::uint64_t queued_bytes_ = 0;
  std::vector<std::uint64_t> queued_per_channel_;
};

}  // namespace osier::sync
