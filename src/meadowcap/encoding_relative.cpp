#include "osier/meadowcap/encoding_relative.hpp"

#include <algorithm>

#include "base/compact_u64.hpp"
#include "osier/model/encoding_private.hpp"

namespace osier::meadowcap {

namespace {

// spec: encodings#encsec_EncodeCommunalCapabilityRelative (ctx_i): the entry as the private
// interest, relative to the previous area, or to the entry's subspace area for the first one.
// The owned relation defines ctx_{-1} the same way.
model::PrivateAreaContext context_for(const model::Entry& entry,
                                      const std::vector<Delegation>& delegations, std::size_t i) {
  model::PrivateAreaContext ctx;
  ctx.private_interest.namespace_id = entry.namespace_id;
  ctx.private_interest.subspace_id = entry.subspace_id;
  ctx.private_interest.path = entry.path;
  ctx.rel = i == 0 ? model::Area::subspace_area(entry.subspace_id) : delegations[i - 1].area;
  return ctx;
}

std::size_t common_prefix(const std::vector<Delegation>& a, const std::vector<Delegation>& b) {
  const auto [ia, ib] = std::ranges::mismatch(a, b);
  return static_cast<std::size_t>(ia - a.begin());
}

Status check_reference(AccessMode mode, const McCapability& prior_cap) {
  if (mode != AccessMode::kWrite) {
    return error(ErrorCode::kInvalidArgument,
                 "relative capability encodings need a write capability");
  }
  if (prior_cap.access_mode() != AccessMode::kWrite) {
    return error(ErrorCode::kInvalidArgument, "the prior capability must be a write capability");
  }
  return Status::ok();
}

// The header byte and the two counts; then the unshared delegations.
void write_header(Encoder& enc, bool owned, std::uint64_t nice_hack, std::uint64_t count) {
  const unsigned hack_tag = c64_minimal_tag(nice_hack, 3);
  const unsigned count_tag = c64_minimal_tag(count, 4);
  BitByte header;
  header.set_bit(0, owned);
  header.set(1, 3, hack_tag);
  header.set(4, 4, count_tag);
  enc.byte(header.value());
  c64_encode_corresponding(enc, nice_hack, hack_tag, 3);
  c64_encode_corresponding(enc, count, count_tag, 4);
}

Status write_delegations(Encoder& enc, const std::vector<Delegation>& delegations,
                         std::size_t shared, const model::Entry& entry) {
  for (std::size_t i = shared; i < delegations.size(); ++i) {
    OSIER_RETURN_IF_ERROR(model::encode_private_area_almost_in_area(
        enc, delegations[i].area, context_for(entry, delegations, i)));
    enc.bytes(delegations[i].user);
    enc.bytes(delegations[i].signature);
  }
  return Status::ok();
}

struct Counts {
  std::uint64_t nice_hack;
  std::uint64_t count;
};

Result<Counts> read_counts(Decoder& dec, BitByte header) {
  OSIER_ASSIGN_OR_RETURN(std::uint64_t hack,
                         c64_decode_corresponding(dec, header.get(1, 3), 3, DecodeMode::kAny));
  OSIER_ASSIGN_OR_RETURN(std::uint64_t count,
                         c64_decode_corresponding(dec, header.get(4, 4), 4, DecodeMode::kAny));
  return Counts{hack, count};
}

// Copies `shared` delegations from the prior capability, then reads the rest.
Result<std::vector<Delegation>> read_delegations(Decoder& dec, std::uint64_t count,
                                                 std::uint64_t shared,
                                                 const std::vector<Delegation>& prior,
                                                 const model::Entry& entry) {
  if (shared > count) return invalid_encoding("more shared delegations than delegations");
  if (shared > prior.size()) {
    return invalid_encoding("more shared delegations than the prior capability has");
  }
  std::vector<Delegation> out(prior.begin(), prior.begin() + static_cast<std::ptrdiff_t>(shared));
  // The smallest code of one delegation: area header, empty path code, user, signature.
  constexpr std::size_t kMin = 1 + 1 + 32 + 64;
  out.reserve(shared + static_cast<std::size_t>(
                           std::min<std::uint64_t>(count - shared, dec.remaining() / kMin)));
  for (std::uint64_t i = shared; i < count; ++i) {
    OSIER_ASSIGN_OR_RETURN(model::Area area, model::decode_private_area_almost_in_area(
                                                 dec, context_for(entry, out, out.size())));
    OSIER_ASSIGN_OR_RETURN(UserPublicKey user, dec.array<32>());
    OSIER_ASSIGN_OR_RETURN(UserSignature sig, dec.array<64>());
    out.push_back(Delegation{std::move(area), user, sig});
  }
  return out;
}

// The decoded value must lie in the relation: its granted area includes the entry.
template <typename Cap>
Result<Cap> in_relation(Cap cap, const model::Entry& entry) {
  if (!cap.granted_area().includes(entry)) {
    return invalid_encoding("the capability's granted area does not include the entry");
  }
  return cap;
}

Result<CommunalCapability> decode_communal_after_header(Decoder& dec, BitByte header,
                                                        const McCapability& prior_cap,
                                                        const model::Entry& entry) {
  OSIER_RETURN_IF_ERROR(check_reference(AccessMode::kWrite, prior_cap));
  OSIER_ASSIGN_OR_RETURN(Counts counts, read_counts(dec, header));
  // nice_hack is zero exactly when the prior capability is owned.
  if ((counts.nice_hack == 0) != !prior_cap.is_communal()) {
    return invalid_encoding(counts.nice_hack == 0
                                ? "nice_hack is 0 but the prior capability is communal"
                                : "nice_hack is not 0 but the prior capability is owned");
  }
  const std::uint64_t shared = counts.nice_hack == 0 ? 0 : counts.nice_hack - 1;
  OSIER_ASSIGN_OR_RETURN(auto delegations, read_delegations(dec, counts.count, shared,
                                                            prior_cap.delegations(), entry));
  CommunalCapability cap{AccessMode::kWrite, entry.namespace_id, entry.subspace_id,
                         std::move(delegations)};
  return in_relation(std::move(cap), entry);
}

Result<OwnedCapability> decode_owned_after_header(Decoder& dec, BitByte header,
                                                  const McCapability& prior_cap,
                                                  const model::Entry& entry) {
  OSIER_RETURN_IF_ERROR(check_reference(AccessMode::kWrite, prior_cap));
  OSIER_ASSIGN_OR_RETURN(Counts counts, read_counts(dec, header));
  OwnedCapability cap;
  cap.access_mode = AccessMode::kWrite;
  cap.namespace_key = entry.namespace_id;
  std::uint64_t shared = 0;
  if (counts.nice_hack == 0) {
    OSIER_ASSIGN_OR_RETURN(cap.user_key, dec.array<32>());
    OSIER_ASSIGN_OR_RETURN(cap.initial_authorisation, dec.array<64>());
    // nice_hack is zero exactly when the prior is communal or starts differently.
    if (!prior_cap.is_communal() && prior_cap.owned().user_key == cap.user_key &&
        prior_cap.owned().initial_authorisation == cap.initial_authorisation) {
      return invalid_encoding(
          "nice_hack is 0 but the prior capability has the same user and "
          "initial authorisation");
    }
  } else {
    if (prior_cap.is_communal()) {
      return invalid_encoding("nice_hack is not 0 but the prior capability is communal");
    }
    cap.user_key = prior_cap.owned().user_key;
    cap.initial_authorisation = prior_cap.owned().initial_authorisation;
    shared = counts.nice_hack - 1;
  }
  OSIER_ASSIGN_OR_RETURN(
      cap.delegations, read_delegations(dec, counts.count, shared, prior_cap.delegations(), entry));
  return in_relation(std::move(cap), entry);
}

Status check_value(const McCapability& cap, const model::Entry& entry) {
  if (cap.granted_namespace() != entry.namespace_id) {
    return error(ErrorCode::kInvalidArgument, "the capability's namespace is not the entry's");
  }
  if (!cap.granted_area().includes(entry)) {
    return error(ErrorCode::kInvalidArgument,
                 "the capability's granted area does not include the entry");
  }
  return Status::ok();
}

}  // namespace

// spec: encodings#encsec_EncodeCommunalCapabilityRelative
Status encode_communal_capability_relative(Encoder& enc, const CommunalCapability& cap,
                                           const McCapability& prior_cap,
                                           const model::Entry& entry) {
  OSIER_RETURN_IF_ERROR(check_reference(cap.access_mode, prior_cap));
  OSIER_RETURN_IF_ERROR(check_value(cap, entry));
  if (cap.user_key != entry.subspace_id) {
    return error(ErrorCode::kInvalidArgument,
                 "a communal capability's user must be the entry's subspace to encode it "
                 "relative to the entry");
  }
  std::size_t shared = 0;
  std::uint64_t nice_hack = 0;
  if (prior_cap.is_communal()) {
    shared = common_prefix(cap.delegations, prior_cap.delegations());
    nice_hack = shared + 1;
  }
  write_header(enc, false, nice_hack, cap.delegations.size());
  return write_delegations(enc, cap.delegations, shared, entry);
}

Result<CommunalCapability> decode_communal_capability_relative(Decoder& dec,
                                                               const McCapability& prior_cap,
                                                               const model::Entry& entry) {
  OSIER_ASSIGN_OR_RETURN(std::uint8_t b, dec.byte());
  if ((b & 0x80) != 0) return invalid_encoding("not a communal capability (first bit is 1)");
  return decode_communal_after_header(dec, BitByte(b), prior_cap, entry);
}

// spec: encodings#encsec_EncodeOwnedCapabilityRelative
Status encode_owned_capability_relative(Encoder& enc, const OwnedCapability& cap,
                                        const McCapability& prior_cap, const model::Entry& entry) {
  OSIER_RETURN_IF_ERROR(check_reference(cap.access_mode, prior_cap));
  OSIER_RETURN_IF_ERROR(check_value(cap, entry));
  std::size_t shared = 0;
  std::uint64_t nice_hack = 0;
  if (!prior_cap.is_communal() && prior_cap.owned().user_key == cap.user_key &&
      prior_cap.owned().initial_authorisation == cap.initial_authorisation) {
    shared = common_prefix(cap.delegations, prior_cap.delegations());
    nice_hack = shared + 1;
  }
  write_header(enc, true, nice_hack, cap.delegations.size());
  if (nice_hack == 0) {
    enc.bytes(cap.user_key);
    enc.bytes(cap.initial_authorisation);
  }
  return write_delegations(enc, cap.delegations, shared, entry);
}

Result<OwnedCapability> decode_owned_capability_relative(Decoder& dec,
                                                         const McCapability& prior_cap,
                                                         const model::Entry& entry) {
  OSIER_ASSIGN_OR_RETURN(std::uint8_t b, dec.byte());
  if ((b & 0x80) == 0) return invalid_encoding("not an owned capability (first bit is 0)");
  return decode_owned_after_header(dec, BitByte(b), prior_cap, entry);
}

// spec: encodings#encsec_EncodeMeadowcapAuthorisationTokenRelative
Status encode_meadowcap_authorisation_token_relative(Encoder& enc,
                                                     const MeadowcapAuthorisationToken& token,
                                                     const MeadowcapAuthorisationToken& prior_token,
                                                     const model::Entry& entry) {
  const McCapability& cap = token.capability;
  if (cap.is_communal()) {
    OSIER_RETURN_IF_ERROR(
        encode_communal_capability_relative(enc, cap.communal(), prior_token.capability, entry));
  } else {
    OSIER_RETURN_IF_ERROR(
        encode_owned_capability_relative(enc, cap.owned(), prior_token.capability, entry));
  }
  enc.bytes(token.signature);
  return Status::ok();
}

Result<MeadowcapAuthorisationToken> decode_meadowcap_authorisation_token_relative(
    Decoder& dec, const MeadowcapAuthorisationToken& prior_token, const model::Entry& entry) {
  OSIER_ASSIGN_OR_RETURN(std::uint8_t b, dec.byte());
  const BitByte header(b);
  auto cap = [&]() -> Result<McCapability> {
    if (header.bit(0)) {
      OSIER_ASSIGN_OR_RETURN(OwnedCapability c,
                             decode_owned_after_header(dec, header, prior_token.capability, entry));
      return McCapability(std::move(c));
    }
    OSIER_ASSIGN_OR_RETURN(CommunalCapability c, decode_communal_after_header(
                                                     dec, header, prior_token.capability, entry));
    return McCapability(std::move(c));
  }();
  if (!cap.is_ok()) return cap.status();
  OSIER_ASSIGN_OR_RETURN(UserSignature sig, dec.array<64>());
  return MeadowcapAuthorisationToken{std::move(cap).value(), sig};
}

}  // namespace osier::meadowcap
