// What `osier ls`, `osier drop export` and the C API's osier_iter_new and osier_drop_export
// select entries by: an Area URI (willow://..., aliases allowed) or a namespace (alias or id, all
// of it).
#pragma once

#include <cstdint>
#include <string_view>

#include "osier/base/status.hpp"
#include "osier/model/area.hpp"
#include "osier/model/ids.hpp"
#include "osier/node/aliases.hpp"
#include "osier/store/store.hpp"

namespace osier::node {

struct AreaTarget {
  model::NamespaceId namespace_id{};
  model::AreaOfInterest aoi{model::Area::full(), model::AreaOfInterest::kNoLimit,
                            model::AreaOfInterest::kNoLimit};
};

// Parses `text`: an Area URI when it starts with "willow:" (any case), else a namespace.
// kInvalidArgument for a bad URI and for an area whose time range is empty (valid in a URI,
// docs/spec-notes.md, but an area that selects nothing is a mistake); kNotFound for an unknown
// alias.
Result<AreaTarget> parse_area_target(const Aliases& aliases, std::string_view text);

// kInvalidArgument when the area's time range is empty (to <= from).
Status check_nonempty_times(const model::Area& area);

// Streams the entries of `target` to `fn` (until it returns false): at most `limit`, in the
// order asked for — except that an area of interest with a count or size limit yields the
// entries it includes, newest first (spec: grouping_entries#aoi_include; Store::query_aoi), and
// only `fn` can stop it early.
Status query_area_target(store::Store& store, const AreaTarget& target, bool newest_first,
                         std::uint64_t limit, const store::EntryCallback& fn);

}  // namespace osier::node
