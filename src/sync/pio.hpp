// Private interest overlap: the sans-IO core of one session side. It declares our interests as
// salted hashes, detects overlaps with the peer's, authenticates announcements, exchanges read
// capabilities, and reports each pair of bound read capabilities that reconciliation can start
// roots from. spec: private_interest_overlap#pio_pio, #pio_caps, #dealing_with_awkwardness;
// confidential_sync#sync_pio_messages
//
// Consumes: our read capabilities (each declares the interest private_interest_of(capability),
// SPEC-NOTES Sync 25; narrower interests are declared with narrow_read_capability first), our
// enumeration capabilities, the final handshake hash, our role and both handshake keys; then the
// peer's decoded PioBindHash, PioAnnounceOverlap and PioBindReadCapability messages, in the order
// they arrived. Emits: the messages to send, in order (poll_message; the session encodes them
// with the *_reference functions below and sends them in that order, since handle ids are
// assigned here), and PioOverlapEvents (poll_event).
//
// The protocol, per pair of our interest o and a peer's hashed interest (kinds in PioOverlapKind):
//   equal                      both detect; both send their capability at once.
//   o strictly more specific   we detect and announce (authentication: sync_h(our salt, the
//                              peer's interest)); the peer answers with its capability, we then
//                              with ours.
//   o strictly less specific   the peer announces; we verify and send ours; the peer answers.
//   same path, o `any`         both detect; we send first (SPEC-NOTES Sync 24).
//   same path, o concrete      both detect; we answer the peer's capability.
//   awkward, o `any`           we announce with our enumeration capability for the namespace
//                              (none: we do nothing) and the relaxation's hash; then as above.
//   awkward, o concrete        the peer announces to our relaxation's handle; we verify the
//                              enumeration capability (valid, receiver = the peer's key, our
//                              namespace) and send ours.
// Whoever receives a capability for an overlap answers with its own if it has not yet; a
// capability arriving "early" is accepted too (so a peer following the page's literal order for
// the same-path case also works). Each overlap is named by one pair of handles, those through
// which it was detected or announced, in every message about it (docs/spec-notes.md, "PIO: the
// handles of an overlap"); our capability is encoded relative to pio_shared_interest.
//
// Errors (a received message the peer may not send; the session ends): a handle never bound or
// beyond its count (handles.hpp, with binding channels never dropping here), more than
// max_peer_hashes / max_peer_capabilities live bindings, a wrong announcement authentication, an
// enumeration capability missing from an announcement to a relaxation's handle, present in any
// other, invalid, or not the peer's or our namespace's; a capability for an overlap neither
// detected nor announced, whose receiver is not the peer's handshake key, that is invalid, that
// is not the interest the peer bound (its private interest does not hash to the sender handle's
// hash), or that the shared interest does not include. All kInvalidArgument. After an error the
// core stays failed: every later call returns the same error.
//
// Bounds: overlaps beyond max_overlaps are not pursued (detections and announcements past it are
// ignored: no answer is owed; a capability the peer sends for one it kept is bound and left
// unanswered, see refused_overlap). Memory: our hash table (pio_hashes.hpp), at most
// max_peer_hashes peer hashes (33 bytes and a handle record each), max_peer_capabilities peer
// capabilities (each as large as the decoder admitted; together at most max_peer_capability_bytes),
// max_overlaps overlap records; the output queues hold at most two messages per overlap plus our
// bindings, and one event per peer capability.
//
// Handle freeing, hopeful bindings and dropped channels are the session's: it reaches the four
// handle tables through the accessors. Not thread-safe; one core per session.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <utility>
#include <variant>
#include <vector>

#include "osier/meadowcap/capability.hpp"
#include "osier/meadowcap/encoding_private_capability.hpp"
#include "osier/meadowcap/enumeration_capability.hpp"
#include "osier/model/area.hpp"
#include "sync/decoder_state.hpp"
#include "sync/handles.hpp"
#include "sync/messages.hpp"
#include "sync/pio_hashes.hpp"
#include "sync/private_interest.hpp"

namespace osier::sync {

struct PioConfig {
  SyncRole role = SyncRole::kAlfie;
  ByteArray<32> handshake_hash{};       // pio_rnd (HandshakeResult::h)
  meadowcap::UserPublicKey own_key{};   // our handshake key: the receiver of our capabilities
  meadowcap::UserPublicKey peer_key{};  // the peer's: the receiver its capabilities must have
  std::size_t max_own_hashes = 1024;    // our OverlapHandles; interests beyond are not declared
  std::size_t max_peer_hashes = 1024;   // OverlapHandles the peer may hold bound
  // ReadCapabilityHandles the peer may hold bound: as many as the overlaps we may record, so that
  // a peer with a higher max_overlaps, which sends its capability first for the equal overlaps it
  // records (refused_overlap), fits too (their memory is bounded below in bytes).
  std::size_t max_peer_capabilities = 4096;
  // Their memory together (PioCore::capability_bytes: the delegations' areas, keys, signatures):
  // a capability may be as large as a message, so the count alone would let a peer hold 1024
  // MiB here (a daemon's 32,768 handles: 32 GiB). Honest ones take a few hundred bytes each.
  std::size_t max_peer_capability_bytes = std::size_t{32} << 20;
  std::size_t max_overlaps = 4096;
  // What our PioBindReadCapability messages declare (confidential_sync#PioBindReadCapability).
  std::uint64_t max_count = model::AreaOfInterest::kNoLimit;
  std::uint64_t max_size = model::AreaOfInterest::kNoLimit;
  std::uint8_t max_payload_power = 64;
  // Per namespace, instead of max_payload_power (the node's download policy: a namespace whose
  // payloads are fetched lazily declares 0).
  std::map<model::NamespaceId, std::uint8_t> max_payload_power_of;

  std::uint8_t payload_power(const model::NamespaceId& ns) const {
    const auto it = max_payload_power_of.find(ns);
    return it == max_payload_power_of.end() ? max_payload_power : it->second;
  }
};

using PioMessage = std::variant<PioBindHash, PioAnnounceOverlap, PioBindReadCapability>;

// A pair of bound read capabilities whose granted areas intersect: reconciliation starts a root
// from it (only Alfie, confidential_sync#PioBindReadCapability).
struct PioOverlapEvent {
  std::uint64_t own_capability = 0;   // ReadCapabilityHandle we bound
  std::uint64_t peer_capability = 0;  // ReadCapabilityHandle the peer bound
  model::NamespaceId namespace_id{};
  model::Area area;  // the intersection of the two granted areas (never empty)
  std::uint64_t peer_max_count = 0;
  std::uint64_t peer_max_size = 0;
  std::uint8_t peer_max_payload_power = 0;
  bool operator==(const PioOverlapEvent&) const = default;
};

// How an overlap came about, from our side (see the table above).
enum class PioOverlapKind : std::uint8_t {
  kEqual,
  kOwnMoreSpecific,
  kPeerMoreSpecific,
  kSamePathOwnAny,
  kSamePathOwnConcrete,
  kAwkwardOwnAny,
  kAwkwardOwnConcrete,
};

class PioCore {
 public:
  // Checks our capabilities (read access, receiver == own_key, valid) and enumeration
  // capabilities (receiver == own_key, valid); kInvalidArgument otherwise. Queues our
  // PioBindHash messages: interests ordered by their ini_salt hash (private_interest_overlap
  // #pio_caps, resource limits), as many as max_own_hashes admits.
  static Result<PioCore> create(const PioConfig& config,
                                std::vector<meadowcap::McCapability> capabilities,
                                std::vector<meadowcap::McEnumerationCapability> enumeration = {});

  // The peer's messages, decoded. See the header comment for what each may produce.
  Status on_bind_hash(const PioBindHash& msg);
  Status on_announce_overlap(const PioAnnounceOverlap& msg);
  Status on_bind_read_capability(const PioBindReadCapability& msg);

  std::optional<PioMessage> poll_message();
  std::optional<PioOverlapEvent> poll_event();

  // What the codec encodes relative to (CodecContext): for our messages (handles: ours, then the
  // peer's) and for the peer's (handles: the peer's, then ours). kInvalidArgument for handles
  // that name no overlap / no binding of ours.
  Result<meadowcap::PersonalPrivateInterest> read_capability_reference_for_sending(
      std::uint64_t sender_handle, std::uint64_t receiver_handle) const;
  Result<meadowcap::PersonalPrivateInterest> read_capability_reference_for_receiving(
      std::uint64_t sender_handle, std::uint64_t receiver_handle) const;
  Result<meadowcap::EnumerationCapabilityContext> enumeration_reference_for_sending(
      std::uint64_t sender_handle, std::uint64_t receiver_handle) const;
  Result<meadowcap::EnumerationCapabilityContext> enumeration_reference_for_receiving(
      std::uint64_t sender_handle, std::uint64_t receiver_handle) const;

  // The value of a peer's live ReadCapabilityHandle, or nullptr.
  struct PeerCapability {
    meadowcap::McCapability capability;
    std::uint64_t max_count = 0;
    std::uint64_t max_size = 0;
    std::uint8_t max_payload_power = 0;
  };
  const PeerCapability* peer_capability(std::uint64_t handle) const {
    return peer_capabilities_.get(handle);
  }
  // About the memory a bound capability of the peer's holds (max_peer_capability_bytes).
  static std::size_t capability_bytes(const PeerCapability& c);
  // Our capability bound to our ReadCapabilityHandle `handle`, or nullptr.
  const meadowcap::McCapability* own_capability(std::uint64_t handle) const;
  // The kind of the overlap named by (our handle, the peer's handle), if any.
  std::optional<PioOverlapKind> overlap_kind(std::uint64_t own_handle,
                                             std::uint64_t peer_handle) const;

  // Overlaps for which we sent our capability or our announcement and the peer's capability has
  // not come yet: an honest peer sends it (the table above), so the overlap's reconciliation is
  // still to start. A peer that never does leaves them waiting; callers bound how long they wait.
  std::size_t overlaps_awaiting_peer() const;

  // Our private interests, in the order of the capabilities given to create.
  const std::vector<PrivateInterest>& interests() const { return interests_; }
  const PioSalts& salts() const { return salts_; }
  bool failed() const { return !error_.is_ok(); }

  // The session's access to the handle tables (frees, guarantees, drops).
  struct OwnHash {
    std::size_t interest = 0;
    PrivateInterest hashed;  // the interest, or its relaxation
    bool actually_interested = true;
  };
  HandleTable<OwnHash>& own_hashes() { return own_hashes_; }
  HandleTable<PioBindHash>& peer_hashes() { return peer_hashes_; }
  HandleTable<std::size_t>& own_capabilities() { return own_capabilities_; }
  HandleTable<PeerCapability>& peer_capabilities() { return peer_capabilities_; }

 private:
  using OverlapKey = std::pair<std::uint64_t, std::uint64_t>;  // (our handle, peer's handle)
  struct Overlap {
    std::size_t interest = 0;
    PrivateInterest shared;  // pio_shared_interest: what the capabilities are encoded relative to
    PioOverlapKind kind = PioOverlapKind::kEqual;
    std::optional<std::uint64_t> own_capability;
    bool announced = false;  // we sent a PioAnnounceOverlap for it
    std::vector<std::uint64_t> peer_capabilities;
  };

  PioCore(const PioConfig& config, std::vector<meadowcap::McCapability> capabilities);

  Status fail(Status status);
  Status check_and_count(std::uint64_t peer_handle, std::uint64_t own_handle);
  Status reference_both(const OverlapKey& key);
  // A detection from the local table (private_interest_overlap#pio_pio, the last paragraph).
  Status on_match(std::uint64_t peer_handle, const PioLocalEntry& entry, bool peer_interested);
  // What a match of the peer's hash (peer_handle) with our entry is: the overlap's key, our
  // interest, the shared interest and the kind; nullopt when it is none we pursue.
  struct Detection {
    OverlapKey key;
    std::size_t interest = 0;
    PrivateInterest shared;
    PioOverlapKind kind = PioOverlapKind::kEqual;
  };
  std::optional<Detection> detect(std::uint64_t peer_handle, const PioLocalEntry& entry,
                                  bool peer_interested) const;
  // The shared interest of an overlap we found but did not record (max_overlaps reached), found
  // again from the handles; nullopt when we never refused one, or the handles are no overlap we
  // would find of a kind whose capability the peer sends first (equal, or same-path with us the
  // concrete side). A peer whose limit is higher sends its capability for such an overlap: we
  // bind it (so that handles stay in step; within max_peer_capabilities) and leave it
  // unanswered, where an error would end a session over the overlaps both did record.
  std::optional<PrivateInterest> refused_overlap(std::uint64_t own_handle,
                                                 std::uint64_t peer_handle) const;
  // Records a new overlap; nullptr if max_overlaps is reached.
  Overlap* add_overlap(const OverlapKey& key, std::size_t interest, PrivateInterest shared,
                       PioOverlapKind kind);
  Status announce(const OverlapKey& key, const Overlap& overlap,
                  std::optional<meadowcap::McEnumerationCapability> enumeration);
  // Binds and queues our capability for the overlap (once), and the events it completes.
  Status send_capability(const OverlapKey& key, Overlap& overlap);
  void emit_event(const Overlap& overlap, std::uint64_t own, std::uint64_t peer);

  PioConfig config_;
  PioSalts salts_;
  std::vector<meadowcap::McCapability> capabilities_;
  std::vector<PrivateInterest> interests_;
  std::map<model::NamespaceId, meadowcap::McEnumerationCapability> enumeration_;
  PioHashTable table_;
  // Per interest: our OverlapHandles for it and for its relaxation (nullopt: not bound).
  std::vector<std::optional<std::uint64_t>> true_handle_;
  std::vector<std::optional<std::uint64_t>> relaxation_handle_;

  HandleTable<OwnHash> own_hashes_;
  HandleTable<PioBindHash> peer_hashes_;
  HandleTable<std::size_t> own_capabilities_;  // the interest whose capability was bound
  HandleTable<PeerCapability> peer_capabilities_;
  std::map<OverlapKey, Overlap> overlaps_;
  bool refused_overlaps_ = false;  // add_overlap found max_overlaps reached

  std::deque<PioMessage> messages_;
  std::deque<PioOverlapEvent> events_;
  Status error_ = Status::ok();
};

}  // namespace osier::sync
