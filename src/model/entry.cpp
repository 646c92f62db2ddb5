#include "osier/model/entry.hpp"

#include <tuple>

namespace osier::model {

bool newer_than(const Entry& a, const Entry& b) {
  // PayloadDigest's order is numeric (willow25), i.e. bytewise on the 32 big-endian bytes.
  return std::tie(a.timestamp, a.payload_digest, a.payload_length) >
         std::tie(b.timestamp, b.payload_digest, b.payload_length);
}

bool prunes(const Entry& newer, const Entry& older) {
  return newer.namespace_id == older.namespace_id && newer.subspace_id == older.subspace_id &&
         newer.path.is_prefix_of(older.path) && newer_than(newer, older);
}

// spec: misc_definitions#default_entry
Entry default_entry(const NamespaceId& namespace_id, const SubspaceId& subspace_id,
                    const PayloadDigest& payload_digest) {
  return Entry{namespace_id, subspace_id, Path{}, 0, 0, payload_digest};
}

}  // namespace osier::model
