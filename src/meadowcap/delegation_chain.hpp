// The delegation chain that communal and owned capabilities share: the handover bytes each
// delegation signs, and the validity of a chain. Internal to the capability types.
// spec: meadowcap#communal_cap_valid, meadowcap#owned_cap_valid
#pragma once

#include <span>
#include <string>

#include "osier/base/codec.hpp"
#include "osier/meadowcap/types.hpp"

namespace osier::meadowcap::detail {

// What a chain starts from. The first handover is `first_head`, then
// encode_area_in_area(new_area, area), then `first_signature`, then the new user: for a communal
// capability the head is the access-mode byte and the namespace and there is no signature; for
// an owned one the head is empty and the signature is the initial authorisation.
struct ChainStart {
  const char* kind;  // "communal" or "owned", for error messages
  model::Area area;  // the granted area before any delegation
  UserPublicKey receiver{};
  ByteView first_head;
  ByteView first_signature;
};

// spec: meadowcap#communal_handover, meadowcap#owned_handover — the bytes that the receiver of
// the chain's first `count` delegations signs to add `new_area`/`new_user`.
// REQUIRES: count <= chain.size(). Fails with kInvalidArgument when the previous granted area
// does not include new_area (then there is no handover: encode_area_in_area is undefined).
Status write_handover(Encoder& out, const ChainStart& start, std::span<const Delegation> chain,
                      std::size_t count, const model::Area& new_area,
                      const UserPublicKey& new_user);

// Checks every delegation in order: its area is a valid area that the previous granted area
// includes, and its signature is the previous receiver's over the handover. The Status message
// names the delegation (0-based) and the rule that failed. From delegation `first` on: the ones
// before it are known valid (a prefix of a chain checked before).
Status validate_chain(const ChainStart& start, std::span<const Delegation> chain,
                      std::size_t first = 0);

// The granted area / receiver after the whole chain.
const model::Area& chain_granted_area(const ChainStart& start, std::span<const Delegation> chain);
const UserPublicKey& chain_receiver(const ChainStart& start, std::span<const Delegation> chain);

// Signs a new delegation with the current receiver's key. Fails with kInvalidArgument when the key
// is not the receiver's or new_area is not included in the granted area.
Result<Delegation> sign_delegation(const ChainStart& start, std::span<const Delegation> chain,
                                   const crypto::Ed25519SecretKey& receiver_key,
                                   const model::Area& new_area, const UserPublicKey& new_user);

}  // namespace osier::meadowcap::detail
