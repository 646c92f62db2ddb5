#include "osier/meadowcap/encoding_capability.hpp"

#include "base/compact_u64.hpp"
#include "osier/model/encoding_area.hpp"

namespace osier::meadowcap {

namespace {

// The two header bits: 00/01 communal read/write, 10/11 owned read/write.
unsigned mode_bits(bool owned, AccessMode mode) {
  return (owned ? 2u : 0u) | (mode == AccessMode::kWrite ? 1u : 0u);
}

// The header byte, the two keys (and the initial authorisation), the count's corresponding
// bytes, and the delegations each relative to the previous granted area.
// spec: encodings#encsec_EncodeCommunalCapability, encodings#encsec_EncodeOwnedCapability
Status encode_chain_capability(Encoder& enc, bool owned, AccessMode mode,
                               const NamespacePublicKey& ns, const UserPublicKey& user,
                               const NamespaceSignature* initial_authorisation,
                               const model::Area& first_area,
                               const std::vector<Delegation>& delegations) {
  const std::uint64_t count = delegations.size();
  const unsigned tag = c64_minimal_tag(count, 6);
  BitByte header;
  header.set(0, 2, mode_bits(owned, mode));
  header.set(2, 6, tag);
  enc.byte(header.value());
  enc.bytes(ns);
  enc.bytes(user);
  if (initial_authorisation != nullptr) enc.bytes(*initial_authorisation);
  c64_encode_corresponding(enc, count, tag, 6);
  const model::Area* prev = &first_area;
  for (const Delegation& d : delegations) {
    OSIER_RETURN_IF_ERROR(model::encode_area_in_area(enc, d.area, *prev));
    enc.bytes(d.user);
    enc.bytes(d.signature);
    prev = &d.area;
  }
  return Status::ok();
}

// The smallest number of bytes one delegation's code can take (area header, user, signature).
constexpr std::size_t kMinDelegationCodeLength = 1 + 1 + 32 + 64;

Result<std::vector<Delegation>> decode_delegations(Decoder& dec, std::uint64_t count,
                                                   const model::Area& first_area, DecodeMode mode) {
  std::vector<Delegation> out;
  // Reserve only what the remaining input could hold; the count itself is attacker-chosen.
  out.reserve(static_cast<std::size_t>(
      std::min<std::uint64_t>(count, dec.remaining() / kMinDelegationCodeLength)));
  for (std::uint64_t i = 0; i < count; ++i) {
    const model::Area& prev = out.empty() ? first_area : out.back().area;
    OSIER_ASSIGN_OR_RETURN(model::Area area, model::decode_area_in_area(dec, prev, mode));
    OSIER_ASSIGN_OR_RETURN(UserPublicKey user, dec.array<32>());
    OSIER_ASSIGN_OR_RETURN(UserSignature sig, dec.array<64>());
    out.push_back(Delegation{std::move(area), user, sig});
  }
  return out;
}

AccessMode mode_of(unsigned bits) {
  return (bits & 1u) != 0 ? AccessMode::kWrite : AccessMode::kRead;
}

// Decodes what follows a header byte whose first bit says the kind.
Result<McCapability> decode_after_header(Decoder& dec, BitByte header, DecodeMode mode) {
  const unsigned bits = header.get(0, 2);
  const bool owned = (bits & 2u) != 0;
  OSIER_ASSIGN_OR_RETURN(NamespacePublicKey ns, dec.array<32>());
  OSIER_ASSIGN_OR_RETURN(UserPublicKey user, dec.array<32>());
  if (owned) {
    OSIER_ASSIGN_OR_RETURN(NamespaceSignature auth, dec.array<64>());
    OSIER_ASSIGN_OR_RETURN(std::uint64_t count,
                           c64_decode_corresponding(dec, header.get(2, 6), 6, mode));
    OSIER_ASSIGN_OR_RETURN(auto delegations,
                           decode_delegations(dec, count, model::Area::full(), mode));
    return McCapability(OwnedCapability{mode_of(bits), ns, user, auth, std::move(delegations)});
  }
  OSIER_ASSIGN_OR_RETURN(std::uint64_t count,
                         c64_decode_corresponding(dec, header.get(2, 6), 6, mode));
  OSIER_ASSIGN_OR_RETURN(auto delegations,
                         decode_delegations(dec, count, model::Area::subspace_area(user), mode));
  return McCapability(CommunalCapability{mode_of(bits), ns, user, std::move(delegations)});
}

}  // namespace

// spec: encodings#encsec_EncodeCommunalCapability
Status encode_communal_capability(Encoder& enc, const CommunalCapability& cap) {
  return encode_chain_capability(enc, false, cap.access_mode, cap.namespace_key, cap.user_key,
                                 nullptr, model::Area::subspace_area(cap.user_key),
                                 cap.delegations);
}

Result<CommunalCapability> decode_communal_capability(Decoder& dec, DecodeMode mode) {
  OSIER_ASSIGN_OR_RETURN(std::uint8_t b, dec.byte());
  if ((b & 0x80) != 0) return invalid_encoding("not a communal capability (first bit is 1)");
  OSIER_ASSIGN_OR_RETURN(McCapability cap, decode_after_header(dec, BitByte(b), mode));
  return cap.communal();
}

// spec: encodings#encsec_EncodeOwnedCapability
Status encode_owned_capability(Encoder& enc, const OwnedCapability& cap) {
  return encode_chain_capability(enc, true, cap.access_mode, cap.namespace_key, cap.user_key,
                                 &cap.initial_authorisation, model::Area::full(), cap.delegations);
}

Result<OwnedCapability> decode_owned_capability(Decoder& dec, DecodeMode mode) {
  OSIER_ASSIGN_OR_RETURN(std::uint8_t b, dec.byte());
  if ((b & 0x80) == 0) return invalid_encoding("not an owned capability (first bit is 0)");
  OSIER_ASSIGN_OR_RETURN(McCapability cap, decode_after_header(dec, BitByte(b), mode));
  return cap.owned();
}

// spec: encodings#encsec_McCapability
Status encode_mc_capability(Encoder& enc, const McCapability& cap) {
  if (cap.is_communal()) return encode_communal_capability(enc, cap.communal());
  return encode_owned_capability(enc, cap.owned());
}

Result<McCapability> decode_mc_capability(Decoder& dec, DecodeMode mode) {
  OSIER_ASSIGN_OR_RETURN(std::uint8_t b, dec.byte());
  return decode_after_header(dec, BitByte(b), mode);
}

// spec: encodings#encsec_EncodeEnumerationCapability
void encode_mc_enumeration_capability(Encoder& enc, const McEnumerationCapability& cap) {
  enc.bytes(cap.namespace_key);
  enc.bytes(cap.user_key);
  enc.bytes(cap.initial_authorisation);
  c64_encode_standalone(enc, cap.delegations.size());
  for (const EnumerationDelegation& d : cap.delegations) {
    enc.bytes(d.user);
    enc.bytes(d.signature);
  }
}

Result<McEnumerationCapability> decode_mc_enumeration_capability(Decoder& dec) {
  McEnumerationCapability cap;
  OSIER_ASSIGN_OR_RETURN(cap.namespace_key, dec.array<32>());
  OSIER_ASSIGN_OR_RETURN(cap.user_key, dec.array<32>());
  OSIER_ASSIGN_OR_RETURN(cap.initial_authorisation, dec.array<64>());
  OSIER_ASSIGN_OR_RETURN(std::uint64_t count, c64_decode_standalone(dec, DecodeMode::kAny));
  cap.delegations.reserve(
      static_cast<std::size_t>(std::min<std::uint64_t>(count, dec.remaining() / 96)));
  for (std::uint64_t i = 0; i < count; ++i) {
    OSIER_ASSIGN_OR_RETURN(UserPublicKey user, dec.array<32>());
    OSIER_ASSIGN_OR_RETURN(UserSignature sig, dec.array<64>());
    cap.delegations.push_back({user, sig});
  }
  return cap;
}

}  // namespace osier::meadowcap
