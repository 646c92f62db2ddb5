// The interests a sync session declares (net/sync.hpp): read capabilities this home holds for
// its sync identity, optionally restricted to some namespaces and narrowed to some areas.
//
// A capability's area is what the peer learns we care about (Private Interest Overlap reveals
// only what overlaps), so narrowing matters: an interest in one path syncs only that path.
// Thread-safe (reads the Home).
#pragma once

#include <vector>

#include "base/status.hpp"
#include "meadowcap/capability.hpp"
#include "model/encoding_private.hpp"
#include "node/home.hpp"

namespace osier::node {

// The held read capabilities whose receiver is `who`.
Result<std::vector<meadowcap::McCapability>> read_capabilities_of(
    const Home& home, const crypto::Ed25519PublicKey& who);

// `me`'s read capabilities (read_capabilities_of); with `namespaces`, only those of these
// namespaces (kNotFound for one without any); and for each of `areas` a capability narrowed to
// it (sync::narrow_read_capability), which replaces the others of its namespace: the area is
// what the user asked for. kNotFound when no held capability includes an area.
Result<std::vector<meadowcap::McCapability>> sync_interests(
    const Home& home, const Identity& me, const std::vector<model::NamespaceId>& namespaces,
    const std::vector<model::PrivateInterest>& areas);

}  // namespace osier::node
