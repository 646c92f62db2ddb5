// Absolute encodings of capabilities: EncodeCommunalCapability, EncodeOwnedCapability,
// EncodeMcCapability (with their canonic encoding functions) and EncodeMcEnumerationCapability.
// spec: encodings#enc_capabilities
//
// Decoders accept every code of the relation (DecodeMode::kAny) or only the canonic one
// (kCanonic). A delegation count is never trusted for allocation: delegations are read one by
// one, so their number is bounded by the input.
#pragma once

#include "osier/base/codec.hpp"
#include "osier/meadowcap/capability.hpp"
#include "osier/meadowcap/enumeration_capability.hpp"

namespace osier::meadowcap {

// spec: encodings#encsec_EncodeCommunalCapability (canonic: encode_communal_capability).
// Fails with kInvalidArgument when a delegation's area is not within the previous granted area
// (such a capability has no code: EncodeAreaInArea needs the inclusion).
Status encode_communal_capability(Encoder& enc, const CommunalCapability& cap);
Result<CommunalCapability> decode_communal_capability(Decoder& dec, DecodeMode mode);

// spec: encodings#encsec_EncodeOwnedCapability (canonic: encode_owned_capability).
Status encode_owned_capability(Encoder& enc, const OwnedCapability& cap);
Result<OwnedCapability> decode_owned_capability(Decoder& dec, DecodeMode mode);

// spec: encodings#encsec_McCapability (canonic: encode_mc_capability). The first bit of the
// code tells the kinds apart.
Status encode_mc_capability(Encoder& enc, const McCapability& cap);
Result<McCapability> decode_mc_capability(Decoder& dec, DecodeMode mode);

// spec: encodings#encsec_EncodeEnumerationCapability. The relation names no canonic subset;
// the encoder writes the minimal count tag, the decoder accepts any tag.
void encode_mc_enumeration_capability(Encoder& enc, const McEnumerationCapability& cap);
Result<McEnumerationCapability> decode_mc_enumeration_capability(Decoder& dec);

}  // namespace osier::meadowcap
