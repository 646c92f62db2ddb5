#include "osier/node/area_target.hpp"

#include <strings.h>

#include <string>

#include "osier/uri/willow_uri.hpp"

namespace osier::node {

Result<AreaTarget> parse_area_target(const Aliases& aliases, std::string_view text) {
  AreaTarget target;
  if (text.size() >= 7 && strncasecmp(text.data(), "willow:", 7) == 0) {
    Result<uri::AreaUri> a = uri::parse_area_uri(text, aliases.resolver());
    if (!a) {
      return error(a.status().code(),
                   "bad area URI '" + std::string(text) + "': " + a.status().message());
    }
    target.namespace_id = a->namespace_id;
    target.aoi = uri::area_of_interest(*a);
    OSIER_RETURN_IF_ERROR(check_nonempty_times(target.aoi.area));
    return target;
  }
  OSIER_ASSIGN_OR_RETURN(target.namespace_id, aliases.namespace_id(text));
  return target;
}

Status check_nonempty_times(const model::Area& area) {
  if (area.times.end && *area.times.end <= area.times.start) {
    return error(ErrorCode::kInvalidArgument,
                 "the area's time range is empty (to= " + std::to_string(*area.times.end) +
                     " is not after from= " + std::to_string(area.times.start) +
                     "): it selects nothing");
  }
  return Status::ok();
}

Status query_area_target(store::Store& store, const AreaTarget& target, bool newest_first,
                         std::uint64_t limit, const store::EntryCallback& fn) {
  const model::AreaOfInterest& aoi = target.aoi;
  if (aoi.max_count != model::AreaOfInterest::kNoLimit ||
      aoi.max_size != model::AreaOfInterest::kNoLimit) {
    return store.query_aoi(target.namespace_id, aoi, fn);
  }
  store::QueryOptions q;
  q.order = newest_first ? store::QueryOrder::kNewestFirst : store::QueryOrder::kSubspacePathTime;
  q.limit = limit;
  return store.query_area(target.namespace_id, aoi.area, q, fn);
}

}  // namespace osier::node
