// Meadowcap enumeration capabilities: certify read access to arbitrary subspaces at some
// unspecified path, for private interest overlap detection.
// spec: private_interest_overlap#mc_enumeration_cap
#pragma once

#include <vector>

#include "osier/base/status.hpp"
#include "osier/meadowcap/types.hpp"

namespace osier::meadowcap {

// One step of an enumeration capability's chain: (new_user, new_signature).
struct EnumerationDelegation {
  UserPublicKey user{};
  UserSignature signature{};

  bool operator==(const EnumerationDelegation&) const = default;
};

// spec: private_interest_overlap#McEnumerationCapability
struct McEnumerationCapability {
  NamespacePublicKey namespace_key{};
  UserPublicKey user_key{};
  NamespaceSignature initial_authorisation{};
  std::vector<EnumerationDelegation> delegations;

  // The namespace's secret key signs the initial authorisation of `user_key`.
  static McEnumerationCapability create(const crypto::Ed25519SecretKey& namespace_secret,
                                        const UserPublicKey& user_key);

  // spec: private_interest_overlap#enumeration_receiver
  const UserPublicKey& receiver() const;
  // spec: private_interest_overlap#enumeration_granted_namespace
  const NamespacePublicKey& granted_namespace() const { return namespace_key; }

  // A copy with one more delegation to `new_user`. Fails with kInvalidArgument unless
  // receiver_key belongs to receiver().
  Result<McEnumerationCapability> delegate(const crypto::Ed25519SecretKey& receiver_key,
                                           const UserPublicKey& new_user) const;

  // spec: private_interest_overlap#enumeration_cap_valid — ok, or kVerification naming the rule.
  Status validate() const;
  bool is_valid() const { return validate().is_ok(); }

  bool operator==(const McEnumerationCapability&) const = default;
};

}  // namespace osier::meadowcap
