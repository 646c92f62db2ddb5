// Areas (subspace, path prefix, time range) and areas of interest.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>

#include "osier/model/entry.hpp"
#include "osier/model/ids.hpp"
#include "osier/model/path.hpp"
#include "osier/model/range.hpp"

namespace osier::model {

// spec: grouping_entries#Area
struct Area {
  std::optional<SubspaceId> subspace;  // nullopt = any subspace (the spec's ss_any)
  Path path;
  TimeRange times;

  // spec: grouping_entries#area_include — ignores the entry's namespace.
  bool includes(const Entry& entry) const;
  // spec: grouping_entries#area_include_area — every entry `other` includes, this includes.
  bool includes_area(const Area& other) const;
  // spec: grouping_entries#area_intersection — nullopt when no entry lies in both.
  std::optional<Area> intersection(const Area& other) const;
  // True when the area includes no entry (its time range is empty).
  bool is_empty() const;

  bool operator==(const Area&) const = default;

  // spec: grouping_entries#full_area
  static Area full();
  // spec: grouping_entries#subspace_area
  static Area subspace_area(const SubspaceId& subspace);
};

// The D3Range that includes exactly the entries `area` includes (within the path limits).
D3Range area_to_range(const Area& area);

// spec: grouping_entries#AreaOfInterest — 2^64-1 means "no limit" for both limits (SPEC-NOTES).
struct AreaOfInterest {
  static constexpr std::uint64_t kNoLimit = std::numeric_limits<std::uint64_t>::max();

  Area area;
  std::uint64_t max_count = kNoLimit;
  std::uint64_t max_size = kNoLimit;

  // spec: grouping_entries#aoi_intersection — nullopt when the areas do not intersect.
  std::optional<AreaOfInterest> intersection(const AreaOfInterest& other) const;

  bool operator==(const AreaOfInterest&) const = default;
};

}  // namespace osier::model
