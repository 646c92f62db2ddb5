// Explicit payload requests of Confidential Sync: the sans-IO core of one session side, both as
// requester (binds PayloadRequestHandles, verifies and stores the responses) and as responder
// (serves the peer's requests from the store, a bounded number of Chunks per message).
// spec: confidential_sync#sync_payloads, confidential_sync#sync_payload_request,
// confidential_sync#PayloadRequestBindRequest, confidential_sync#PayloadRequestSendResponse,
// confidential_sync#ResourceHandleFree, lcmux#resources_handles_managing
//
// Handles. A PayloadRequestHandle is bound by the requester (PayloadRequestBindRequest), so each
// side has two books: the handles WE bound (our requests; Binder::kUs) and those the PEER bound
// (the requests we serve; Binder::kPeer). Their ids are numbered independently. A
// PayloadRequestSendResponse names the handle of the request it answers, i.e. one bound by the
// requester: the responses we send name handles of the peer's book, those we receive name
// handles of ours. Hence the two CodecContext::payload_request answers the session gives:
//   encoding a response we polled        -> cursor_for_sending(handle)   (peer-bound handle)
//   decoding a response the peer sent    -> cursor_for_receiving(handle) (handle we bound)
// ResourceHandleFree's `mine` is from its sender's point of view (true: the sender bound it). So
// we free our requests with mine = true and the peer's with mine = false, and a received free
// with mine = true names a peer-bound handle (a request we serve), mine = false one of ours.
//
// Readings (SPEC-NOTES Sync 12, 13, 17, 21):
//   - Responses start at Chunk 0 (the bind carries no offset) and are their own message; a
//     request is answered by the payload's Chunks in order (payload_chunks.hpp), any number per
//     message (we send at most config.chunks_per_message).
//   - Both handles of a bind must name capabilities of one namespace, the message's: else error.
//   - The page says each granted area "must contain" the requested subspace and path: a request
//     outside either is an error (kRequestOutsideAreaIsError, the one place of this reading). The
//     entry's timestamp is not in the message: an entry outside either granted area in time is
//     not served ("must not reply").
//   - The responder gives up (no such entry with that digest, the entry not within both granted
//     areas, the payload not held complete, or the store losing it mid-way) by freeing the handle
//     (mine = false). This version serves complete payloads only. The requester frees its handle
//     once the payload is complete (or it cancels); a peer's free is answered with our own free
//     (lcmux#resources_handles_managing), the requester's answering free makes the request over.
//     The requester reports a give-up (kUnavailable) only once every response the peer counted
//     in its free has arrived (LCMUX may deliver the global free before channel bytes sent
//     earlier; a streamed response counts once it arrived whole), so no verified byte is lost.
//
// Consumes (from the session): our requests (request, cancel); the peer's decoded
// PayloadRequestBindRequests (on_bind_request, after the session checked and counted the two
// ReadCapabilityHandles it names in PIO's books, or on_bind_request_discarded when SPEC-NOTES
// Sync 9 has it discard the message); responses, whole (on_send_response) or streamed
// (on_response_head with decode_payload_head's head, then feed_response_bytes with the message's
// bytes in pieces of any size, then the session calls commit_payload_head before any other call
// into the core; other messages, say a global free, may be handled between the pieces);
// ResourceHandleFrees of type PayloadRequest (on_resource_handle_free). Reads capabilities through
// ReadCapabilityLookup (the session answers from PIO's handle tables), the store for the entries
// and payloads it serves (Store::get, payload_state, send_payload_chunks), and writes verified
// payload bytes through PayloadTransfer (Store::append_verified, origin config.origin).
// Emits: messages (poll_message: PayloadRequestBindRequest on the PayloadRequest channel,
// PayloadRequestSendResponse on the Data channel, ResourceHandleFree global; message_channel in
// messages.hpp) and events (poll_event: a request of ours completed or is unavailable).
// The session polls messages when LCMUX has room (backpressure is the session's): responses
// are produced lazily, one per poll, round-robin over the requests being served. Every polled
// message must be encoded (and sent) before any other call into the core: encoding a response
// advances the sending cursor (which a later call may drop with its deleted handle), and its
// bytes are valid only until the next poll. When the session sends a
// PayloadRequestBindRequest it counts the two ReadCapabilityHandles it names (PIO's books).
//
// Errors. kInvalidArgument when the peer broke the protocol (the session ends): a bind beyond
// config.peer_max_requests live peer-bound handles; a bind whose handles name no capability,
// capabilities of different namespaces, or a namespace, subspace or path outside them; a
// response naming a handle we did not bind or that is fully freed, or referencing it beyond the
// peer's final count, or with bytes past the payload's last Chunk; a free of a handle that is not
// live. kVerification when response bytes do not verify against the digest (the bytes verified
// before stay stored). Store errors pass through (kNotFound from the store while serving is a
// give-up, not an error). After any of these the core stays failed: every later call returns
// the same error. Local misuse is kInvalidArgument and changes nothing (the core does not fail):
// requesting with unknown capability handles or outside their areas, feeding bytes without a
// head, a free of another handle type; request() also returns kOutOfRange at max_requests live
// handles of ours (retry after completions) and the store's kNotFound when it lacks the entry.
//
// Memory: per live handle of ours (at most max_requests, including those awaiting the peer's
// answering free) an entry and a cursor, plus, while its transfer runs, a PayloadTransfer (the
// Bab verifier ~60 KiB, one path of labels, at most PayloadTransfer::kStep + 1024 bytes waiting
// to be appended); per live peer-bound handle (at most peer_max_requests) an entry and a cursor,
// no payload bytes. One response buffer of at most max_response_bytes(chunks_per_message)
// bytes, reused. The message queue holds at most one bind per request of ours and one free per
// live handle; the event queue one event per request of ours not yet polled. Not thread-safe;
// one core per session side. Sans-IO: the store calls are the only I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <variant>

#include "osier/base/bytes.hpp"
#include "osier/base/status.hpp"
#include "osier/meadowcap/capability.hpp"
#include "osier/model/entry.hpp"
#include "osier/store/store.hpp"
#include "osier/store/types.hpp"
#include "sync/decoder_state.hpp"
#include "sync/handles.hpp"
#include "sync/message_codec.hpp"
#include "sync/messages.hpp"
#include "sync/payload_transfer.hpp"

namespace osier::sync {

// The reading of "the granted_area ... must contain the subspace_id and path" (see the top).
inline constexpr bool kRequestOutsideAreaIsError = true;

struct PayloadRequestConfig {
  std::size_t max_requests = 16;          // live handles we bound (>= 1)
  std::size_t peer_max_requests = 64;     // live handles the peer may bind (>= 1); beyond: error
  std::uint64_t chunks_per_message = 64;  // Chunks per response we send (>= 1): 64 KiB + labels
  store::Origin origin;                   // the origin of the payload bytes we append
};

// The capabilities bound to ReadCapabilityHandles; nullptr when the handle is not live.
class ReadCapabilityLookup {
 public:
  virtual ~ReadCapabilityLookup() = default;
  // Our capability bound to our handle `handle`.
  virtual const meadowcap::McCapability* own(std::uint64_t handle) const = 0;
  // The peer's capability bound to the peer's handle `handle`.
  virtual const meadowcap::McCapability* peer(std::uint64_t handle) const = 0;
};

using PayloadRequestMessage =
    std::variant<PayloadRequestBindRequest, PayloadRequestSendResponse, ResourceHandleFree>;

enum class PayloadRequestOutcome : std::uint8_t {
  kCompleted,    // the store holds the payload complete
  kUnavailable,  // the peer gave up (or we cancelled); verified bytes received stay stored
};

// The end of a request of ours.
struct PayloadRequestEvent {
  std::uint64_t handle = 0;  // our PayloadRequestHandle
  model::Entry entry;
  PayloadRequestOutcome outcome = PayloadRequestOutcome::kCompleted;
  std::uint64_t verified_end = 0;  // payload bytes verified by this request's transfer
};

// The largest response we send with `chunks` Chunks per message: `chunks` data chunks and the
// labels a run of that many Chunks can carry (at most two per chunk plus two per tree level).
constexpr std::uint64_t max_response_bytes(std::uint64_t chunks) {
  return chunks * 1024 + (2 * chunks + 2 * 64) * 32;
}

class PayloadRequestCore {
 public:
  // `store` and `capabilities` must outlive the core. kInvalidArgument for a zero limit.
  static Result<PayloadRequestCore> create(const PayloadRequestConfig& config, store::Store& store,
                                           const ReadCapabilityLookup& capabilities);

  // --- Requester.
  // Requests `entry`'s payload (the entry must be stored) under our ReadCapabilityHandle
  // `own_capability` and the peer's `peer_capability`, whose granted areas must both include
  // the entry, in its namespace. Binds a PayloadRequestHandle (never optimistically) and queues
  // its PayloadRequestBindRequest; the transfer verifies from Chunk 0 (held bytes are checked,
  // not appended again). Returns the handle, or nullopt when the store holds the payload
  // complete already (nothing is sent, no event).
  Result<std::optional<std::uint64_t>> request(const model::Entry& entry,
                                               std::uint64_t own_capability,
                                               std::uint64_t peer_capability);
  // Gives up a request of ours that is still running: frees the handle; responses still
  // arriving are counted and ignored; event kUnavailable. kInvalidArgument if not running.
  Status cancel(std::uint64_t handle);
  // A decoded PayloadRequestSendResponse (the codec asked cursor_for_receiving).
  Status on_send_response(const PayloadRequestSendResponse& msg);
  // Streaming: the head of a PayloadRequestSendResponse (decode_payload_head), then its
  // head.length payload bytes in pieces. REQUIRES: a head's bytes are all fed before the next
  // head (one message at a time: the Data channel is one stream).
  Status on_response_head(const PayloadHead& head);
  Status feed_response_bytes(std::uint64_t handle, ByteView piece);

  // --- Responder.
  // A decoded PayloadRequestBindRequest of the peer.
  Status on_bind_request(const PayloadRequestBindRequest& msg);
  // A PayloadRequestBindRequest the session discarded (SPEC-NOTES Sync 9): its id is taken and
  // freed at once.
  Status on_bind_request_discarded();

  // --- Both.
  // A received ResourceHandleFree of type PayloadRequest. `binding_channel_dropping`: whether
  // our LCMUX server is dropping on the PayloadRequest channel (HandleBook::on_peer_free).
  Status on_resource_handle_free(const ResourceHandleFree& msg, bool binding_channel_dropping);

  // The next message to send, or nullopt. A response's bytes point into the core's buffer,
  // valid until the next call. Frees and binds go before responses.
  Result<std::optional<PayloadRequestMessage>> poll_message();
  std::optional<PayloadRequestEvent> poll_event();

  // For CodecContext::payload_request (see the top): nullptr when the handle has no cursor.
  PayloadCursor* cursor_for_sending(std::uint64_t peer_handle);
  PayloadCursor* cursor_for_receiving(std::uint64_t own_handle);

  bool failed() const { return !error_.is_ok(); }
  const Status& status() const { return error_; }
  // Live handles (tests, memory accounting).
  const HandleBook& own_book() const { return own_book_; }
  const HandleBook& peer_book() const { return peer_book_; }
  // Requests of the peer we are serving (not finished, not given up).
  std::size_t serving_count() const;
  // The response buffer's capacity: never above max_response_bytes(chunks_per_message).
  std::size_t buffer_capacity() const { return buffer_.capacity(); }

 private:
  // A request of ours, from binding until its handle is deleted.
  struct Request {
    model::Entry entry;
    PayloadCursor cursor;                     // the codec's, for decoding responses
    std::optional<PayloadTransfer> transfer;  // while it runs
    std::optional<std::uint64_t> peer_final;  // the peer's free: its final reference count
    std::uint64_t received = 0;               // responses counted
    std::uint64_t verified_end = 0;           // as of its end
    bool ended = false;                       // its event was emitted
  };
  // A request of the peer's, from binding until its handle is deleted.
  struct Serving {
    model::Entry entry;
    PayloadCursor cursor;  // the codec's, for encoding responses
    std::uint64_t next_chunk = 0;
    std::uint64_t chunk_count = 0;
    bool active = false;  // responses remain to be sent
  };
  enum class Verdict : std::uint8_t { kServe, kGiveUp };

  PayloadRequestCore(const PayloadRequestConfig& config, store::Store& store,
                     const ReadCapabilityLookup& capabilities);

  Status fail(Status status);
  // The peer's request checked against the capabilities; `entry` is what the store holds.
  Result<Verdict> judge(const PayloadRequestBindRequest& msg, std::optional<model::Entry>& entry);
  // Takes the id of the peer's next binding, within peer_max_requests.
  Result<std::uint64_t> bind_peer(bool discarded);
  // Frees a peer-bound handle (mine = false): we will not serve it (further).
  Status give_up(std::uint64_t peer_handle);
  // Frees our handle (mine = true) unless we did already.
  Status free_own_if_bound(std::uint64_t handle);
  // After a response or a free of ours: completion, or the peer's give-up once every response
  // it counted arrived.
  Status settle(std::uint64_t handle);
  void end(std::uint64_t handle, Request& r, PayloadRequestOutcome outcome);
  Status feed(std::uint64_t handle, ByteView bytes);
  Status check_response(std::uint64_t handle);
  // Drops the records of deleted handles. Not within a streamed response: the session's
  // commit_payload_head may still ask for its cursor after the last bytes.
  void sweep();
  Result<std::optional<PayloadRequestMessage>> next_response();
  // REQUIRES: !messages_.empty().
  std::optional<PayloadRequestMessage> pop_message();

  PayloadRequestConfig config_;
  store::Store* store_;
  const ReadCapabilityLookup* capabilities_;
  HandleBook own_book_;
  HandleBook peer_book_;
  std::map<std::uint64_t, Request> requests_;
  std::map<std::uint64_t, Serving> serving_;
  std::deque<std::uint64_t> serve_order_;  // peer handles with responses to send, round-robin
  // The streamed response being fed: its handle and bytes still to come.
  std::optional<std::pair<std::uint64_t, std::uint64_t>> streaming_;
  std::deque<PayloadRequestMessage> messages_;
  std::deque<PayloadRequestEvent> events_;
  Bytes buffer_;
  Status error_ = Status::ok();
};

}  // namespace osier::sync
