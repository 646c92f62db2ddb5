// Private encodings of read capabilities and enumeration capabilities, relative to what both
// peers already know, revealing nothing more: EncodeCommunalCapabilityRelativePrivateInterest,
// EncodeOwnedCapabilityRelativePrivateInterest, EncodeMcCapabilityRelativePrivateInterest,
// EncodeMcEnumerationCapabilityRelativePrivateInterest.
// spec: encodings#enc_private
//
// No canonic subsets; the encoders write the minimal count tags. Delegations are read one by one
// (each code is at least a signature long), so their number is bounded by the input.
#pragma once

#include <cstdint>

#include "osier/base/codec.hpp"
#include "osier/meadowcap/capability.hpp"
#include "osier/meadowcap/enumeration_capability.hpp"
#include "osier/model/encoding_private.hpp"

namespace osier::meadowcap {

// spec: encodings#PersonalPrivateInterest — a private interest and the user holding it.
struct PersonalPrivateInterest {
  model::PrivateInterest private_interest;
  UserPublicKey user{};

  bool operator==(const PersonalPrivateInterest&) const = default;
};

// How a capability's granted path may relate to the reference interest's path. The spec's
// relations need a prefix (the capability covers the interest). kPrefixOrExtension also admits a
// granted path that extends the interest's path: PIO encodes a capability relative to the
// interest both peers know, which can be less specific than the sender's (SPEC-NOTES Sync 23,
// docs/spec-notes.md). The codes are the same (the delegation areas' private path encoding
// already admits related paths); only the set of encodable capabilities grows.
enum class GrantedPathRule : std::uint8_t { kPrefix, kPrefixOrExtension };

// spec: encodings#enc_private_communal_capabilities. For read capabilities whose user is the
// interest's (specific) subspace, whose namespace is the interest's, whose granted area's path
// prefixes the interest's path and whose receiver is rel.user; kInvalidArgument otherwise.
Status encode_communal_capability_relative_private_interest(
    Encoder& enc, const CommunalCapability& cap, const PersonalPrivateInterest& rel,
    GrantedPathRule rule = GrantedPathRule::kPrefix);
Result<CommunalCapability> decode_communal_capability_relative_private_interest(
    Decoder& dec, const PersonalPrivateInterest& rel,
    GrantedPathRule rule = GrantedPathRule::kPrefix);

// spec: encodings#enc_private_owned_capabilities. For read capabilities of the interest's
// namespace whose granted area has the interest's subspace (when it names one), whose granted
// area's path prefixes the interest's path and whose receiver is rel.user.
Status encode_owned_capability_relative_private_interest(
    Encoder& enc, const OwnedCapability& cap, const PersonalPrivateInterest& rel,
    GrantedPathRule rule = GrantedPathRule::kPrefix);
Result<OwnedCapability> decode_owned_capability_relative_private_interest(
    Decoder& dec, const PersonalPrivateInterest& rel,
    GrantedPathRule rule = GrantedPathRule::kPrefix);

// spec: encodings#enc_private_mc_capabilities — the kind follows from is_communal(rel's namespace).
Status encode_mc_capability_relative_private_interest(
    Encoder& enc, const McCapability& cap, const PersonalPrivateInterest& rel,
    GrantedPathRule rule = GrantedPathRule::kPrefix);
Result<McCapability> decode_mc_capability_relative_private_interest(
    Decoder& dec, const PersonalPrivateInterest& rel,
    GrantedPathRule rule = GrantedPathRule::kPrefix);

// spec: encodings#enc_private_enumeration_capabilities — relative to the pair of the
// capability's namespace and its receiver.
struct EnumerationCapabilityContext {
  NamespacePublicKey namespace_key{};
  UserPublicKey receiver{};
};
Status encode_mc_enumeration_capability_relative_private_interest(
    Encoder& enc, const McEnumerationCapability& cap, const EnumerationCapabilityContext& rel);
Result<McEnumerationCapability> decode_mc_enumeration_capability_relative_private_interest(
    Decoder& dec, const EnumerationCapabilityContext& rel);

}  // namespace osier::meadowcap
