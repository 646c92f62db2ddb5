// A Confidential Sync session (sans-IO): one side of one connection, composing the cores over
// the connection's LCMUX session — private interest overlap (PioCore), 3d range-based set
// reconciliation (RbsrCore) and the message codec — and routing every message between them.
// spec: confidential_sync#sync_protocol, confidential_sync#sync_pio_messages,
// confidential_sync#sync_reconciliation, confidential_sync#sync_encodings
//
// Consumes: the handshake's result (role, final hash, the peer's key), our read and enumeration
// capabilities, and a SnapshotSource (the only way it reads the store); then the peer's global
// messages (on_global) and its channel bytes, read from the LCMUX session in on_progress.
// Emits: messages queued on the LCMUX session (on_progress), and SessionEvents (poll_event):
// overlaps found, batches of verified entries for the node to ingest (with
// Origin::remote(session_id), Trust::kAlreadyVerified), reconciliation roots completed. It never
// writes the store: the node ingests what it is given (DESIGN.md, "The sync stack").
//
// Ordering (docs/spec-notes.md, "Session: message order across channels"). A message naming a
// handle must reach the peer after the message that bound it, and LCMUX keeps order only within
// a channel. So:
//   - receiving, the binding channels (Overlap, Capability, PayloadRequest) are read before the
//     Reconciliation and Data channels in every round, and before each global message;
//   - sending, every message waits in one FIFO until the binding channels of the handle types it
//     names have no unsent bytes (unsent_bytes == 0), and reconciliation hears of an overlap (and
//     starts its root) only once our capability binding has gone out;
//   - the session REQUIRES an LCMUX session whose client sides never send optimistically
//     (LcmuxClientOptions::optimistic = false): sent bytes are then accepted bytes, so nothing is
//     dropped and resent behind a later message, no binding of ours is ever hopeful, and root
//     messages go out under guarantees only (SPEC-NOTES Sync 15).
// A peer may still send optimistically to us; messages naming handles whose binding channel is
// dropping at us are discarded (SPEC-NOTES Sync 9), the rest is checked by the handle tables.
//
// Not yet here (issue #14): payloads (RbsrCore sends none; received reconciliation payload
// bytes are not stored), payload requests, data-channel forwarding (DataSendEntry,
// DataSendPayload) — receiving any of these ends the session (kInvalidArgument, naming the
// message and saying it is not supported yet). DataSetEagerness is checked and otherwise ignored.
//
// Errors end the session (sticky, every later call returns the same error): a protocol
// violation by the peer (the cores' and the codec's kInvalidArgument / kInvalidEncoding), a
// message larger than max_message_bytes still incomplete, a peer that keeps sending while our
// answers pile up (more than max_rbsr_backlog reconciliation messages waiting), store errors.
//
// Memory: the cores' bounds (pio.hpp, rbsr.hpp); per channel an input buffer of at most
// max_message_bytes plus one LCMUX read; the send FIFO, which the session stops filling at
// max_queued_output bytes (its own and LCMUX's queue together) — it keeps reading, so two peers
// that both have much to say never deadlock; the event queue until polled. Not thread-safe; one
// session per connection, driven from the connection's thread.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <variant>
#include <vector>

#include "base/bytes.hpp"
#include "base/status.hpp"
#include "crypto/ed25519.hpp"
#include "meadowcap/capability.hpp"
#include "meadowcap/enumeration_capability.hpp"
#include "sync/cs_channels.hpp"
#include "sync/decoder_state.hpp"
#include "sync/handshake.hpp"
#include "sync/lcmux_session.hpp"
#include "sync/pio.hpp"
#include "sync/rbsr.hpp"

namespace osier::sync {

struct SessionConfig {
  // Received entries carry Origin::remote(session_id): one id per session of a node.
  std::uint64_t session_id = 1;
  // Our read capabilities (receiver: our handshake key); each declares its private interest.
  std::vector<meadowcap::McCapability> read_capabilities;
  std::vector<meadowcap::McEnumerationCapability> enumeration_capabilities;
  // Limits and parameters of the cores; the role, keys, hash and session id are set by create.
  PioConfig pio;
  RbsrConfig rbsr;
  // The session stops producing messages while this many bytes wait (in its FIFO and LCMUX's
  // send queue).
  std::size_t max_queued_output = 256 * 1024;
  // The largest incoming message buffered until complete.
  std::size_t max_message_bytes = 1024 * 1024;
  // Reconciliation messages waiting to be produced beyond which the peer is flooding us.
  std::size_t max_rbsr_backlog = 1 << 16;
};

using SessionEvent = std::variant<PioOverlapEvent, RbsrEntriesEvent, RbsrRootCompleteEvent>;

struct SessionStats {
  std::uint64_t messages_received = 0;
  std::uint64_t messages_sent = 0;
  std::uint64_t messages_discarded = 0;
  std::uint64_t overlaps = 0;
  std::uint64_t entries_received = 0;  // verified entries handed out to ingest
};

class Session {
 public:
  // `own_key`: our handshake (static) public key. kInvalidArgument for capabilities PioCore
  // refuses (not read capabilities, another receiver, invalid) or bad core parameters.
  static Result<std::unique_ptr<Session>> create(const SessionConfig& config,
                                                 const HandshakeResult& handshake,
                                                 const crypto::Ed25519PublicKey& own_key,
                                                 SnapshotSource snapshots);

  // One global message (a SendGlobalFrame's content), as LcmuxSession::feed hands it over.
  // Reads the channels' bytes that arrived before it first.
  Status on_global(LcmuxSession& mux, ByteView message);
  // Reads and processes every channel's bytes, then queues what can be sent.
  Status on_progress(LcmuxSession& mux);
  std::optional<SessionEvent> poll_event();

  // Nothing to do now: no message waiting to go out or in, no partial message buffered, every
  // reconciliation root known is complete, and no event unpolled. (The peer may still start
  // something; a one-shot sync decides when to stop, see net/sync_app.hpp.)
  bool idle(const LcmuxSession& mux) const;

  SyncRole role() const { return role_; }
  const SessionStats& stats() const { return stats_; }
  std::size_t root_count() const { return rbsr_->root_count(); }
  std::size_t completed_root_count() const { return rbsr_->completed_root_count(); }
  bool failed() const { return !error_.is_ok(); }
  const Status& failure() const { return error_; }

  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  ~Session();

 private:
  struct Outgoing {
    std::optional<LogicalChannel> channel;  // nullopt: a global message
    Bytes bytes;
    std::uint8_t wait_for = 0;  // bit per LogicalChannel that must have no unsent bytes
  };

  Session(const SessionConfig& config, SyncRole role);

  Status fail(Status status);
  Status read_channels(LcmuxSession& mux);
  Status read_channel(LcmuxSession& mux, LogicalChannel channel);
  Status dispatch(LcmuxSession& mux, SyncMessage message);
  Status on_resource_handle_free(LcmuxSession& mux, const ResourceHandleFree& msg);
  // Checks and counts a received message's pair of read capability handles (the peer's, ours);
  // kDiscard when the message is to be dropped.
  Result<Disposition> check_capability_pair(const LcmuxSession& mux, std::uint64_t peer_handle,
                                            std::uint64_t own_handle);
  Status produce(LcmuxSession& mux);
  Status queue(const SyncMessage& message);
  void flush(LcmuxSession& mux);
  std::size_t queued_bytes(const LcmuxSession& mux) const;

  SyncRole role_;
  std::size_t max_queued_output_;
  std::size_t max_message_bytes_;
  std::size_t max_rbsr_backlog_;
  std::optional<PioCore> pio_;
  std::optional<RbsrCore> rbsr_;
  std::unique_ptr<CodecContext> send_context_;
  std::unique_ptr<CodecContext> receive_context_;
  CodecState send_state_;     // mirrors the peer's receive state
  CodecState receive_state_;  // decodes the peer's messages

  std::array<Bytes, kLogicalChannelCount> input_;  // channel bytes not yet decoded
  bool discarding_announcement_ = false;           // a discarded announcement's stream follows
  std::deque<PioOverlapEvent> pending_overlaps_;   // waiting for our capability to go out
  std::deque<Outgoing> fifo_;
  std::size_t fifo_bytes_ = 0;
  std::deque<SessionEvent> events_;
  SessionStats stats_;
  Status error_ = Status::ok();
};

}  // namespace osier::sync
