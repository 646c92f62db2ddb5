#include "osier/meadowcap/authorisation.hpp"

#include "meadowcap/verified_capabilities.hpp"
#include "osier/model/encoding_entry.hpp"

namespace osier::meadowcap {

namespace {

// spec: meadowcap#meadowcap_is_authorised_write — every rule, with cap_valid decided by
// `validate` (the capability's own validate(), or VerifiedCapabilities::validate, which returns
// the same): the two entry points share this one function so that they cannot drift apart.
template <typename Validate>
Status check_authorised_write(const model::Entry& entry, const MeadowcapAuthorisationToken& token,
                              Validate&& validate) {
  const McCapability& cap = token.capability;
  // The cheap structural rules first; signatures last.
  if (cap.access_mode() != AccessMode::kWrite) {
    return error(ErrorCode::kVerification, "capability access mode is read, not write");
  }
  if (cap.granted_namespace() != entry.namespace_id) {
    return error(ErrorCode::kVerification,
                 "capability's granted namespace is not the entry's namespace");
  }
  if (!cap.granted_area().includes(entry)) {
    return error(ErrorCode::kVerification, "capability's granted area does not include the entry");
  }
  OSIER_RETURN_IF_ERROR(validate(cap));
  if (!crypto::ed25519_verify(cap.receiver(), model::encode_entry_bytes(entry), token.signature)) {
    return error(ErrorCode::kVerification,
                 "token signature is not the capability receiver's signature over the entry");
  }
  return Status::ok();
}

}  // namespace

Status meadowcap_check_authorised_write(const model::Entry& entry,
                                        const MeadowcapAuthorisationToken& token) {
  return check_authorised_write(entry, token,
                                [](const McCapability& cap) { return cap.validate(); });
}

Status meadowcap_check_authorised_write(const model::Entry& entry,
                                        const MeadowcapAuthorisationToken& token,
                                        VerifiedCapabilities& verified) {
  return check_authorised_write(entry, token,
                                [&](const McCapability& cap) { return verified.validate(cap); });
}

bool meadowcap_is_authorised_write(const model::Entry& entry,
                                   const MeadowcapAuthorisationToken& token) {
  return meadowcap_check_authorised_write(entry, token).is_ok();
}

Result<AuthorisedEntry> AuthorisedEntry::verify(PossiblyAuthorisedEntry candidate) {
  return verify(std::move(candidate.entry), std::move(candidate.token));
}

Result<AuthorisedEntry> AuthorisedEntry::verify(model::Entry entry,
                                                MeadowcapAuthorisationToken token) {
  OSIER_RETURN_IF_ERROR(meadowcap_check_authorised_write(entry, token));
  return AuthorisedEntry(std::move(entry), std::move(token));
}

Result<AuthorisedEntry> AuthorisedEntry::verify(PossiblyAuthorisedEntry candidate,
                                                VerifiedCapabilities& verified) {
  OSIER_RETURN_IF_ERROR(
      meadowcap_check_authorised_write(candidate.entry, candidate.token, verified));
  return AuthorisedEntry(std::move(candidate.entry), std::move(candidate.token));
}

Result<AuthorisedEntry> AuthorisedEntry::sign(model::Entry entry, McCapability capability,
                                              const crypto::Ed25519SecretKey& receiver_key) {
  if (receiver_key.public_key() != capability.receiver()) {
    return error(ErrorCode::kInvalidArgument, "the key is not the capability's receiver");
  }
  const UserSignature sig = receiver_key.sign(model::encode_entry_bytes(entry));
  return verify(std::move(entry), MeadowcapAuthorisationToken{std::move(capability), sig});
}

}  // namespace osier::meadowcap
