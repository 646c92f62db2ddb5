#include "store/ingest_plan.hpp"

#include "osier/model/range.hpp"

namespace osier::store {

Result<IngestPlan> plan_ingest(const IndexView& index, const model::Entry& entry,
                               const EntryLookup& lookup) {
  IngestPlan plan;
  // The store holds at most one entry per (subspace, path), so the entries that could prune this
  // one are found by looking up each prefix of its path.
  for (std::size_t n = 0; n <= entry.path.component_count(); ++n) {
    const model::Path prefix = entry.path.prefix(n);
    std::optional<model::Entry> have;
    if (lookup) {
      OSIER_ASSIGN_OR_RETURN(have, lookup(entry.subspace_id, prefix));
    } else {
      OSIER_ASSIGN_OR_RETURN(auto item, index.find(entry.subspace_id, prefix));
      if (item) have = std::move(item->entry);
    }
    if (have && (*have == entry || model::newer_than(*have, entry))) {
      plan.obsolete = true;
      return plan;
    }
  }
  // Only entries no newer than this one can be pruned by it; they are told apart here rather
  // than by the range's times, so the range is one key interval (one subspace, all times), which
  // an index searches directly (a range restricted in paths and times as well costs more).
  const model::D3Range below{
      model::SubspaceRange{entry.subspace_id, model::subspace_successor(entry.subspace_id)},
      model::PathRange{entry.path, entry.path.greater_but_not_prefixed()},
      model::TimeRange::full()};
  // Mostly nothing lies below a new entry: one descent says so, before the walk.
  OSIER_ASSIGN_OR_RETURN(const bool any_below, index.holds_any(below));
  if (!any_below) return plan;
  OSIER_RETURN_IF_ERROR(index.visit(below, [&](const IndexItem& item) {
    if (model::newer_than(entry, item.entry)) plan.pruned.push_back(item.entry.path);
    return true;
  }));
  return plan;
}

Status check_no_pruning(const IndexView& index) {
  Status st;
  Status walked = index.visit(model::D3Range::full(), [&](const IndexItem& item) {
    const model::Entry& e = item.entry;
    for (std::size_t n = 0; n < e.path.component_count(); ++n) {
      auto above = index.find(e.subspace_id, e.path.prefix(n));
      if (!above) {
        st = above.status();
        return false;
      }
      if (*above && model::prunes((*above)->entry, e)) {
        st = error(ErrorCode::kCorrupt, "store holds an entry at " + e.path.to_string() +
                                            " pruned by the entry at " +
                                            (*above)->entry.path.to_string());
        return false;
      }
    }
    return true;
  });
  OSIER_RETURN_IF_ERROR(walked);
  return st;
}

Status query_index(const IndexView& index, const model::D3Range& range, const QueryOptions& options,
                   const ItemConverter& convert, const EntryCallback& fn) {
  if (options.limit == 0) return Status::ok();
  std::uint64_t emitted = 0;
  Status st;
  auto visitor = [&](const IndexItem& item) {
    auto lae = convert(item);
    if (!lae) {
      st = lae.status();
      return false;
    }
    if (!fn(*lae)) return false;
    return ++emitted < options.limit;
  };
  OSIER_RETURN_IF_ERROR(options.order == QueryOrder::kNewestFirst
                            ? index.visit_newest_first(range, visitor)
                            : index.visit(range, visitor));
  return st;
}

}  // namespace osier::store
