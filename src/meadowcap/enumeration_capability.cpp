#include "osier/meadowcap/enumeration_capability.hpp"

#include <string>

#include "osier/base/codec.hpp"

namespace osier::meadowcap {

namespace {

// spec: private_interest_overlap#enumeration_cap_valid (the byte 0x04, then the user)
ByteArray<33> initial_message(const UserPublicKey& user) {
  ByteArray<33> msg{};
  msg[0] = 0x04;
  for (std::size_t i = 0; i < 32; ++i) msg[i + 1] = user[i];
  return msg;
}

// spec: private_interest_overlap#enumcap_handover — the previous signature (the initial
// authorisation for the first delegation), then the new user.
ByteArray<96> handover(const McEnumerationCapability& cap, std::size_t count,
                       const UserPublicKey& new_user) {
  const UserSignature& prev =
      count == 0 ? cap.initial_authorisation : cap.delegations[count - 1].signature;
  ByteArray<96> out{};
  for (std::size_t i = 0; i < 64; ++i) out[i] = prev[i];
  for (std::size_t i = 0; i < 32; ++i) out[64 + i] = new_user[i];
  return out;
}

const UserPublicKey& receiver_after(const McEnumerationCapability& cap, std::size_t count) {
  return count == 0 ? cap.user_key : cap.delegations[count - 1].user;
}

}  // namespace

McEnumerationCapability McEnumerationCapability::create(
    const crypto::Ed25519SecretKey& namespace_secret, const UserPublicKey& user_key) {
  return McEnumerationCapability{namespace_secret.public_key(),
                                 user_key,
                                 namespace_secret.sign(initial_message(user_key)),
                                 {}};
}

const UserPublicKey& McEnumerationCapability::receiver() const {
  return receiver_after(*this, delegations.size());
}

Result<McEnumerationCapability> McEnumerationCapability::delegate(
    const crypto::Ed25519SecretKey& receiver_key, const UserPublicKey& new_user) const {
  if (receiver_key.public_key() != receiver()) {
    return error(ErrorCode::kInvalidArgument,
                 "delegation must be signed by the enumeration capability's receiver");
  }
  McEnumerationCapability out = *this;
  out.delegations.push_back(
      {new_user, receiver_key.sign(handover(*this, delegations.size(), new_user))});
  return out;
}

// spec: private_interest_overlap#enumeration_cap_valid
Status McEnumerationCapability::validate() const {
  if (!crypto::ed25519_verify(namespace_key, initial_message(user_key), initial_authorisation)) {
    return error(ErrorCode::kVerification,
                 "enumeration capability: initial authorisation is not the namespace key's "
                 "signature over the user");
  }
  for (std::size_t i = 0; i < delegations.size(); ++i) {
    if (!crypto::ed25519_verify(receiver_after(*this, i), handover(*this, i, delegations[i].user),
                                delegations[i].signature)) {
      return error(ErrorCode::kVerification,
                   "enumeration capability delegation " + std::to_string(i) +
                       ": signature is not the previous receiver's signature over the handover");
    }
  }
  return Status::ok();
}

}  // namespace osier::meadowcap
