#include "osier/model/area.hpp"

#include <algorithm>

namespace osier::model {

bool Area::includes(const Entry& entry) const {
  return (!subspace || *subspace == entry.subspace_id) && path.is_prefix_of(entry.path) &&
         times.includes(entry.timestamp);
}

bool Area::is_empty() const { return times.is_empty(); }

bool Area::includes_area(const Area& other) const {
  if (other.is_empty()) return true;
  // `other` is non-empty, so it includes an entry at its own path and at every subspace it
  // admits; each dimension must therefore be included separately.
  const bool subspace_ok = !subspace || (other.subspace && *other.subspace == *subspace);
  return subspace_ok && path.is_prefix_of(other.path) && times.includes_range(other.times);
}

std::optional<Area> Area::intersection(const Area& other) const {
  if (subspace && other.subspace && *subspace != *other.subspace) return std::nullopt;
  // Paths prefixed by both exist only when one of the two prefixes is a prefix of the other.
  const Path* longer;
  if (path.is_prefix_of(other.path)) {
    longer = &other.path;
  } else if (other.path.is_prefix_of(path)) {
    longer = &path;
  } else {
    return std::nullopt;
  }
  auto t = times.intersection(other.times);
  if (!t) return std::nullopt;
  return Area{subspace ? subspace : other.subspace, *longer, *t};
}

Area Area::full() { return Area{std::nullopt, Path{}, TimeRange::full()}; }

Area Area::subspace_area(const SubspaceId& id) { return Area{id, Path{}, TimeRange::full()}; }

D3Range area_to_range(const Area& area) {
  SubspaceRange subspaces = SubspaceRange::full();
  if (area.subspace) subspaces = SubspaceRange{*area.subspace, subspace_successor(*area.subspace)};
  // The paths prefixed by area.path are exactly those from area.path up to (excluding) the
  // least greater path it does not prefix.
  PathRange paths{area.path, area.path.greater_but_not_prefixed()};
  return D3Range{subspaces, std::move(paths), area.times};
}

std::optional<AreaOfInterest> AreaOfInterest::intersection(const AreaOfInterest& other) const {
  auto a = area.intersection(other.area);
  if (!a) return std::nullopt;
  return AreaOfInterest{std::move(*a), std::min(max_count, other.max_count),
                        std::min(max_size, other.max_size)};
}

}  // namespace osier::model
