// The identifiers and scalar types of a Willow'25 entry, and the Willow'25 path limits.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "osier/base/bytes.hpp"

namespace osier::model {

// spec: willow25#willow25_data_model
using NamespaceId = ByteArray<32>;    // Ed25519 public key bytes (not necessarily a valid point)
using SubspaceId = ByteArray<32>;     // Ed25519 public key bytes, ordered bytewise
using PayloadDigest = ByteArray<32>;  // WILLIAM3 digest
using Timestamp = std::uint64_t;      // microseconds since the Unix epoch

// spec: willow25#willow25_data_model (max_component_length, max_component_count, max_path_length)
inline constexpr std::size_t kMaxComponentLength = 4096;
inline constexpr std::size_t kMaxComponentCount = 4096;
inline constexpr std::size_t kMaxPathLength = 4096;

// A namespace is communal iff bit 0 of the last byte of its id is 0 (SPEC-NOTES).
// spec: willow25#is_communal
bool is_communal(const NamespaceId& namespace_id);

// The least SubspaceId strictly greater than `id` in the bytewise order (the 32-byte value plus
// one, big-endian); nullopt for the greatest id (all bytes 0xff).
std::optional<SubspaceId> subspace_successor(const SubspaceId& id);

}  // namespace osier::model
