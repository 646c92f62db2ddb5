#include "osier/store/store.hpp"

namespace osier::store {

Status Store::query_area(const model::NamespaceId& namespace_id, const model::Area& area,
                         const QueryOptions& options, const EntryCallback& fn) {
  return query(namespace_id, model::area_to_range(area), options, fn);
}

Status Store::query_aoi(const model::NamespaceId& namespace_id, const model::AreaOfInterest& aoi,
                        const EntryCallback& fn) {
  std::uint64_t count = 0;
  std::uint64_t size = 0;
  const bool size_limited = aoi.max_size != model::AreaOfInterest::kNoLimit;
  QueryOptions opts{QueryOrder::kNewestFirst, aoi.max_count};
  return query_area(namespace_id, aoi.area, opts, [&](const LengthyAuthorisedEntry& e) {
    ++count;
    if (size_limited) {
      const std::uint64_t len = e.authorised.entry.payload_length;
      if (len > aoi.max_size - size) return false;  // this and every older entry exceed it
      size += len;
    }
    if (count > aoi.max_count && aoi.max_count != model::AreaOfInterest::kNoLimit) return false;
    return fn(e);
  });
}

Result<Fingerprint> Store::fingerprint(const model::NamespaceId& namespace_id,
                                       const model::D3Range& range) {
  OSIER_ASSIGN_OR_RETURN(RangeSummary s, summarise(namespace_id, range));
  return s.fingerprint;
}

Result<std::uint64_t> Store::forget_area(const model::NamespaceId& namespace_id,
                                         const model::Area& area) {
  return forget_range(namespace_id, model::area_to_range(area));
}

Result<bool> Store::forget_entry(const model::NamespaceId& namespace_id,
                                 const model::SubspaceId& subspace, const model::Path& path) {
  // [path, successor) holds path alone; with no successor, path is the greatest path.
  const model::D3Range one{model::SubspaceRange{subspace, model::subspace_successor(subspace)},
                           model::PathRange{path, path.successor()}, model::TimeRange::full()};
  OSIER_ASSIGN_OR_RETURN(std::uint64_t n, forget_range(namespace_id, one));
  return n > 0;
}

Result<std::uint64_t> Store::forget_namespace(const model::NamespaceId& namespace_id) {
  return forget_range(namespace_id, model::D3Range::full());
}

}  // namespace osier::store
