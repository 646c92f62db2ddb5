// The registry of Meadowcap's encoding relations (capabilities, authorisation tokens, private
// encodings), and kEncodingRelations: the data model's and Meadowcap's relations together, the
// table `osier codec` serves and the relation-property tests walk.
// spec: encodings#enc_capabilities, encodings#enc_authorisation_tokens, encodings#enc_private
#pragma once

#include <tuple>

#include "osier/meadowcap/authorisation.hpp"
#include "osier/meadowcap/encoding_capability.hpp"
#include "osier/meadowcap/encoding_private_capability.hpp"
#include "osier/meadowcap/encoding_relative.hpp"
#include "osier/model/encoding_relation.hpp"
#include "osier/model/encoding_relations.hpp"
#include "osier/model/entry.hpp"

namespace osier::meadowcap {

using model::EncodingRelation;
using model::NoReference;

// [prior capability, entry]: the reference of EncodeCommunalCapabilityRelative and
// EncodeOwnedCapabilityRelative.
struct CapabilityRelativeReference {
  McCapability prior;
  model::Entry entry;

  bool operator==(const CapabilityRelativeReference&) const = default;
};

// The reference of EncodeMeadowcapAuthorisationTokenRelative, [[prior entry, prior token],
// entry], without the prior entry: it takes no part in the code.
struct TokenRelativeReference {
  MeadowcapAuthorisationToken prior;
  model::Entry entry;

  bool operator==(const TokenRelativeReference&) const = default;
};

inline constexpr EncodingRelation<CommunalCapability> kEncodeCommunalCapability{
    "EncodeCommunalCapability",
    "encodings#encsec_EncodeCommunalCapability",
    true,
    "capability (communal)",
    "",
    [](Encoder& e, const CommunalCapability& v, const NoReference&) {
      return encode_communal_capability(e, v);
    },
    [](Decoder& d, const NoReference&, DecodeMode m) { return decode_communal_capability(d, m); }};

inline constexpr EncodingRelation<OwnedCapability> kEncodeOwnedCapability{
    "EncodeOwnedCapability",
    "encodings#encsec_EncodeOwnedCapability",
    true,
    "capability (owned)",
    "",
    [](Encoder& e, const OwnedCapability& v, const NoReference&) {
      return encode_owned_capability(e, v);
    },
    [](Decoder& d, const NoReference&, DecodeMode m) { return decode_owned_capability(d, m); }};

inline constexpr EncodingRelation<McCapability> kEncodeMcCapability{
    "EncodeMcCapability",
    "encodings#encsec_McCapability",
    true,
    "capability",
    "",
    [](Encoder& e, const McCapability& v, const NoReference&) {
      return encode_mc_capability(e, v);
    },
    [](Decoder& d, const NoReference&, DecodeMode m) { return decode_mc_capability(d, m); }};

inline constexpr EncodingRelation<McEnumerationCapability> kEncodeMcEnumerationCapability{
    "EncodeMcEnumerationCapability",
    "encodings#encsec_EncodeEnumerationCapability",
    false,
    "enumeration capability",
    "",
    [](Encoder& e, const McEnumerationCapability& v, const NoReference&) {
      encode_mc_enumeration_capability(e, v);
      return Status::ok();
    },
    [](Decoder& d, const NoReference&, DecodeMode) { return decode_mc_enumeration_capability(d); }};

inline constexpr EncodingRelation<CommunalCapability, CapabilityRelativeReference>
    kEncodeCommunalCapabilityRelative{
        "EncodeCommunalCapabilityRelative",
        "encodings#encsec_EncodeCommunalCapabilityRelative",
        false,
        "capability (communal, write)",
        "[prior capability (write), entry]",
        [](Encoder& e, const CommunalCapability& v, const CapabilityRelativeReference& ref) {
          return encode_communal_capability_relative(e, v, ref.prior, ref.entry);
        },
        [](Decoder& d, const CapabilityRelativeReference& ref, DecodeMode) {
          return decode_communal_capability_relative(d, ref.prior, ref.entry);
        }};

inline constexpr EncodingRelation<OwnedCapability, CapabilityRelativeReference>
    kEncodeOwnedCapabilityRelative{
        "EncodeOwnedCapabilityRelative",
        "encodings#encsec_EncodeOwnedCapabilityRelative",
        false,
        "capability (owned, write)",
        "[prior capability (write), entry]",
        [](Encoder& e, const OwnedCapability& v, const CapabilityRelativeReference& ref) {
          return encode_owned_capability_relative(e, v, ref.prior, ref.entry);
        },
        [](Decoder& d, const CapabilityRelativeReference& ref, DecodeMode) {
          return decode_owned_capability_relative(d, ref.prior, ref.entry);
        }};

inline constexpr EncodingRelation<MeadowcapAuthorisationToken, TokenRelativeReference>
    kEncodeMeadowcapAuthorisationTokenRelative{
        "EncodeMeadowcapAuthorisationTokenRelative",
        "encodings#encsec_EncodeMeadowcapAuthorisationTokenRelative",
        false,
        "token",
        "[[prior entry, prior token], entry]",
        [](Encoder& e, const MeadowcapAuthorisationToken& v, const TokenRelativeReference& ref) {
          return encode_meadowcap_authorisation_token_relative(e, v, ref.prior, ref.entry);
        },
        [](Decoder& d, const TokenRelativeReference& ref, DecodeMode) {
          return decode_meadowcap_authorisation_token_relative(d, ref.prior, ref.entry);
        }};

inline constexpr EncodingRelation<CommunalCapability, PersonalPrivateInterest>
    kEncodeCommunalCapabilityRelativePrivateInterest{
        "EncodeCommunalCapabilityRelativePrivateInterest",
        "encodings#enc_private_communal_capabilities",
        false,
        "capability (communal, read)",
        "PersonalPrivateInterest {private_interest, user}",
        [](Encoder& e, const CommunalCapability& v, const PersonalPrivateInterest& ref) {
          return encode_communal_capability_relative_private_interest(e, v, ref);
        },
        [](Decoder& d, const PersonalPrivateInterest& ref, DecodeMode) {
          return decode_communal_capability_relative_private_interest(d, ref);
        }};

inline constexpr EncodingRelation<OwnedCapability, PersonalPrivateInterest>
    kEncodeOwnedCapabilityRelativePrivateInterest{
        "EncodeOwnedCapabilityRelativePrivateInterest",
        "encodings#enc_private_owned_capabilities",
        false,
        "capability (owned, read)",
        "PersonalPrivateInterest {private_interest, user}",
        [](Encoder& e, const OwnedCapability& v, const PersonalPrivateInterest& ref) {
          return encode_owned_capability_relative_private_interest(e, v, ref);
        },
        [](Decoder& d, const PersonalPrivateInterest& ref, DecodeMode) {
          return decode_owned_capability_relative_private_interest(d, ref);
        }};

inline constexpr EncodingRelation<McCapability, PersonalPrivateInterest>
    kEncodeMcCapabilityRelativePrivateInterest{
        "EncodeMcCapabilityRelativePrivateInterest",
        "encodings#enc_private_mc_capabilities",
        false,
        "capability (read)",
        "PersonalPrivateInterest {private_interest, user}",
        [](Encoder& e, const McCapability& v, const PersonalPrivateInterest& ref) {
          return encode_mc_capability_relative_private_interest(e, v, ref);
        },
        [](Decoder& d, const PersonalPrivateInterest& ref, DecodeMode) {
          return decode_mc_capability_relative_private_interest(d, ref);
        }};

inline constexpr EncodingRelation<McEnumerationCapability, EnumerationCapabilityContext>
    kEncodeMcEnumerationCapabilityRelativePrivateInterest{
        "EncodeMcEnumerationCapabilityRelativePrivateInterest",
        "encodings#enc_private_enumeration_capabilities",
        false,
        "enumeration capability",
        "[namespace, receiver]",
        [](Encoder& e, const McEnumerationCapability& v, const EnumerationCapabilityContext& ref) {
          return encode_mc_enumeration_capability_relative_private_interest(e, v, ref);
        },
        [](Decoder& d, const EnumerationCapabilityContext& ref, DecodeMode) {
          return decode_mc_enumeration_capability_relative_private_interest(d, ref);
        }};

// Every Meadowcap relation, in the order of the encodings page.
inline constexpr std::tuple kMeadowcapEncodingRelations{
    kEncodeCommunalCapability,
    kEncodeOwnedCapability,
    kEncodeMcCapability,
    kEncodeMcEnumerationCapability,
    kEncodeCommunalCapabilityRelative,
    kEncodeOwnedCapabilityRelative,
    kEncodeMeadowcapAuthorisationTokenRelative,
    kEncodeCommunalCapabilityRelativePrivateInterest,
    kEncodeOwnedCapabilityRelativePrivateInterest,
    kEncodeMcCapabilityRelativePrivateInterest,
    kEncodeMcEnumerationCapabilityRelativePrivateInterest};

// The data model's relations, then Meadowcap's.
inline constexpr auto kEncodingRelations =
    std::tuple_cat(model::kModelEncodingRelations, kMeadowcapEncodingRelations);

}  // namespace osier::meadowcap
