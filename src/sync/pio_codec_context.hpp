// The CodecContext of one direction of a session, answered from PIO's state and handle tables:
// what the codec encodes our messages relative to (sending) or decodes the peer's relative to
// (receiving). spec: confidential_sync#sync_encodings
//
// Holds a reference to the core (which must outlive it); not thread-safe, as the core.
#pragma once

#include <cstdint>
#include <optional>

#include "sync/decoder_state.hpp"
#include "sync/pio.hpp"

namespace osier::sync {

class PioCodecContext : public CodecContext {
 public:
  PioCodecContext(const PioCore& pio, bool sending) : pio_(pio), sending_(sending) {}

  Result<meadowcap::EnumerationCapabilityContext> enumeration_capability_reference(
      std::uint64_t s, std::uint64_t r) override {
    return sending_ ? pio_.enumeration_reference_for_sending(s, r)
                    : pio_.enumeration_reference_for_receiving(s, r);
  }
  Result<meadowcap::PersonalPrivateInterest> read_capability_reference(std::uint64_t s,
                                                                       std::uint64_t r) override {
    return sending_ ? pio_.read_capability_reference_for_sending(s, r)
                    : pio_.read_capability_reference_for_receiving(s, r);
  }
  // SPEC-NOTES Sync 13: the namespace of the capabilities bound to the pair (sender's handle,
  // receiver's handle); both must be bound and of one namespace.
  std::optional<model::NamespaceId> announced_namespace(std::uint64_t s, std::uint64_t r) override {
    const meadowcap::McCapability* own = pio_.own_capability(sending_ ? s : r);
    const PioCore::PeerCapability* peer = pio_.peer_capability(sending_ ? r : s);
    if (own == nullptr || peer == nullptr) return std::nullopt;
    if (own->granted_namespace() != peer->capability.granted_namespace()) return std::nullopt;
    return own->granted_namespace();
  }
  // No payload requests here; a session with them overrides this.
  PayloadCursor* payload_request(std::uint64_t) override { return nullptr; }

 private:
  const PioCore& pio_;
  bool sending_;
};

}  // namespace osier::sync
