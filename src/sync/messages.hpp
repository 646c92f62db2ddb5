// The 14 messages of Confidential Sync, as values. spec: confidential_sync#sync_messages
//
// Field names are the spec's. Payload bytes are views (ByteView): a decoded message points into
// the decoder's input, an encoded one into the caller's buffer. Encodings and the channel each
// message travels on: message_codec.hpp.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <variant>

#include "osier/base/bytes.hpp"
#include "osier/meadowcap/authorisation.hpp"
#include "osier/meadowcap/capability.hpp"
#include "osier/meadowcap/enumeration_capability.hpp"
#include "osier/model/range.hpp"
#include "sync/cs_channels.hpp"

namespace osier::sync {

// spec: willow25#willow25_cs_general — interest_hash_length is 32.
inline constexpr std::size_t kInterestHashLength = 32;
using InterestHash = ByteArray<kInterestHashLength>;
// spec: willow25#willow25_cs_encoding — a Fingerprint is a WILLIAM3 digest, encoded as itself.
using Fingerprint = ByteArray<32>;

// spec: confidential_sync#PioBindHash (binds an OverlapHandle)
struct PioBindHash {
  InterestHash hash{};
  bool actually_interested = false;
  bool operator==(const PioBindHash&) const = default;
};

// spec: confidential_sync#PioAnnounceOverlap. The authentication is a salted interest hash
// (private_interest_overlap#announcement_authentication), interest_hash_length bytes.
struct PioAnnounceOverlap {
  std::uint64_t sender_handle = 0;
  std::uint64_t receiver_handle = 0;
  InterestHash authentication{};
  std::optional<meadowcap::McEnumerationCapability> enumeration_capability;
  bool operator==(const PioAnnounceOverlap&) const = default;
};

// spec: confidential_sync#PioBindReadCapability (binds a ReadCapabilityHandle)
struct PioBindReadCapability {
  std::uint64_t sender_handle = 0;
  std::uint64_t receiver_handle = 0;
  meadowcap::McCapability capability;
  std::uint64_t max_count = 0;
  std::uint64_t max_size = 0;
  std::uint8_t max_payload_power = 0;
  bool operator==(const PioBindReadCapability&) const = default;
};

// spec: confidential_sync#RangeInfo. root_id: nullopt is root_id_none (a root message); a set
// root id is non-zero (0 encodes none).
struct RangeInfo {
  std::optional<std::uint64_t> root_id;
  model::D3Range range;
  std::uint64_t sender_handle = 0;
  std::uint64_t receiver_handle = 0;
  bool operator==(const RangeInfo&) const = default;
};

// spec: confidential_sync#ReconciliationSendFingerprint
struct ReconciliationSendFingerprint {
  RangeInfo info;
  Fingerprint fingerprint{};
  bool operator==(const ReconciliationSendFingerprint&) const = default;
};

// spec: confidential_sync#ReconciliationAnnounceEntries (no fingerprint: SPEC-NOTES Sync 11)
struct ReconciliationAnnounceEntries {
  RangeInfo info;
  bool is_empty = false;
  bool want_response = false;
  bool will_sort = false;
  bool operator==(const ReconciliationAnnounceEntries&) const = default;
};

// spec: rbsr#LengthyAuthorisedEntry — an entry, its token, and how many payload bytes the sender
// holds. Received tokens are unverified here (PossiblyAuthorisedEntry); the node verifies them.
struct LengthyEntry {
  meadowcap::PossiblyAuthorisedEntry entry;
  std::uint64_t available = 0;
  bool operator==(const LengthyEntry&) const = default;
};

// spec: confidential_sync#ReconciliationSendEntry
struct ReconciliationSendEntry {
  LengthyEntry entry;
  std::uint64_t offset = 0;
  bool operator==(const ReconciliationSendEntry&) const = default;
};

// Equality of views compares the bytes.
inline bool same_bytes(ByteView a, ByteView b) { return std::ranges::equal(a, b); }

// spec: confidential_sync#ReconciliationSendPayload
struct ReconciliationSendPayload {
  std::uint64_t amount = 0;
  ByteView bytes;
  bool operator==(const ReconciliationSendPayload& o) const {
    return amount == o.amount && same_bytes(bytes, o.bytes);
  }
};

// spec: confidential_sync#ReconciliationTerminatePayload
struct ReconciliationTerminatePayload {
  bool is_final = false;
  bool operator==(const ReconciliationTerminatePayload&) const = default;
};

// spec: confidential_sync#DataSendEntry
struct DataSendEntry {
  meadowcap::PossiblyAuthorisedEntry entry;
  std::uint64_t offset = 0;
  bool operator==(const DataSendEntry&) const = default;
};

// spec: confidential_sync#DataSendPayload
struct DataSendPayload {
  std::uint64_t amount = 0;
  ByteView bytes;
  bool operator==(const DataSendPayload& o) const {
    return amount == o.amount && same_bytes(bytes, o.bytes);
  }
};

// spec: confidential_sync#DataSetEagerness
struct DataSetEagerness {
  std::uint64_t sender_handle = 0;
  std::uint64_t receiver_handle = 0;
  bool set_eager = false;
  bool operator==(const DataSetEagerness&) const = default;
};

// spec: confidential_sync#PayloadRequestBindRequest (binds a PayloadRequestHandle; no offset:
// responses start at Chunk 0, SPEC-NOTES Sync 12)
struct PayloadRequestBindRequest {
  model::NamespaceId namespace_id{};
  model::SubspaceId subspace_id{};
  model::Path path;
  model::PayloadDigest payload_digest{};
  std::uint64_t sender_handle = 0;
  std::uint64_t receiver_handle = 0;
  bool operator==(const PayloadRequestBindRequest&) const = default;
};

// spec: confidential_sync#PayloadRequestSendResponse (its own message, SPEC-NOTES Sync 12)
struct PayloadRequestSendResponse {
  std::uint64_t handle = 0;
  std::uint64_t amount = 0;
  ByteView bytes;
  bool operator==(const PayloadRequestSendResponse& o) const {
    return handle == o.handle && amount == o.amount && same_bytes(bytes, o.bytes);
  }
};

// spec: confidential_sync#ResourceHandleFree
struct ResourceHandleFree {
  HandleType handle_type = HandleType::kOverlap;
  bool mine = false;
  std::uint64_t handle_id = 0;
  std::uint64_t reference_count = 0;
  bool operator==(const ResourceHandleFree&) const = default;
};

using SyncMessage =
    std::variant<PioBindHash, PioAnnounceOverlap, PioBindReadCapability,
                 ReconciliationSendFingerprint, ReconciliationAnnounceEntries,
                 ReconciliationSendEntry, ReconciliationSendPayload, ReconciliationTerminatePayload,
                 DataSendEntry, DataSendPayload, DataSetEagerness, PayloadRequestBindRequest,
                 PayloadRequestSendResponse, ResourceHandleFree>;

// The message kinds, in the order of SyncMessage's alternatives.
enum class SyncMessageKind : std::uint8_t {
  kPioBindHash,
  kPioAnnounceOverlap,
  kPioBindReadCapability,
  kReconciliationSendFingerprint,
  kReconciliationAnnounceEntries,
  kReconciliationSendEntry,
  kReconciliationSendPayload,
  kReconciliationTerminatePayload,
  kDataSendEntry,
  kDataSendPayload,
  kDataSetEagerness,
  kPayloadRequestBindRequest,
  kPayloadRequestSendResponse,
  kResourceHandleFree,
};
inline constexpr std::size_t kSyncMessageKindCount = 14;

inline SyncMessageKind message_kind(const SyncMessage& m) {
  return static_cast<SyncMessageKind>(m.index());
}
const char* message_kind_name(SyncMessageKind kind);

// The logical channel a message travels on, or nullopt for the global messages (PioAnnounceOverlap,
// DataSetEagerness, ResourceHandleFree). spec: confidential_sync#sync_encodings (each
// sync_msg_enc_* section names its channel)
std::optional<LogicalChannel> message_channel(SyncMessageKind kind);

}  // namespace osier::sync
