// Owned capabilities: access granted by a namespace's key pair to a user, for the whole
// namespace, possibly delegated onwards and restricted along the way.
// spec: meadowcap#owned_capabilities
#pragma once

#include <vector>

#include "osier/base/status.hpp"
#include "osier/meadowcap/types.hpp"

namespace osier::meadowcap {

// spec: meadowcap#OwnedCapability
struct OwnedCapability {
  AccessMode access_mode = AccessMode::kRead;
  NamespacePublicKey namespace_key{};
  UserPublicKey user_key{};
  NamespaceSignature initial_authorisation{};
  std::vector<Delegation> delegations;

  // A capability with no delegations for `user_key`; the namespace's secret key signs the
  // initial authorisation (the namespace id is that key's public key).
  static OwnedCapability create(const crypto::Ed25519SecretKey& namespace_secret,
                                AccessMode access_mode, const UserPublicKey& user_key);

  // spec: meadowcap#owned_cap_receiver
  const UserPublicKey& receiver() const;
  // spec: meadowcap#owned_cap_granted_namespace
  const NamespacePublicKey& granted_namespace() const { return namespace_key; }
  // spec: meadowcap#owned_cap_granted_area (the full area when undelegated)
  model::Area granted_area() const;
  // The user the namespace authorised first.
  const UserPublicKey& progenitor() const { return user_key; }

  // A copy with one more delegation to `new_user` for `new_area`, signed by `receiver_key`.
  // Fails with kInvalidArgument unless receiver_key belongs to receiver() and new_area is a
  // non-empty area within granted_area().
  Result<OwnedCapability> delegate(const crypto::Ed25519SecretKey& receiver_key,
                                   const model::Area& new_area,
                                   const UserPublicKey& new_user) const;

  // spec: meadowcap#owned_cap_valid — ok, or kVerification naming the broken rule.
  Status validate() const;
  bool is_valid() const { return validate().is_ok(); }
  // validate() where a capability with the same fields (initial authorisation included) and the
  // first `valid_prefix` delegations (REQUIRES: at most all) is known valid: only the later
  // delegations are checked.
  Status validate_after(std::size_t valid_prefix) const;

  bool operator==(const OwnedCapability&) const = default;
};

// spec: meadowcap#owned_initial — the bytes the namespace signs to authorise `user_key`.
ByteArray<33> owned_initial_authorisation_message(AccessMode access_mode,
                                                  const UserPublicKey& user_key);

}  // namespace osier::meadowcap
