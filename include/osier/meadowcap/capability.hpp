// McCapability: a communal or an owned capability, valid only for the matching namespace kind.
// spec: meadowcap#proper_capabilities
#pragma once

#include <variant>

#include "osier/meadowcap/communal_capability.hpp"
#include "osier/meadowcap/owned_capability.hpp"

namespace osier::meadowcap {

// spec: meadowcap#Capability
class McCapability {
 public:
  McCapability(CommunalCapability inner)
      : inner_(std::move(inner)) {}  // NOLINT(google-explicit-constructor)
  McCapability(OwnedCapability inner)
      : inner_(std::move(inner)) {}  // NOLINT(google-explicit-constructor)

  bool is_communal() const { return std::holds_alternative<CommunalCapability>(inner_); }
  // REQUIRES: is_communal() / !is_communal() respectively.
  const CommunalCapability& communal() const { return std::get<CommunalCapability>(inner_); }
  const OwnedCapability& owned() const { return std::get<OwnedCapability>(inner_); }
  const std::variant<CommunalCapability, OwnedCapability>& inner() const { return inner_; }

  AccessMode access_mode() const;
  const UserPublicKey& receiver() const;
  const NamespacePublicKey& granted_namespace() const;
  model::Area granted_area() const;
  const UserPublicKey& progenitor() const;
  std::size_t delegation_count() const;
  const std::vector<Delegation>& delegations() const;

  // Delegates the inner capability (see CommunalCapability::delegate).
  Result<McCapability> delegate(const crypto::Ed25519SecretKey& receiver_key,
                                const model::Area& new_area, const UserPublicKey& new_user) const;

  // spec: meadowcap#cap_valid — the inner capability is valid and its kind matches
  // is_communal(namespace). Ok, or kVerification naming the broken rule.
  Status validate() const;
  bool is_valid() const { return validate().is_ok(); }

  bool operator==(const McCapability&) const = default;

 private:
  std::variant<CommunalCapability, OwnedCapability> inner_;
};

}  // namespace osier::meadowcap
