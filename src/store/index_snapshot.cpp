#include "store/index_snapshot.hpp"

namespace osier::store {

IndexSnapshot::IndexSnapshot(const model::NamespaceId& namespace_id, std::shared_ptr<void> state,
                             std::unique_ptr<const IndexView> view, Load load, bool serialise,
                             Holds holds)
    : namespace_id_(namespace_id),
      state_(std::move(state)),
      view_(std::move(view)),
      load_(std::move(load)),
      holds_(std::move(holds)),
      serialise_(serialise) {}

std::unique_lock<std::mutex> IndexSnapshot::lock() const {
  return serialise_ ? std::unique_lock(mu_) : std::unique_lock<std::mutex>();
}

Result<RangeSummary> IndexSnapshot::summarise(const model::D3Range& range) const {
  auto held = lock();
  return view_->summarise(range);
}

Result<std::vector<RangePart>> IndexSnapshot::split(
    const model::D3Range& range, std::size_t k, const std::optional<RangeSummary>& summary) const {
  auto held = lock();
  return split_range_summarised(*view_, range, k, summary);
}

Status IndexSnapshot::scan(const model::D3Range& range, const std::optional<ScanPosition>& after,
                           const ScanCallback& fn, const ScanSkip& skip) const {
  auto held = lock();
  bool go_on = true;
  Status loaded;
  const auto deliver = [&](const IndexItem& item) {
    auto e = load_(item);
    if (!e) {
      loaded = e.status();
      return go_on = false;
    }
    return go_on = fn(*e);
  };
  if (!after) {
    OSIER_RETURN_IF_ERROR(view_->visit(range, deliver, skip));
    return loaded;
  }
  OSIER_RETURN_IF_ERROR(view_->visit_after(range, after->subspace, after->path, deliver, skip));
  return loaded;
}

Result<model::D3Range> IndexSnapshot::aoi_range(const model::AreaOfInterest& aoi) const {
  model::D3Range range = model::area_to_range(aoi.area);
  constexpr std::uint64_t kNoLimit = model::AreaOfInterest::kNoLimit;
  if (aoi.max_count == kNoLimit && aoi.max_size == kNoLimit) return range;
  auto held = lock();
  // spec: grouping_entries#aoi_include — the newest entries, as Store::query_aoi takes them.
  std::uint64_t count = 0, size = 0;
  std::optional<model::Timestamp> oldest;
  OSIER_RETURN_IF_ERROR(view_->visit_newest_first(range, [&](const IndexItem& item) {
    if (aoi.max_count != kNoLimit && count == aoi.max_count) return false;
    const std::uint64_t len = item.entry.payload_length;
    if (aoi.max_size != kNoLimit && len > aoi.max_size - size) return false;
    ++count;
    size += len;
    oldest = item.entry.timestamp;
    return true;
  }));
  if (!oldest) {
    range.times = model::TimeRange{range.times.start, range.times.start};  // empty
  } else {
    range.times.start = std::max(range.times.start, *oldest);
  }
  return range;
}

Result<std::optional<LengthyAuthorisedEntry>> IndexSnapshot::get(const model::SubspaceId& subspace,
                                                                 const model::Path& path) const {
  auto held = lock();
  OSIER_ASSIGN_OR_RETURN(std::optional<IndexItem> item, view_->find(subspace, path));
  if (!item) return std::optional<LengthyAuthorisedEntry>();
  OSIER_ASSIGN_OR_RETURN(LengthyAuthorisedEntry e, load_(*item));
  return std::optional(std::move(e));
}

Result<bool> IndexSnapshot::holds_exactly(const model::Entry& entry, ByteView token) const {
  if (entry.namespace_id != namespace_id_) return false;
  if (holds_) {
    auto held = lock();
    return holds_(entry, token);
  }
  std::optional<IndexItem> item;
  {
    auto held = lock();
    OSIER_ASSIGN_OR_RETURN(item, view_->find(entry.subspace_id, entry.path));
  }
  if (!item || !(item->entry == entry)) return false;
  // hash_lengthy_authorised_entry binds the token: the same hash with the stored available
  // length is the same token (no read of the stored one, which lies outside the index).
  return hash_lengthy_authorised_entry(entry, token, item->available) == item->hash;
}

}  // namespace osier::store
