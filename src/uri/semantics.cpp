// What Entry and Area URIs identify, in terms of the data model.
#include <algorithm>

#include "osier/uri/willow_uri.hpp"

namespace osier::uri {
namespace {

// An Area URI's limits use 0 for "no limit" (an omitted count= or size= stands for 0); the
// data model uses AreaOfInterest::kNoLimit (SPEC-NOTES). See docs/spec-notes.md.
std::uint64_t limit_from_uri(std::uint64_t v) {
  return v == 0 ? model::AreaOfInterest::kNoLimit : v;
}
std::uint64_t limit_to_uri(std::uint64_t v) { return v == model::AreaOfInterest::kNoLimit ? 0 : v; }

}  // namespace

// spec: uris#uris_semantics_entry
std::optional<PayloadSlice> payload_slice(const EntryUri& uri, std::uint64_t payload_length) {
  if (!uri.payload_from && !uri.payload_to) return std::nullopt;
  const std::uint64_t start = std::min(uri.payload_from.value_or(0), payload_length);
  const std::uint64_t end = std::min(uri.payload_to.value_or(payload_length), payload_length);
  return PayloadSlice{start, std::max(start, end)};
}

// spec: uris#uris_semantics_area
model::AreaOfInterest area_of_interest(const AreaUri& uri) {
  model::AreaOfInterest aoi;
  aoi.area.subspace = uri.subspace_id;
  aoi.area.path = uri.path;
  aoi.area.times = model::TimeRange{uri.timestamp_from, uri.timestamp_to};
  aoi.max_count = limit_from_uri(uri.max_count);
  aoi.max_size = limit_from_uri(uri.max_size);
  return aoi;
}

Result<AreaUri> area_uri_from(const model::NamespaceId& namespace_id,
                              const model::AreaOfInterest& aoi) {
  if (!aoi.area.subspace) {
    return error(ErrorCode::kInvalidArgument, "an area of any subspace has no willow:// URI");
  }
  if (aoi.max_count == 0 || aoi.max_size == 0) {
    return error(
        ErrorCode::kInvalidArgument,
        "an area of interest with a limit of 0 has no willow:// URI (count=0 means no limit)");
  }
  AreaUri uri;
  uri.namespace_id = namespace_id;
  uri.subspace_id = *aoi.area.subspace;
  uri.path = aoi.area.path;
  uri.max_count = limit_to_uri(aoi.max_count);
  uri.max_size = limit_to_uri(aoi.max_size);
  uri.timestamp_from = aoi.area.times.start;
  uri.timestamp_to = aoi.area.times.end;
  return uri;
}

}  // namespace osier::uri
