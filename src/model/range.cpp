#include "osier/model/range.hpp"

namespace osier::model {

bool D3Range::includes(const Entry& entry) const {
  return subspaces.includes(entry.subspace_id) && paths.includes(entry.path) &&
         times.includes(entry.timestamp);
}

bool D3Range::is_empty() const {
  return subspaces.is_empty() || paths.is_empty() || times.is_empty();
}

std::optional<D3Range> D3Range::intersection(const D3Range& other) const {
  auto s = subspaces.intersection(other.subspaces);
  if (!s) return std::nullopt;
  auto p = paths.intersection(other.paths);
  if (!p) return std::nullopt;
  auto t = times.intersection(other.times);
  if (!t) return std::nullopt;
  return D3Range{*s, std::move(*p), *t};
}

bool D3Range::includes_range(const D3Range& other) const {
  // A box with an empty side includes no entry; otherwise inclusion is per dimension.
  if (other.is_empty()) return true;
  return subspaces.includes_range(other.subspaces) && paths.includes_range(other.paths) &&
         times.includes_range(other.times);
}

D3Range D3Range::full(const SubspaceId& least_subspace) {
  return D3Range{SubspaceRange{least_subspace, std::nullopt}, PathRange::full(), TimeRange::full()};
}

}  // namespace osier::model
