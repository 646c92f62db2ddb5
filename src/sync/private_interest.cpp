#include "sync/private_interest.hpp"

namespace osier::sync {

namespace {

bool related(const model::Path& a, const model::Path& b) {
  return a.is_prefix_of(b) || b.is_prefix_of(a);
}

}  // namespace

// spec: private_interest_overlap#pi_more_specific (the third condition's "p2.ss" is p2.path:
// SPEC-NOTES Sync 22)
bool pi_more_specific(const PrivateInterest& a, const PrivateInterest& b) {
  return a.namespace_id == b.namespace_id && (!b.subspace_id || a.subspace_id == b.subspace_id) &&
         b.path.is_prefix_of(a.path);
}

bool pi_strictly_more_specific(const PrivateInterest& a, const PrivateInterest& b) {
  return pi_more_specific(a, b) && !(a == b);
}

bool pi_comparable(const PrivateInterest& a, const PrivateInterest& b) {
  return pi_more_specific(a, b) || pi_more_specific(b, a);
}

// An entry lies in both iff the namespaces agree, the subspaces are compatible (one is `any` or
// they are equal), and one path is a prefix of the other (the longer one then is a prefix of
// the entry's path).
bool pi_disjoint(const PrivateInterest& a, const PrivateInterest& b) {
  const bool subspaces_meet = !a.subspace_id || !b.subspace_id || a.subspace_id == b.subspace_id;
  return !(a.namespace_id == b.namespace_id && subspaces_meet && related(a.path, b.path));
}

bool pi_awkward(const PrivateInterest& a, const PrivateInterest& b) {
  return !pi_comparable(a, b) && !pi_disjoint(a, b);
}

bool pi_includes_area(const PrivateInterest& interest, const model::Area& area) {
  return (!interest.subspace_id || interest.subspace_id == area.subspace) &&
         interest.path.is_prefix_of(area.path);
}

PrivateInterest pi_relaxation(const PrivateInterest& interest) {
  PrivateInterest r = interest;
  r.subspace_id.reset();
  return r;
}

// SPEC-NOTES Sync 25
PrivateInterest private_interest_of(const meadowcap::McCapability& capability) {
  const model::Area area = capability.granted_area();
  return PrivateInterest{capability.granted_namespace(), area.subspace, area.path};
}

// SPEC-NOTES Sync 23: the one place that says which interest a capability is encoded relative to.
std::optional<PrivateInterest> pio_shared_interest(const PrivateInterest& a,
                                                   const PrivateInterest& b) {
  if (pi_disjoint(a, b)) return std::nullopt;
  PrivateInterest shared;
  shared.namespace_id = a.namespace_id;
  shared.path = a.path.is_prefix_of(b.path) ? a.path : b.path;
  if (a.subspace_id == b.subspace_id) shared.subspace_id = a.subspace_id;
  return shared;
}

Result<meadowcap::McCapability> narrow_read_capability(const meadowcap::McCapability& capability,
                                                       const crypto::Ed25519SecretKey& receiver_key,
                                                       const PrivateInterest& narrower) {
  const PrivateInterest own = private_interest_of(capability);
  if (narrower == own) return capability;
  if (!pi_more_specific(narrower, own)) {
    return error(ErrorCode::kInvalidArgument,
                 "pio: the capability does not cover the narrower interest");
  }
  if (receiver_key.public_key() != capability.receiver()) {
    return error(ErrorCode::kInvalidArgument, "pio: the key is not the capability's receiver's");
  }
  model::Area area = capability.granted_area();
  area.subspace = narrower.subspace_id;
  area.path = narrower.path;
  return capability.delegate(receiver_key, area, capability.receiver());
}

}  // namespace osier::sync
