// The successor computations behind Path::successor and Path::greater_but_not_prefixed, for any
// path limits, so that tests can check them exhaustively under tiny limits.
#pragma once

#include <cstddef>
#include <optional>
#include <span>

#include "osier/base/bytes.hpp"
#include "osier/model/ids.hpp"

namespace osier::model {

struct PathLimits {
  std::size_t max_component_length;
  std::size_t max_component_count;
  std::size_t max_path_length;
};

inline constexpr PathLimits kWillow25PathLimits{kMaxComponentLength, kMaxComponentCount,
                                                kMaxPathLength};

// A path described relative to another one: its first `keep` components followed by `last`.
struct PathStep {
  std::size_t keep;
  Bytes last;
};

// The least path greater than `components` within `limits`; nullopt if none.
// REQUIRES: `components` is within `limits`.
std::optional<PathStep> path_successor(std::span<const ByteView> components,
                                       const PathLimits& limits);

// The least path greater than `components` within `limits` that `components` is not a prefix
// of; nullopt if none (e.g. for the empty path, which prefixes every path).
// REQUIRES: `components` is within `limits`.
std::optional<PathStep> path_greater_but_not_prefixed(std::span<const ByteView> components,
                                                      const PathLimits& limits);

}  // namespace osier::model
