// IndexView's default answers, built from its other queries.
#include "store/index_view.hpp"

#include <algorithm>
#include <utility>
#include <vector>

#include "store/aggregate.hpp"

namespace osier::store {

using model::D3Range;

namespace {

// The ranges of the items of `range` strictly after (subspace, path) in (subspace, path) order:
// the rest of its subspace, then the subspaces above it (each nullopt when empty).
std::pair<std::optional<model::D3Range>, std::optional<model::D3Range>> ranges_after(
    const model::D3Range& range, const model::SubspaceId& subspace, const model::Path& path) {
  std::pair<std::optional<model::D3Range>, std::optional<model::D3Range>> out;
  const std::optional<model::SubspaceId> next_subspace = model::subspace_successor(subspace);
  // [path's successor, …) in its subspace: the paths greater than it.
  if (std::optional<model::Path> next_path = path.successor()) {
    const model::D3Range rest{model::SubspaceRange{subspace, next_subspace},
                              model::PathRange{std::move(*next_path), std::nullopt},
                              model::TimeRange::full()};
    out.first = range.intersection(rest);
  }
  if (next_subspace) {
    const model::D3Range above{model::SubspaceRange{*next_subspace, std::nullopt},
                               model::PathRange::full(), model::TimeRange::full()};
    out.second = range.intersection(above);
  }
  return out;
}

}  // namespace

Status IndexView::visit_after(const D3Range& range, const model::SubspaceId& subspace,
                              const model::Path& path, const Visitor& fn, const Skip& skip) const {
  const auto [rest, above] = ranges_after(range, subspace, path);
  bool go_on = true;
  const Visitor tracked = [&](const IndexItem& item) { return go_on = fn(item); };
  if (rest) OSIER_RETURN_IF_ERROR(visit(*rest, tracked, skip));
  if (go_on && above) OSIER_RETURN_IF_ERROR(visit(*above, tracked, skip));
  return Status::ok();
}

Result<bool> IndexView::holds_any(const D3Range& range) const {
  bool any = false;
  OSIER_RETURN_IF_ERROR(visit(range, [&](const IndexItem&) {
    any = true;
    return false;
  }));
  return any;
}

Result<SelectedPair> IndexView::select_pair_by_time(const D3Range& range, std::uint64_t i) const {
  const std::uint64_t ranks[] = {i};
  OSIER_ASSIGN_OR_RETURN(std::vector<SelectedPair> out, select_pairs(range, ranks, true));
  return std::move(out[0]);
}

Result<std::vector<SelectedPair>> IndexView::select_pairs(const D3Range& range,
                                                          std::span<const std::uint64_t> ranks,
                                                          bool by_time) const {
  std::vector<SelectedPair> out(ranks.size());
  if (!by_time) {
    for (std::size_t q = 0; q < ranks.size(); ++q) {
      OSIER_ASSIGN_OR_RETURN(out[q], select_pair(range, ranks[q]));
    }
    return out;
  }
  // The range's items in (subspace, timestamp, path) order, once for every rank.
  std::vector<IndexItem> items;
  OSIER_RETURN_IF_ERROR(visit(range, [&](const IndexItem& it) {
    items.push_back(it);
    return true;
  }));
  std::sort(items.begin(), items.end(), [](const IndexItem& a, const IndexItem& b) {
    const model::Entry& x = a.entry;
    const model::Entry& y = b.entry;
    if (x.subspace_id != y.subspace_id) return x.subspace_id < y.subspace_id;
    if (x.timestamp != y.timestamp) return x.timestamp < y.timestamp;
    return x.path < y.path;
  });
  Aggregate below;
  std::uint64_t summed = 0;  // items[0..summed) are in `below`
  for (std::size_t q = 0; q < ranks.size(); ++q) {
    const std::uint64_t i = ranks[q];
    if (i == 0 || i >= items.size()) continue;
    for (; summed < i; ++summed)
      below.add(Aggregate::single(items[summed].hash, items[summed].entry));
    out[q].below = below.summary();
    out[q].before = items[i - 1];
    out[q].at = items[i];
  }
  return out;
}

Result<SelectedPair> IndexView::select_pair(const D3Range& range, std::uint64_t i) const {
  SelectedPair out;
  OSIER_ASSIGN_OR_RETURN(auto at, select(range, i));
  if (!at) return out;
  OSIER_ASSIGN_OR_RETURN(out.before, select(range, i - 1));
  // The items before `at`: those of lower subspaces, then those of its subspace before its path.
  D3Range lower = range;
  lower.subspaces.end = at->entry.subspace_id;
  D3Range same = range;
  same.subspaces = {at->entry.subspace_id, model::subspace_successor(at->entry.subspace_id)};
  same.paths.end = at->entry.path;
  OSIER_ASSIGN_OR_RETURN(const RangeSummary a, summarise(lower));
  OSIER_ASSIGN_OR_RETURN(const RangeSummary b, summarise(same));
  out.below = plus(a, b);
  out.at = std::move(at);
  return out;
}

}  // namespace osier::store
