// What the Confidential Sync message codec needs besides the bytes: the state a receiver keeps
// for decoding (and its sender mirrors, to encode relative to it), the lookups it asks of the
// session (handle-bound values), and how an encoder picks among the valid codes.
// spec: confidential_sync#sync_encode_rec, confidential_sync#sync_reconciliation,
// confidential_sync#sync_data
//
// One CodecState per direction of a session: the receiver decodes with it, the sender encodes
// with its own copy, and both copies go through the same transitions (the message_codec
// functions), so they stay equal. The root-id counter of a direction is that of the peer sending
// in it (alfies_range_counter or betties_range_counter); the other counter belongs to the other
// direction's state.
//
// Memory: two entries, three ranges and a few counters (the entries' paths and capabilities are
// bounded by the decoders that produced them). Not thread-safe.
#pragma once

#include <cstdint>
#include <optional>

#include "osier/base/status.hpp"
#include "osier/meadowcap/authorisation.hpp"
#include "osier/meadowcap/encoding_private_capability.hpp"
#include "osier/model/range.hpp"

namespace osier::sync {

// spec: confidential_sync#sync_protocol — Alfie initiated the session, Betty accepted it.
enum class SyncRole : std::uint8_t { kAlfie, kBetty };

// Where a payload transmission stands: the payload's length (which fixes its Chunks) and the
// index of the next Chunk to arrive.
struct PayloadCursor {
  std::uint64_t payload_length = 0;
  std::uint64_t next_chunk = 0;
  bool operator==(const PayloadCursor&) const = default;
};

// The bytes of the next `amount` Chunks at `cursor` (SPEC-NOTES Sync 17); kInvalidArgument if
// they run past the payload's last Chunk (amount 0 is always 0 bytes), kOutOfRange if their
// length exceeds 2^64 - 1.
Result<std::uint64_t> payload_message_length(const PayloadCursor& cursor, std::uint64_t amount);

// Where the reconciliation entry stream of a direction stands (SPEC-NOTES Sync 14; the page:
// after ReconciliationAnnounceEntries, per entry one ReconciliationSendEntry, any number of
// ReconciliationSendPayload, exactly one ReconciliationTerminatePayload).
enum class ReconciliationPhase : std::uint8_t {
  kIdle,        // no announcement open: only ReconciliationAnnounceEntries
  kAwaitEntry,  // a non-empty announcement is open: only ReconciliationSendEntry
  kInEntry,     // after ReconciliationSendEntry: SendPayload or TerminatePayload
};

struct CodecState {
  // `sender`: the peer whose messages this state decodes.
  explicit CodecState(SyncRole sender);

  // spec: confidential_sync#sync_encode_rec — both start as full_3d_range(least_subspace_id)
  // (least_subspace_id: 32 zero bytes, SPEC-NOTES Sync 25).
  model::D3Range previously_received_fingerprint_3drange;
  model::D3Range previously_received_itemset_3drange;
  // The granted namespace of the preceding ReconciliationAnnounceEntries (SPEC-NOTES Sync 13):
  // what the context said for its handles; nullopt before any, or if its handles were not bound.
  std::optional<model::NamespaceId> announced_namespace;
  ReconciliationPhase reconciliation_phase = ReconciliationPhase::kIdle;

  // spec: confidential_sync#reconciliation_current_entry, #data_current_entry — both start as
  // willow25's default entry with the default authorisation token (SPEC-NOTES Sync 16).
  meadowcap::PossiblyAuthorisedEntry reconciliation_current_entry;
  PayloadCursor reconciliation_payload;
  meadowcap::PossiblyAuthorisedEntry data_current_entry;
  PayloadCursor data_payload;

  // spec: confidential_sync#sync_reconciliation — alfies_range_counter starts at 1,
  // betties_range_counter at 2; each root message takes the counter's value, then adds 2.
  std::uint64_t next_root_message_id = 1;
  // The root_message_id of the last root message of this direction (nullopt before any).
  std::optional<std::uint64_t> last_root_message_id;

  bool operator==(const CodecState&) const = default;
};

// The values bound to handles that some encodings are relative to; the session answers from its
// handle tables and PIO state. Encoding and decoding a message ask the same questions with the
// same handles (each side answers from its own tables).
class CodecContext {
 public:
  virtual ~CodecContext() = default;

  // PioAnnounceOverlap with an enumeration capability: the (granted namespace, receiver) pair it
  // is encoded relative to (spec: confidential_sync#sync_msg_enc_PioAnnounceOverlap).
  virtual Result<meadowcap::EnumerationCapabilityContext> enumeration_capability_reference(
      std::uint64_t sender_handle, std::uint64_t receiver_handle) = 0;

  // PioBindReadCapability: the PersonalPrivateInterest its capability is encoded relative to:
  // the sender's key and the shared interest of the overlap the handles name (SPEC-NOTES Sync 23,
  // pio_shared_interest in private_interest.hpp; PioCore::read_capability_reference_for_*).
  virtual Result<meadowcap::PersonalPrivateInterest> read_capability_reference(
      std::uint64_t sender_handle, std::uint64_t receiver_handle) = 0;

  // ReconciliationAnnounceEntries: the granted namespace of the read capabilities bound to its
  // handles (SPEC-NOTES Sync 13), or nullopt if they are not bound (the message is then
  // discarded or an error, SPEC-NOTES Sync 9: the session's decision).
  virtual std::optional<model::NamespaceId> announced_namespace(std::uint64_t sender_handle,
                                                                std::uint64_t receiver_handle) = 0;

  // PayloadRequestSendResponse: the transfer of the live PayloadRequestHandle `handle` (bound by
  // the requester), or nullptr if there is none. The codec advances its next_chunk.
  virtual PayloadCursor* payload_request(std::uint64_t handle) = 0;
};

// How an encoder chooses among the valid codes of a message. Encoders given none write the
// shortest code (minimal compact U64 tags, arbitrary bits 0); tests and fuzzers pass others to
// produce every valid code.
class CodeChooser {
 public:
  virtual ~CodeChooser() = default;
  // A tag of `width` bits valid for n (c64_is_tag_for(n, tag, width) must hold).
  virtual unsigned c64_tag(std::uint64_t n, unsigned width) = 0;
  // The value of `count` bits the encoding leaves arbitrary.
  virtual unsigned arbitrary_bits(unsigned count) = 0;
  // ReconciliationSendEntry when both of its entry codes apply: true for the one relative to the
  // current entry; nullopt for the shorter.
  virtual std::optional<bool> relative_to_entry() = 0;
};

}  // namespace osier::sync
