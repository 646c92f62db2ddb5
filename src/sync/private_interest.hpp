// The relations between PrivateInterests that private interest overlap detection rests on, the
// private interest of a read capability, and the interest two overlapping peers share.
// spec: private_interest_overlap#pio_private_interests
//
// Pure functions of their arguments; thread-safe.
#pragma once

#include <optional>

#include "osier/crypto/ed25519.hpp"
#include "osier/meadowcap/capability.hpp"
#include "osier/meadowcap/encoding_private_capability.hpp"
#include "osier/model/area.hpp"
#include "osier/model/encoding_private.hpp"

namespace osier::sync {

using model::PrivateInterest;

// spec: private_interest_overlap#pi_more_specific — a is more specific than b (or equal).
bool pi_more_specific(const PrivateInterest& a, const PrivateInterest& b);
// spec: private_interest_overlap#pi_strictly_more_specific
bool pi_strictly_more_specific(const PrivateInterest& a, const PrivateInterest& b);
// spec: private_interest_overlap#pi_comparable
bool pi_comparable(const PrivateInterest& a, const PrivateInterest& b);
// spec: private_interest_overlap#pi_disjoint — no entry is included in both.
bool pi_disjoint(const PrivateInterest& a, const PrivateInterest& b);
// spec: private_interest_overlap#pi_awkward — neither comparable nor disjoint.
bool pi_awkward(const PrivateInterest& a, const PrivateInterest& b);
// spec: private_interest_overlap#pi_include_area (the area's namespace is the caller's to check)
bool pi_includes_area(const PrivateInterest& interest, const model::Area& area);
// spec: private_interest_overlap#pi_relaxation — the interest with subspace `any` (itself if it
// already is).
PrivateInterest pi_relaxation(const PrivateInterest& interest);

// SPEC-NOTES Sync 25: the private interest of a capability is (its granted namespace, its
// granted area's subspace, its granted area's path).
PrivateInterest private_interest_of(const meadowcap::McCapability& capability);

// SPEC-NOTES Sync 23 (docs/spec-notes.md, "PIO: the shared interest"): the interest two peers
// with non-disjoint interests a and b both know, relative to which a PioBindReadCapability's
// capability is encoded: the same namespace, the shorter of the two (related) paths, and the
// subspace if both name the same one, else `any`. For comparable interests it is the less
// specific one (the spec's "less specific of the two"), for awkward ones the relaxation of the
// concrete one. nullopt if a and b are disjoint.
std::optional<PrivateInterest> pio_shared_interest(const PrivateInterest& a,
                                                   const PrivateInterest& b);

// SPEC-NOTES Sync 23, the other half: relative to the shared interest, the capability of a
// strictly more specific sender has a granted path that extends the interest's, which the spec's
// EncodeMcCapabilityRelativePrivateInterest does not admit; PioBindReadCapability's codec
// (pio_codec.cpp) and the PIO core use this rule, which does.
inline constexpr meadowcap::GrantedPathRule kPioGrantedPathRule =
    meadowcap::GrantedPathRule::kPrefixOrExtension;

// A declared interest narrower than a capability's: the capability delegated by its receiver to
// itself with the area (narrower's subspace, narrower's path, the granted time range), so that
// the interest is private_interest_of the result (what PIO exchanges must be "included in the
// less specific" interest, confidential_sync#PioBindReadCapabilityCapability). kInvalidArgument
// unless `narrower` is more specific than private_interest_of(capability) and receiver_key is
// the capability's receiver's. Returns the capability itself if narrower is its own interest.
Result<meadowcap::McCapability> narrow_read_capability(const meadowcap::McCapability& capability,
                                                       const crypto::Ed25519SecretKey& receiver_key,
                                                       const PrivateInterest& narrower);

}  // namespace osier::sync
