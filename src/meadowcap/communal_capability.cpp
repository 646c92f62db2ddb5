#include "osier/meadowcap/communal_capability.hpp"

#include "meadowcap/delegation_chain.hpp"

namespace osier::meadowcap {

namespace {

// The first handover starts with the access mode byte and the namespace.
// spec: meadowcap#communal_handover
struct CommunalHead {
  ByteArray<33> bytes{};
  explicit CommunalHead(const CommunalCapability& cap) {
    bytes[0] = cap.access_mode == AccessMode::kRead ? 0x00 : 0x01;
    for (std::size_t i = 0; i < 32; ++i) bytes[i + 1] = cap.namespace_key[i];
  }
};

detail::ChainStart chain_start(const CommunalCapability& cap, const CommunalHead& head) {
  return detail::ChainStart{
      "communal", model::Area::subspace_area(cap.user_key), cap.user_key, head.bytes, {}};
}

}  // namespace

const char* access_mode_name(AccessMode mode) {
  return mode == AccessMode::kRead ? "read" : "write";
}

CommunalCapability CommunalCapability::create(AccessMode access_mode,
                                              const NamespacePublicKey& namespace_key,
                                              const UserPublicKey& user_key) {
  return CommunalCapability{access_mode, namespace_key, user_key, {}};
}

const UserPublicKey& CommunalCapability::receiver() const {
  return delegations.empty() ? user_key : delegations.back().user;
}

model::Area CommunalCapability::granted_area() const {
  return delegations.empty() ? model::Area::subspace_area(user_key) : delegations.back().area;
}

Result<CommunalCapability> CommunalCapability::delegate(
    const crypto::Ed25519SecretKey& receiver_key, const model::Area& new_area,
    const UserPublicKey& new_user) const {
  const CommunalHead head(*this);
  OSIER_ASSIGN_OR_RETURN(
      Delegation d, detail::sign_delegation(chain_start(*this, head), delegations, receiver_key,
                                            new_area, new_user));
  CommunalCapability out = *this;
  out.delegations.push_back(std::move(d));
  return out;
}

// spec: meadowcap#communal_cap_valid
Status CommunalCapability::validate() const {
  const CommunalHead head(*this);
  return detail::validate_chain(chain_start(*this, head), delegations);
}

Status CommunalCapability::validate_after(std::size_t valid_prefix) const {
  const CommunalHead head(*this);
  return detail::validate_chain(chain_start(*this, head), delegations, valid_prefix);
}

}  // namespace osier::meadowcap
