#include "osier/meadowcap/encoding_private_capability.hpp"

#include "base/compact_u64.hpp"

namespace osier::meadowcap {

namespace {

// ctx_i: the interest kept private, relative to the previous area (or to `first` for i = 0).
model::PrivateAreaContext context_for(const PersonalPrivateInterest& rel, const model::Area& first,
                                      const std::vector<Delegation>& delegations, std::size_t i) {
  return model::PrivateAreaContext{rel.private_interest, i == 0 ? first : delegations[i - 1].area};
}

// All delegations but the last in full; of the last only the area and the signature (its user is
// the receiver, rel.user).
Status write_delegations(Encoder& enc, const PersonalPrivateInterest& rel, const model::Area& first,
                         const std::vector<Delegation>& delegations) {
  for (std::size_t i = 0; i < delegations.size(); ++i) {
    OSIER_RETURN_IF_ERROR(model::encode_private_area_almost_in_area(
        enc, delegations[i].area, context_for(rel, first, delegations, i)));
    if (i + 1 < delegations.size()) enc.bytes(delegations[i].user);
    enc.bytes(delegations[i].signature);
  }
  return Status::ok();
}

Result<std::vector<Delegation>> read_delegations(Decoder& dec, std::uint64_t count,
                                                 const PersonalPrivateInterest& rel,
                                                 const model::Area& first) {
  std::vector<Delegation> out;
  // Smallest delegation code: a one-byte area header, an empty path code and a signature.
  out.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(count, dec.remaining() / 66)));
  for (std::uint64_t i = 0; i < count; ++i) {
    Delegation d;
    OSIER_ASSIGN_OR_RETURN(d.area, model::decode_private_area_almost_in_area(
                                       dec, context_for(rel, first, out, out.size())));
    if (i + 1 < count) {
      OSIER_ASSIGN_OR_RETURN(d.user, dec.array<32>());
    } else {
      d.user = rel.user;
    }
    OSIER_ASSIGN_OR_RETURN(d.signature, dec.array<64>());
    out.push_back(std::move(d));
  }
  return out;
}

bool granted_path_fits(const model::Path& granted, const model::Path& interest,
                       GrantedPathRule rule) {
  if (granted.is_prefix_of(interest)) return true;
  return rule == GrantedPathRule::kPrefixOrExtension && interest.is_prefix_of(granted);
}

Status check_common(AccessMode mode, const NamespacePublicKey& ns, const model::Area& granted,
                    const UserPublicKey& receiver, const PersonalPrivateInterest& rel,
                    GrantedPathRule rule, ErrorCode code) {
  if (mode != AccessMode::kRead)
    return error(code, "private capability encodings need a read capability");
  if (ns != rel.private_interest.namespace_id) {
    return error(code, "the capability's namespace is not the private interest's");
  }
  if (!granted_path_fits(granted.path, rel.private_interest.path, rule)) {
    return error(code, "the granted area's path does not fit the private interest's path");
  }
  if (receiver != rel.user) return error(code, "the capability's receiver is not rel.user");
  return Status::ok();
}

model::Area owned_first_area(const PersonalPrivateInterest& rel) {
  const auto& ss = rel.private_interest.subspace_id;
  return ss ? model::Area::subspace_area(*ss) : model::Area::full();
}

Status check_owned(const OwnedCapability& cap, const PersonalPrivateInterest& rel,
                   GrantedPathRule rule, ErrorCode code) {
  const model::Area granted = cap.granted_area();
  OSIER_RETURN_IF_ERROR(
      check_common(cap.access_mode, cap.namespace_key, granted, cap.receiver(), rel, rule, code));
  const auto& ss = rel.private_interest.subspace_id;
  if (ss && granted.subspace != ss) {
    return error(code, "the private interest names a subspace the granted area does not have");
  }
  return Status::ok();
}

}  // namespace

// spec: encodings#enc_private_communal_capabilities
Status encode_communal_capability_relative_private_interest(Encoder& enc,
                                                            const CommunalCapability& cap,
                                                            const PersonalPrivateInterest& rel,
                                                            GrantedPathRule rule) {
  OSIER_RETURN_IF_ERROR(check_common(cap.access_mode, cap.namespace_key, cap.granted_area(),
                                     cap.receiver(), rel, rule, ErrorCode::kInvalidArgument));
  if (rel.private_interest.subspace_id != cap.user_key) {
    return error(ErrorCode::kInvalidArgument,
                 "the private interest's subspace must be the communal capability's user");
  }
  c64_encode_standalone(enc, cap.delegations.size());
  return write_delegations(enc, rel, model::Area::subspace_area(cap.user_key), cap.delegations);
}

Result<CommunalCapability> decode_communal_capability_relative_private_interest(
    Decoder& dec, const PersonalPrivateInterest& rel, GrantedPathRule rule) {
  const auto& ss = rel.private_interest.subspace_id;
  if (!ss) {
    return error(ErrorCode::kInvalidArgument,
                 "communal capabilities are encoded relative to a specific subspace only");
  }
  OSIER_ASSIGN_OR_RETURN(std::uint64_t count, c64_decode_standalone(dec, DecodeMode::kAny));
  OSIER_ASSIGN_OR_RETURN(auto delegations,
                         read_delegations(dec, count, rel, model::Area::subspace_area(*ss)));
  CommunalCapability cap{AccessMode::kRead, rel.private_interest.namespace_id, *ss,
                         std::move(delegations)};
  OSIER_RETURN_IF_ERROR(check_common(cap.access_mode, cap.namespace_key, cap.granted_area(),
                                     cap.receiver(), rel, rule, ErrorCode::kInvalidEncoding));
  return cap;
}

// spec: encodings#enc_private_owned_capabilities
Status encode_owned_capability_relative_private_interest(Encoder& enc, const OwnedCapability& cap,
                                                         const PersonalPrivateInterest& rel,
                                                         GrantedPathRule rule) {
  OSIER_RETURN_IF_ERROR(check_owned(cap, rel, rule, ErrorCode::kInvalidArgument));
  c64_encode_standalone(enc, cap.delegations.size());
  if (!cap.delegations.empty()) enc.bytes(cap.user_key);
  enc.bytes(cap.initial_authorisation);
  return write_delegations(enc, rel, owned_first_area(rel), cap.delegations);
}

Result<OwnedCapability> decode_owned_capability_relative_private_interest(
    Decoder& dec, const PersonalPrivateInterest& rel, GrantedPathRule rule) {
  OwnedCapability cap;
  cap.access_mode = AccessMode::kRead;
  cap.namespace_key = rel.private_interest.namespace_id;
  OSIER_ASSIGN_OR_RETURN(std::uint64_t count, c64_decode_standalone(dec, DecodeMode::kAny));
  if (count != 0) {
    OSIER_ASSIGN_OR_RETURN(cap.user_key, dec.array<32>());
  } else {
    cap.user_key = rel.user;
  }
  OSIER_ASSIGN_OR_RETURN(cap.initial_authorisation, dec.array<64>());
  OSIER_ASSIGN_OR_RETURN(cap.delegations, read_delegations(dec, count, rel, owned_first_area(rel)));
  OSIER_RETURN_IF_ERROR(check_owned(cap, rel, rule, ErrorCode::kInvalidEncoding));
  return cap;
}

// spec: encodings#enc_private_mc_capabilities
Status encode_mc_capability_relative_private_interest(Encoder& enc, const McCapability& cap,
                                                      const PersonalPrivateInterest& rel,
                                                      GrantedPathRule rule) {
  if (cap.is_communal() != model::is_communal(rel.private_interest.namespace_id)) {
    return error(ErrorCode::kInvalidArgument,
                 "the capability's kind does not match is_communal of the interest's namespace");
  }
  if (cap.is_communal()) {
    return encode_communal_capability_relative_private_interest(enc, cap.communal(), rel, rule);
  }
  return encode_owned_capability_relative_private_interest(enc, cap.owned(), rel, rule);
}

Result<McCapability> decode_mc_capability_relative_private_interest(
    Decoder& dec, const PersonalPrivateInterest& rel, GrantedPathRule rule) {
  if (model::is_communal(rel.private_interest.namespace_id)) {
    OSIER_ASSIGN_OR_RETURN(CommunalCapability c,
                           decode_communal_capability_relative_private_interest(dec, rel, rule));
    return McCapability(std::move(c));
  }
  OSIER_ASSIGN_OR_RETURN(OwnedCapability c,
                         decode_owned_capability_relative_private_interest(dec, rel, rule));
  return McCapability(std::move(c));
}

// spec: encodings#enc_private_enumeration_capabilities
Status encode_mc_enumeration_capability_relative_private_interest(
    Encoder& enc, const McEnumerationCapability& cap, const EnumerationCapabilityContext& rel) {
  if (cap.namespace_key != rel.namespace_key || cap.receiver() != rel.receiver) {
    return error(ErrorCode::kInvalidArgument,
                 "the reference must be the capability's namespace and receiver");
  }
  const std::size_t n = cap.delegations.size();
  c64_encode_standalone(enc, n);
  enc.bytes(cap.initial_authorisation);
  if (n != 0) enc.bytes(cap.user_key);
  for (std::size_t i = 0; i < n; ++i) {
    if (i + 1 < n) enc.bytes(cap.delegations[i].user);
    enc.bytes(cap.delegations[i].signature);
  }
  return Status::ok();
}

Result<McEnumerationCapability> decode_mc_enumeration_capability_relative_private_interest(
    Decoder& dec, const EnumerationCapabilityContext& rel) {
  McEnumerationCapability cap;
  cap.namespace_key = rel.namespace_key;
  OSIER_ASSIGN_OR_RETURN(std::uint64_t count, c64_decode_standalone(dec, DecodeMode::kAny));
  OSIER_ASSIGN_OR_RETURN(cap.initial_authorisation, dec.array<64>());
  if (count != 0) {
    OSIER_ASSIGN_OR_RETURN(cap.user_key, dec.array<32>());
  } else {
    cap.user_key = rel.receiver;
  }
  cap.delegations.reserve(
      static_cast<std::size_t>(std::min<std::uint64_t>(count, dec.remaining() / 64)));
  for (std::uint64_t i = 0; i < count; ++i) {
    EnumerationDelegation d;
    if (i + 1 < count) {
      OSIER_ASSIGN_OR_RETURN(d.user, dec.array<32>());
    } else {
      d.user = rel.receiver;
    }
    OSIER_ASSIGN_OR_RETURN(d.signature, dec.array<64>());
    cap.delegations.push_back(d);
  }
  return cap;
}

}  // namespace osier::meadowcap
