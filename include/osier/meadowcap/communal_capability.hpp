// Communal capabilities: access to one user's own subspace of a communal namespace, possibly
// delegated onwards and restricted along the way.
// spec: meadowcap#communal_capabilities
#pragma once

#include <vector>

#include "osier/base/status.hpp"
#include "osier/meadowcap/types.hpp"

namespace osier::meadowcap {

// spec: meadowcap#CommunalCapability
struct CommunalCapability {
  AccessMode access_mode = AccessMode::kRead;
  NamespacePublicKey namespace_key{};
  UserPublicKey user_key{};
  std::vector<Delegation> delegations;

  // A capability with no delegations: user_key's whole subspace. Needs no signature.
  static CommunalCapability create(AccessMode access_mode, const NamespacePublicKey& namespace_key,
                                   const UserPublicKey& user_key);

  // spec: meadowcap#communal_cap_receiver
  const UserPublicKey& receiver() const;
  // spec: meadowcap#communal_cap_granted_namespace
  const NamespacePublicKey& granted_namespace() const { return namespace_key; }
  // spec: meadowcap#communal_cap_granted_area (the subspace area of user_key when undelegated)
  model::Area granted_area() const;
  // The user whose subspace the capability is rooted in.
  const UserPublicKey& progenitor() const { return user_key; }

  // A copy with one more delegation to `new_user` for `new_area`, signed by `receiver_key`.
  // Fails with kInvalidArgument unless receiver_key belongs to receiver() and new_area is a
  // non-empty area within granted_area().
  Result<CommunalCapability> delegate(const crypto::Ed25519SecretKey& receiver_key,
                                      const model::Area& new_area,
                                      const UserPublicKey& new_user) const;

  // spec: meadowcap#communal_cap_valid — ok, or kVerification naming the broken rule.
  Status validate() const;
  bool is_valid() const { return validate().is_ok(); }
  // validate() where a capability with the same fields and the first `valid_prefix`
  // delegations is known valid: only the later delegations are checked.
  Status validate_after(std::size_t valid_prefix) const;

  bool operator==(const CommunalCapability&) const = default;
};

}  // namespace osier::meadowcap
