// Ranges of subspace ids, paths and timestamps, and 3d ranges (boxes in Willow space).
#pragma once

#include <algorithm>
#include <optional>

#include "osier/model/entry.hpp"
#include "osier/model/ids.hpp"
#include "osier/model/path.hpp"

namespace osier::model {

// spec: grouping_entries#range — closed [start, end) when `end` is set, open [start, ∞) when not.
// The spec requires end > start for a closed range; a Range with end <= start is representable
// here and is empty (is_empty()).
template <typename T>
struct Range {
  T start{};
  std::optional<T> end;  // nullopt = open range

  bool includes(const T& value) const { return start <= value && (!end || value < *end); }
  bool is_empty() const { return end && !(start < *end); }

  // spec: grouping_entries#range_intersection — nullopt when the intersection is empty.
  std::optional<Range> intersection(const Range& other) const {
    Range r{std::max(start, other.start), end};
    if (!r.end || (other.end && *other.end < *r.end)) r.end = other.end;
    if (r.is_empty()) return std::nullopt;
    return r;
  }

  // Every value `other` includes, this includes (vacuously true for an empty `other`).
  bool includes_range(const Range& other) const {
    if (other.is_empty()) return true;
    if (other.start < start) return false;
    return !end || (other.end && *other.end <= *end);
  }

  bool operator==(const Range&) const = default;

  // The open range from T{} — the least value for SubspaceId (all zeros), Path (empty) and
  // Timestamp (0).
  static Range full() { return Range{T{}, std::nullopt}; }
};

using SubspaceRange = Range<SubspaceId>;
using PathRange = Range<Path>;
using TimeRange = Range<Timestamp>;

// spec: grouping_entries#D3Range
struct D3Range {
  SubspaceRange subspaces;
  PathRange paths;
  TimeRange times;

  // Ignores the entry's namespace: a 3d range lies within one namespace given by context.
  bool includes(const Entry& entry) const;
  bool is_empty() const;
  std::optional<D3Range> intersection(const D3Range& other) const;
  // Every entry `other` includes, this includes.
  bool includes_range(const D3Range& other) const;

  bool operator==(const D3Range&) const = default;

  // spec: grouping_entries#full_3d_range
  static D3Range full(const SubspaceId& least_subspace = SubspaceId{});
};

}  // namespace osier::model
