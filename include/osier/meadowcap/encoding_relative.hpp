// Relative encodings of write capabilities and authorisation tokens, relative to the previously
// transmitted capability and the entry being authorised: EncodeCommunalCapabilityRelative,
// EncodeOwnedCapabilityRelative, EncodeMeadowcapAuthorisationTokenRelative.
// spec: encodings#enc_authorisation_tokens
//
// These relations have no canonic subset. The encoders write the shortest code: they share the
// longest common delegation prefix with the prior capability (SPEC-NOTES). A code only reaches
// as far as the input; delegations shared with the prior capability are bounded by it.
#pragma once

#include "osier/base/codec.hpp"
#include "osier/meadowcap/authorisation.hpp"

namespace osier::meadowcap {

// spec: encodings#encsec_EncodeCommunalCapabilityRelative. Relative to (prior_cap, entry).
// Fails with kInvalidArgument outside the relation: cap or prior_cap not of access mode write,
// cap's namespace not the entry's, cap's granted area not including the entry, or cap's user not
// the entry's subspace (the code carries no user, SPEC-NOTES).
Status encode_communal_capability_relative(Encoder& enc, const CommunalCapability& cap,
                                           const McCapability& prior_cap,
                                           const model::Entry& entry);
Result<CommunalCapability> decode_communal_capability_relative(Decoder& dec,
                                                               const McCapability& prior_cap,
                                                               const model::Entry& entry);

// spec: encodings#encsec_EncodeOwnedCapabilityRelative. Relative to (prior_cap, entry).
Status encode_owned_capability_relative(Encoder& enc, const OwnedCapability& cap,
                                        const McCapability& prior_cap, const model::Entry& entry);
Result<OwnedCapability> decode_owned_capability_relative(Decoder& dec,
                                                         const McCapability& prior_cap,
                                                         const model::Entry& entry);

// spec: encodings#encsec_EncodeMeadowcapAuthorisationTokenRelative. The spec's reference is
// (prior authorised entry, entry); only the prior entry's token takes part in the code.
Status encode_meadowcap_authorisation_token_relative(Encoder& enc,
                                                     const MeadowcapAuthorisationToken& token,
                                                     const MeadowcapAuthorisationToken& prior_token,
                                                     const model::Entry& entry);
Result<MeadowcapAuthorisationToken> decode_meadowcap_authorisation_token_relative(
    Decoder& dec, const MeadowcapAuthorisationToken& prior_token, const model::Entry& entry);

inline Status encode_meadowcap_authorisation_token_relative(
    Encoder& enc, const MeadowcapAuthorisationToken& token, const AuthorisedEntry& prior,
    const model::Entry& entry) {
  return encode_meadowcap_authorisation_token_relative(enc, token, prior.token(), entry);
}
inline Result<MeadowcapAuthorisationToken> decode_meadowcap_authorisation_token_relative(
    Decoder& dec, const AuthorisedEntry& prior, const model::Entry& entry) {
  return decode_meadowcap_authorisation_token_relative(dec, prior.token(), entry);
}

}  // namespace osier::meadowcap
