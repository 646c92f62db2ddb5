#include "osier/meadowcap/owned_capability.hpp"

#include "meadowcap/delegation_chain.hpp"

namespace osier::meadowcap {

namespace {

detail::ChainStart chain_start(const OwnedCapability& cap) {
  return detail::ChainStart{
      "owned", model::Area::full(), cap.user_key, {}, cap.initial_authorisation};
}

}  // namespace

// spec: meadowcap#owned_initial
ByteArray<33> owned_initial_authorisation_message(AccessMode access_mode,
                                                  const UserPublicKey& user_key) {
  ByteArray<33> msg{};
  msg[0] = access_mode == AccessMode::kRead ? 0x02 : 0x03;
  for (std::size_t i = 0; i < 32; ++i) msg[i + 1] = user_key[i];
  return msg;
}

OwnedCapability OwnedCapability::create(const crypto::Ed25519SecretKey& namespace_secret,
                                        AccessMode access_mode, const UserPublicKey& user_key) {
  return OwnedCapability{
      access_mode,
      namespace_secret.public_key(),
      user_key,
      namespace_secret.sign(owned_initial_authorisation_message(access_mode, user_key)),
      {}};
}

const UserPublicKey& OwnedCapability::receiver() const {
  return delegations.empty() ? user_key : delegations.back().user;
}

model::Area OwnedCapability::granted_area() const {
  return delegations.empty() ? model::Area::full() : delegations.back().area;
}

Result<OwnedCapability> OwnedCapability::delegate(const crypto::Ed25519SecretKey& receiver_key,
                                                  const model::Area& new_area,
                                                  const UserPublicKey& new_user) const {
  OSIER_ASSIGN_OR_RETURN(Delegation d, detail::sign_delegation(chain_start(*this), delegations,
                                                               receiver_key, new_area, new_user));
  OwnedCapability out = *this;
  out.delegations.push_back(std::move(d));
  return out;
}

// spec: meadowcap#owned_cap_valid
Status OwnedCapability::validate() const {
  if (!crypto::ed25519_verify(namespace_key,
                              owned_initial_authorisation_message(access_mode, user_key),
                              initial_authorisation)) {
    return error(ErrorCode::kVerification,
                 "owned capability: initial authorisation is not the namespace key's signature "
                 "over the access mode and user");
  }
  return detail::validate_chain(chain_start(*this), delegations);
}

Status OwnedCapability::validate_after(std::size_t valid_prefix) const {
  // The initial authorisation is a field of the valid capability: valid.
  return detail::validate_chain(chain_start(*this), delegations, valid_prefix);
}

}  // namespace osier::meadowcap
