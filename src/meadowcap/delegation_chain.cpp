#include "meadowcap/delegation_chain.hpp"

#include <string_view>

#include "osier/model/encoding_area.hpp"

namespace osier::meadowcap::detail {

const model::Area& chain_granted_area(const ChainStart& start, std::span<const Delegation> chain) {
  return chain.empty() ? start.area : chain.back().area;
}

const UserPublicKey& chain_receiver(const ChainStart& start, std::span<const Delegation> chain) {
  return chain.empty() ? start.receiver : chain.back().user;
}

// spec: meadowcap#communal_handover, meadowcap#owned_handover
Status write_handover(Encoder& out, const ChainStart& start, std::span<const Delegation> chain,
                      std::size_t count, const model::Area& new_area,
                      const UserPublicKey& new_user) {
  const auto prefix = chain.first(count);
  if (count == 0) out.bytes(start.first_head);
  OSIER_RETURN_IF_ERROR(
      model::encode_area_in_area(out, new_area, chain_granted_area(start, prefix)));
  if (count == 0) {
    out.bytes(start.first_signature);
  } else {
    out.bytes(prefix.back().signature);
  }
  out.bytes(new_user);
  return Status::ok();
}

Status validate_chain(const ChainStart& start, std::span<const Delegation> chain,
                      std::size_t first) {
  for (std::size_t i = first; i < chain.size(); ++i) {
    const Delegation& d = chain[i];
    const auto prefix = chain.first(i);
    const std::string where =
        std::string(start.kind) + " capability delegation " + std::to_string(i) + ": ";
    if (d.area.times.is_empty()) {
      return error(ErrorCode::kVerification, where + "area has an empty time range");
    }
    if (!model::area_includes_area_for_encoding(chain_granted_area(start, prefix), d.area)) {
      if (i == 0 && std::string_view(start.kind) == "communal") {
        // A communal chain starts at the subspace area of its user.
        return error(ErrorCode::kVerification,
                     where +
                         "area is not within the communal capability's subspace "
                         "(the previous granted area does not include it)");
      }
      return error(ErrorCode::kVerification,
                   where + "area not included in the previous granted area");
    }
    Encoder handover;
    OSIER_RETURN_IF_ERROR(write_handover(handover, start, chain, i, d.area, d.user));
    if (!crypto::ed25519_verify(chain_receiver(start, prefix), handover.bytes(), d.signature)) {
      return error(ErrorCode::kVerification,
                   where + "signature is not the previous receiver's signature over the handover");
    }
  }
  return Status::ok();
}

Result<Delegation> sign_delegation(const ChainStart& start, std::span<const Delegation> chain,
                                   const crypto::Ed25519SecretKey& receiver_key,
                                   const model::Area& new_area, const UserPublicKey& new_user) {
  if (receiver_key.public_key() != chain_receiver(start, chain)) {
    return error(ErrorCode::kInvalidArgument,
                 "delegation must be signed by the capability's receiver");
  }
  if (!model::area_includes_area_for_encoding(chain_granted_area(start, chain), new_area)) {
    return error(ErrorCode::kInvalidArgument,
                 "the new area must be a non-empty area within the granted area");
  }
  Encoder handover;
  OSIER_RETURN_IF_ERROR(write_handover(handover, start, chain, chain.size(), new_area, new_user));
  return Delegation{new_area, new_user, receiver_key.sign(handover.bytes())};
}

}  // namespace osier::meadowcap::detail
