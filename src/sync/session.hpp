// A Confidential Sync session (sans-IO): one side of one connection, composing the cores over
// the connection's LCMUX session — private interest overlap (PioCore), 3d range-based set
// reconciliation (RbsrCore) and the message codec — and routing every message between them.
// spec: confidential_sync#sync_protocol, confidential_sync#sync_pio_messages,
// confidential_sync#sync_reconciliation, confidential_sync#sync_encodings
//
// Consumes: the handshake's result (role, final hash, the peer's key), our read and enumeration
// capabilities, and the node's side (SessionStore): snapshots to read ranges from, a function
// that stores verified entries, and the store payload bytes are read from and verified into.
// Then the peer's global messages (on_global) and its channel bytes, read from the LCMUX session
// in on_progress. Emits: messages queued on the LCMUX session (on_progress), verified entries
// through SessionStore::ingest (in batches, each before any payload byte of its entries), verified
// payload bytes appended to the store (PayloadTransfer), and SessionEvents (poll_event):
// overlaps found, reconciliation roots completed, payloads received.
//
// Payloads (spec: confidential_sync#sync_payloads, #sync_data; session_payloads.cpp says when
// what travels): during reconciliation we send the payload of an entry right after it, and on the
// Data channel we push the rest of a payload the peer's answer shows it lacks, always from the
// first Chunk the peer lacks when we know it, only payloads we hold complete and at most
// 2^max_payload_power of the peer's capability (SPEC-NOTES Sync 19), in messages of at most
// kChunksPerMessage Chunks read from the store as they go (fixed memory whatever the size). A
// DataSendEntry outside all our capabilities' areas is ignored; one whose token does not
// authorise it ends the session (SPEC-NOTES Sync 18). Received payload bytes are verified
// against the entry's digest as they arrive and appended (payload_transfer.hpp); bytes for an
// entry the store did not take (obsolete), or from an offset beyond what the store holds, are
// ignored (SPEC-NOTES Sync 19: a receiver may ignore payloads); bytes that do not verify end the
// session, and the Chunks verified before them stay stored.
//
// Ordering (docs/spec-notes.md, "Session: message order across channels"). A message naming a
// handle must reach the peer after the message that bound it, and LCMUX keeps order only within
// a channel. So:
//   - receiving, the binding channels (Overlap, Capability, PayloadRequest) are read before the
//     Reconciliation and Data channels in every round, and before each global message;
//   - sending, every message waits in one FIFO until the binding channels of the handle types it
//     names have no unsent bytes (unsent_bytes == 0): Alfie's root fingerprint waits behind our
//     capability's binding;
//   - reconciliation hears of an overlap the moment PIO finds it (the peer's next message, in the
//     same round, may be its root fingerprint);
//   - the session REQUIRES an LCMUX session whose client sides never send optimistically
//     (LcmuxClientOptions::optimistic = false): sent bytes are then accepted bytes, so nothing is
//     dropped and resent behind a later message, no binding of ours is ever hopeful, and root
//     messages go out under guarantees only (SPEC-NOTES Sync 15).
// A peer may still send optimistically to us; messages naming handles whose binding channel is
// dropping at us are discarded (SPEC-NOTES Sync 9), the rest is checked by the handle tables.
//
// Payload requests (payload_requests.hpp): the peer's are served from the store (complete
// payloads; others are given up), ours are made with request_payload (the node's choice: the
// daemon's "lazy" payloads, issue #15) and verified into the store.
//
// Live forwarding (spec: confidential_sync#sync_post_sync_forwarding, #sync_data;
// session_forwarding.cpp): the node offers every entry its store gains, and every entry whose
// payload it comes to hold whole (offer_entry); those inside an overlap's intersected area go to
// the peer as DataSendEntry, with their payload from Chunk 0 when we hold it whole, it is within
// the peer's max_payload_power and the peer did not ask for that overlap to be lazy
// (DataSetEagerness with set_eager false, which we honour for pushes and forwards alike).
//
// Errors end the session (sticky, every later call returns the same error), after storing what
// verified before them (entries RBSR verified, payload bytes not yet appended): a protocol
// violation by the peer (the cores' and the codec's kInvalidArgument / kInvalidEncoding), a
// message larger than max_message_bytes still incomplete, a message that arrives in so many small
// pieces that decoding it again from its start at each piece costs more than kRereadAllowance
// plus kRereadFactor times its bytes (the decoders are not resumable: a peer dripping a large
// message a few bytes at a time made each few bytes cost a decode of all before them), a peer
// that keeps sending while our answers pile up (more than max_rbsr_backlog reconciliation
// messages waiting), store errors.
//
// Memory: the cores' bounds (pio.hpp, rbsr.hpp); the capabilities of DataSendEntry tokens proven
// valid (meadowcap/verified_capabilities.hpp bounds them); one payload message being sent (at most
// kChunksPerMessage Chunks) and two PayloadTransfers receiving (reconciliation and Data channel,
// each up to kPayloadAppendBatch of verified bytes waiting for their append and one batch being
// appended); per channel an input buffer of at most max_message_bytes plus one LCMUX read; the
// send FIFO, which the session stops filling at max_queued_output bytes (its own and LCMUX's
// queue together) — it keeps reading, so two peers that both have much to say never deadlock; the
// event queue until polled. Not thread-safe; one session per connection, driven from the
// connection's thread. The one other thread: a received payload's batch is appended to the store on
// a helper thread while the next batch is verified (PayloadTransfer::set_background_appends); the
// session waits for it before the next append, at a payload's end and when it is destroyed, so
// every method's contract is as before.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <variant>
#include <vector>

#include "meadowcap/verified_capabilities.hpp"
#include "osier/base/bytes.hpp"
#include "osier/base/status.hpp"
#include "osier/crypto/ed25519.hpp"
#include "osier/meadowcap/capability.hpp"
#include "osier/meadowcap/enumeration_capability.hpp"
#include "osier/store/store.hpp"
#include "sync/cs_channels.hpp"
#include "sync/decoder_state.hpp"
#include "sync/handshake.hpp"
#include "sync/lcmux_session.hpp"
#include "sync/payload_requests.hpp"
#include "sync/payload_transfer.hpp"
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
  // Reconciliation messages waiting to be produced beyond which the peer is flooding us. With an
  // honest peer they are our open ranges and answers to the peer's, each side's within
  // rbsr.max_open_ranges (RbsrCore::may_split): keep it at least twice that.
  static constexpr std::size_t kDefaultRbsrBacklog = std::size_t{1} << 17;
  std::size_t max_rbsr_backlog = kDefaultRbsrBacklog;
  // Sets rbsr.max_open_ranges, and max_rbsr_backlog to at least twice it.
  void set_max_open_ranges(std::size_t n) {
    rbsr.max_open_ranges = n;
    max_rbsr_backlog = std::max(kDefaultRbsrBacklog, 2 * n);
  }
  // A node's session carries every namespace it shares with the peer: room for thousands of
  // interests each way (the cores' defaults suit a sync of a few). A peer that declares more
  // hashes than we accept ends the session, and interests beyond max_own_hashes are not declared
  // at all, so every session a node runs (the daemon's, `osier serve`'s and `osier sync`'s)
  // declares and accepts as many (declare_many_interests). The daemon's sessions also bind and
  // reconcile that many overlaps (allow_many_namespaces). Handle tables grow as used, so an
  // honest peer with few interests costs little; a hostile one at most these many records: 33
  // bytes and a handle record per hash (about 13 MiB at kNodeHashes), capabilities within
  // pio.max_peer_capability_bytes, and roots within rbsr.max_root_bytes.
  static constexpr std::size_t kNodeHashes = std::size_t{1} << 16;
  static constexpr std::size_t kNodeOverlaps = std::size_t{1} << 15;
  // Per root (a record of about 400 bytes and its range's paths, RbsrCore::root_bytes): 128 MiB
  // for the daemon's roots, room for overlap areas whose paths run to about 800 bytes.
  static constexpr std::size_t kNodeRootBytes = 2048;
  void declare_many_interests() {
    pio.max_own_hashes = kNodeHashes;
    pio.max_peer_hashes = kNodeHashes;
  }
  void allow_many_namespaces() {
    declare_many_interests();
    pio.max_peer_capabilities = kNodeOverlaps;
    pio.max_overlaps = kNodeOverlaps;
    rbsr.max_roots = 2 * kNodeOverlaps;
    rbsr.max_root_bytes = 2 * kNodeOverlaps * kNodeRootBytes;
  }
  // Payload requests, ours and the peer's (the origin is set by create).
  PayloadRequestConfig requests;
  // Payloads sent along with an announcement that asks for a response (the peer may hold them
  // already) up to this size; larger ones go once its answer shows it lacks them
  // (session_payloads.cpp).
  std::uint64_t max_blind_payload = 64 * 1024;
  // false: for each overlap, ask the peer not to push payloads to us on the Data channel
  // (DataSetEagerness with set_eager false; the peer may ignore it). Reconciliation's payloads
  // are governed by pio.max_payload_power alone.
  bool eager_pushes = true;
  // The same, for the overlaps of these namespaces only (the node's lazy download policies).
  std::set<model::NamespaceId> lazy_namespaces;
};

// The node's side of a session: where it reads and writes.
struct SessionStore {
  // Snapshots of namespaces, for reconciliation (rbsr.hpp).
  SnapshotSource snapshots;
  // Stores a batch of verified entries (Trust::kAlreadyVerified, the batch's origin), at once:
  // payload bytes of these entries may follow. An error ends the session.
  std::function<Status(const RbsrEntriesEvent&)> ingest;
  // The store payloads are read from (to send) and appended to (received); nullptr: none are
  // sent, and received ones are ignored. Must outlive the session.
  store::Store* payloads = nullptr;
};

// A payload transmission for an entry ended: the store now holds its bytes up to `verified_end`
// (all of them when `complete`).
struct PayloadReceivedEvent {
  model::Entry entry;
  std::uint64_t verified_end = 0;
  bool complete = false;
};

using SessionEvent = std::variant<PioOverlapEvent, RbsrRootCompleteEvent, PayloadReceivedEvent,
                                  RbsrRootMatchedEvent>;

struct SessionStats {
  std::uint64_t messages_received = 0;
  std::uint64_t messages_sent = 0;
  std::uint64_t messages_discarded = 0;
  std::uint64_t overlaps = 0;
  // Entries the peer sent, each verified and handed to SessionStore::ingest, or found held
  // exactly (same entry and token) by reconciliation and so neither (RbsrEntriesEvent::held).
  std::uint64_t entries_received = 0;
  std::uint64_t entries_sent = 0;  // ReconciliationSendEntry messages
  // Times the peer's messages reached us after we had sent some since its last ones: the round
  // trips the session took, as seen from this side.
  std::uint64_t round_trips = 0;
  std::uint64_t payloads_sent = 0;  // payloads we sent whole during reconciliation
  std::uint64_t payload_bytes_sent = 0;
  std::uint64_t payloads_received = 0;       // payloads a transmission completed in the store
  std::uint64_t payload_bytes_received = 0;  // payload bytes verified and new to the store
  std::uint64_t entries_forwarded = 0;       // DataSendEntry messages of live forwarding
  // Reconciliation's state: the most ranges open at once (RbsrCore::widest_open_range_count),
  // the peer's fingerprints whose answer waited for our announcements to be answered, or (Betty)
  // for room to split, and the ranges we announced for want of room to split them.
  std::uint64_t widest_open_ranges = 0;
  std::uint64_t fingerprints_deferred = 0;
  std::uint64_t fingerprints_paced = 0;
  std::uint64_t announced_for_room = 0;
};

class Session {
 public:
  // `own_key`: our handshake (static) public key. kInvalidArgument for capabilities PioCore
  // refuses (not read capabilities, another receiver, invalid) or bad core parameters.
  // The most Chunks in one payload message we send.
  static constexpr std::uint64_t kChunksPerMessage = 64;
  // The most payloads waiting to be pushed on the Data channel (each an entry and its token).
  static constexpr std::size_t kMaxPushes = 1024;
  static constexpr std::size_t kMaxLazyOverlaps = 4096;
  // The most entries waiting to be forwarded (each an Entry, about 0.2 KiB with a short path).
  static constexpr std::size_t kMaxForwards = 4096;
  // Received payload bytes are appended to the store in batches of this many (each append is a
  // durable write, on a helper thread while the next batch arrives; PayloadTransfer::
  // set_append_batch, set_background_appends): a killed process loses at most two batches.
  static constexpr std::size_t kPayloadAppendBatch = 4 * 1024 * 1024;

  static Result<std::unique_ptr<Session>> create(const SessionConfig& config,
                                                 const HandshakeResult& handshake,
                                                 const crypto::Ed25519PublicKey& own_key,
                                                 SessionStore store);

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
  // Whether the peer owes us something that would start reconciliation: its capability for an
  // overlap we found or announced (PioCore::overlaps_awaiting_peer), or, as Betty, the root
  // fingerprint of an overlap found (only Alfie starts roots). Honest peers send it soon; while
  // it is owed, a quiet session is not yet in sync. O(overlaps).
  bool awaiting_peer() const;

  // Asks the peer for `entry`'s payload (the entry must be stored) through the first overlap
  // whose both granted areas include it: a PayloadRequestBindRequest; the response is verified
  // into the store and ends with a PayloadReceivedEvent. nullopt when the store holds the payload
  // complete already. kNotFound when no overlap includes the entry; kOutOfRange when
  // PayloadRequestConfig::max_requests requests run (retry after one ends).
  Result<std::optional<std::uint64_t>> request_payload(const model::Entry& entry);

  // Live forwarding: the store gained `entry` (kInserted), or now holds its payload whole
  // (kPayloadAppended), through a change of `origin`. Entries this session's peer sent us
  // (Origin::remote(session_id)) and entries no overlap's intersected area includes are ignored
  // (an overlap found later is reconciled from a snapshot taken after this change). The rest
  // wait for their turn in a queue of at most kMaxForwards; each is looked up in the store when
  // sent (one overwritten or forgotten meanwhile is skipped: its successor is offered in turn).
  // A full queue drops the offer and sets forwarding_overflowed(): the node should end the
  // session and sync afresh, as reconciliation finds whatever was dropped.
  void offer_entry(const model::Entry& entry, const store::Origin& origin);
  bool forwarding_overflowed() const { return forwarding_overflowed_; }
  std::size_t queued_forwards() const { return forwards_.size(); }

  SyncRole role() const { return role_; }
  SessionStats stats() const {
    SessionStats s = stats_;
    s.widest_open_ranges = rbsr_->widest_open_range_count();
    s.fingerprints_deferred = rbsr_->fingerprints_deferred();
    s.fingerprints_paced = rbsr_->fingerprints_paced();
    s.announced_for_room = rbsr_->announced_for_room();
    return s;
  }
  std::size_t root_count() const { return rbsr_->root_count(); }
  std::size_t completed_root_count() const { return rbsr_->completed_root_count(); }
  bool failed() const { return !error_.is_ok(); }
  const Status& failure() const { return error_; }

  // Stores what verified and is not stored yet — RBSR's verified entries, then the payload bytes
  // not yet appended — as the destructor does; for a session whose connection ended, so that
  // what it stored is counted before its owner reports. Idempotent; give no more input after.
  void keep_verified();

  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  ~Session();

 private:
  class Lookup;
  class Context;
  struct Outgoing {
    std::optional<LogicalChannel> channel;  // nullopt: a global message
    Bytes bytes;
    std::uint8_t wait_for = 0;  // bit per LogicalChannel that must have no unsent bytes
  };

  Session(const SessionConfig& config, SyncRole role);

  Status fail(Status status);
  Status end_keeping_verified(Status cause);
  Status read_channels(LcmuxSession& mux);
  Status read_channel(LcmuxSession& mux, LogicalChannel channel);
  Status dispatch(LcmuxSession& mux, SyncMessage message);
  Status on_resource_handle_free(LcmuxSession& mux, const ResourceHandleFree& msg);
  // Checks and counts a received message's pair of read capability handles (the peer's, ours);
  // kDiscard when the message is to be dropped.
  Result<Disposition> check_capability_pair(const LcmuxSession& mux, std::uint64_t peer_handle,
                                            std::uint64_t own_handle);
  Status produce(LcmuxSession& mux);
  // Hands PIO's overlaps to RBSR (and events_).
  Status take_pio_events();
  // Hands RBSR's entry batches to SessionStore::ingest and its other events to events_.
  Status take_rbsr_events();
  // --- payloads (session_payloads.cpp)
  struct SendingPayload {
    model::Entry entry;
    std::uint64_t next_chunk = 0;
    std::uint64_t end_chunk = 0;
  };
  struct ReceivingPayload {
    model::Entry entry;
    std::uint64_t offset = 0;
    std::optional<PayloadTransfer> transfer;  // started at the first payload message
    std::uint64_t held_before = 0;            // payload bytes the store held at the start
    std::uint64_t counted_end = 0;            // SessionStats counts verified bytes up to here
    bool ignore = false;                      // the store cannot take these bytes
  };
  struct Push {
    meadowcap::PossiblyAuthorisedEntry entry;
    std::uint64_t offset = 0;  // the first Chunk the peer lacks
  };
  // Receiving: the entry whose payload bytes follow, its bytes, its end.
  void begin_receiving(std::optional<ReceivingPayload>& r, const model::Entry& entry,
                       std::uint64_t offset);
  Status receive_payload(std::optional<ReceivingPayload>& receiving, ByteView bytes);
  void end_receiving(std::optional<ReceivingPayload>& r);
  Status on_reconciliation_entry(const ReconciliationSendEntry& msg);
  Status on_data_entry(const DataSendEntry& msg);
  // Sending: whether `msg`'s payload follows it; whether to push the rest of an entry the peer
  // answered with; the next payload message of a transmission (ours in reconciliation, or a push).
  void plan_payload(const ReconciliationSendEntry& msg);
  Status plan_push(const LengthyEntry& theirs);
  Status start_push();
  Status queue_payload_message(std::optional<SendingPayload>& sending, bool data);
  Status take_request_events();
  // --- forwarding (session_forwarding.cpp)
  // Whether an overlap includes `entry`, and whether its payload may come along: when any
  // overlap including it lets it (within the peer's max_payload_power, and not lazy) — the
  // most permissive, as each overlap is a capability pair the peer proved and asked through.
  struct ForwardRoute {
    bool included = false;
    bool payload = false;
  };
  ForwardRoute forwarding_route(const model::Entry& entry) const;
  // Sends the next forwarded entry still stored (and its payload, by the rules above).
  Status start_forward();
  Status queue(const SyncMessage& message);
  void flush(LcmuxSession& mux);
  std::size_t queued_bytes(const LcmuxSession& mux) const;

  SyncRole role_;
  std::uint64_t session_id_;
  std::size_t max_queued_output_;
  std::size_t max_message_bytes_;
  std::size_t max_rbsr_backlog_;
  std::optional<PioCore> pio_;
  std::optional<RbsrCore> rbsr_;
  std::unique_ptr<Lookup> lookup_;
  std::optional<PayloadRequestCore> requests_;  // with SessionStore::payloads only
  std::unique_ptr<CodecContext> send_context_;
  std::unique_ptr<CodecContext> receive_context_;
  std::vector<PioOverlapEvent> overlaps_;  // the pairs a payload request may name (PIO bounds)
  // overlaps_ by namespace (indexes into it): a daemon's session has thousands of overlaps, and
  // every entry offered or requested looks only at its namespace's.
  std::multimap<model::NamespaceId, std::size_t> overlaps_by_namespace_;
  CodecState send_state_;     // mirrors the peer's receive state
  CodecState receive_state_;  // decodes the peer's messages

  SessionStore store_;
  std::vector<meadowcap::McCapability> own_capabilities_;  // our interests' areas
  // Capabilities of DataSendEntry tokens proven valid (RbsrCore has its own for reconciliation).
  meadowcap::VerifiedCapabilities data_verified_capabilities_;
  std::uint64_t max_blind_payload_;
  bool eager_pushes_;
  std::set<model::NamespaceId> lazy_namespaces_;
  // Our announcement being sent: the peer's ReadCapabilityHandle it names (whose
  // max_payload_power applies), and whether it asks for a response.
  std::uint64_t announcing_to_ = 0;
  bool announcing_want_response_ = false;
  // The peer's announcement being received: its ReadCapabilityHandle, whether it wants a response.
  std::uint64_t incoming_from_ = 0;
  std::uint64_t incoming_to_ = 0;  // our ReadCapabilityHandle it names
  bool incoming_want_response_ = false;
  // The overlaps (peer's handle, ours) whose payloads the peer asked us not to push
  // (DataSetEagerness with set_eager false); at most kMaxLazyOverlaps, beyond which we ignore the
  // request (it is not binding).
  std::set<std::pair<std::uint64_t, std::uint64_t>> lazy_overlaps_;
  std::optional<SendingPayload> sending_payload_;  // in reconciliation, after our entry
  std::deque<Push> pushes_;                        // at most kMaxPushes
  std::optional<SendingPayload> pushing_payload_;  // on the Data channel
  std::deque<model::Entry> forwards_;              // at most kMaxForwards
  bool forwarding_overflowed_ = false;
  bool prefer_push_ = false;                           // pushes and reconciliation take turns
  Bytes payload_buffer_;                               // the payload message being read
  std::optional<ReceivingPayload> receiving_payload_;  // reconciliation_current_entry's
  std::optional<ReceivingPayload> receiving_data_;     // data_current_entry's

  std::array<Bytes, kLogicalChannelCount> input_;  // channel bytes not yet decoded
  // Per channel, the bytes decoded in vain (incomplete) since the last whole message: bounded by
  // kRereadAllowance + kRereadFactor × the pending bytes (read_channel).
  std::array<std::uint64_t, kLogicalChannelCount> reread_{};
  static constexpr std::uint64_t kRereadAllowance = std::uint64_t{16} << 20;
  static constexpr std::uint64_t kRereadFactor = 64;
  bool discarding_announcement_ = false;  // a discarded announcement's stream follows
  bool sent_since_received_ = false;      // for SessionStats::round_trips
  std::deque<Outgoing> fifo_;
  std::size_t fifo_bytes_ = 0;
  std::deque<SessionEvent> events_;
  SessionStats stats_;
  Status error_ = Status::ok();
};

}  // namespace osier::sync
