// Entry: the metadata of one payload, and the relations between entries that a store uses.
#pragma once

#include <cstdint>

#include "osier/model/ids.hpp"
#include "osier/model/path.hpp"

namespace osier::model {

// spec: data_model#Entry
struct Entry {
  NamespaceId namespace_id{};
  SubspaceId subspace_id{};
  Path path;
  Timestamp timestamp = 0;
  std::uint64_t payload_length = 0;
  PayloadDigest payload_digest{};

  bool operator==(const Entry&) const = default;
};

// spec: data_model#entry_newer — greater timestamp, then greater digest, then greater length.
bool newer_than(const Entry& a, const Entry& b);

// spec: data_model#prefix_pruning — `newer` prunes `older` iff they share namespace and subspace,
// newer's path is a prefix of older's, and newer is newer_than older.
bool prunes(const Entry& newer, const Entry& older);

// spec: misc_definitions#default_entry — empty path, timestamp 0, payload length 0. willow25's
// default authorisation token signs encode_entry of default_entry(default ids, default digest).
Entry default_entry(const NamespaceId& namespace_id, const SubspaceId& subspace_id,
                    const PayloadDigest& payload_digest);

}  // namespace osier::model
