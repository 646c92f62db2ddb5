#include "osier/model/ids.hpp"

namespace osier::model {

bool is_communal(const NamespaceId& namespace_id) { return (namespace_id.back() & 1) == 0; }

std::optional<SubspaceId> subspace_successor(const SubspaceId& id) {
  // The order is numeric on big-endian integers, so the successor is id + 1.
  SubspaceId next = id;
  for (std::size_t i = next.size(); i-- > 0;) {
    if (++next[i] != 0) return next;  // no carry out of this byte
  }
  return std::nullopt;  // every byte wrapped: id was all 0xff
}

}  // namespace osier::model
