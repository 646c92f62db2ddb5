// split_range (store/index_view.hpp): splitting a 3d range into parts of roughly equal item
// counts, against any IndexView.
#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

#include "store/aggregate.hpp"
#include "store/index_view.hpp"

namespace osier::store {

using model::D3Range;
using model::SubspaceId;

namespace {

// Shares k parts among pieces holding `counts` items (each piece at least one part), in
// proportion to the counts, by largest remainders, and never more parts than items.
// REQUIRES: counts.size() <= k <= the sum of counts; every count >= 1.
std::vector<std::size_t> share_parts(const std::vector<std::uint64_t>& counts, std::size_t k) {
  std::uint64_t total = 0;
  for (auto c : counts) total += c;
  std::vector<std::size_t> out(counts.size(), 1);
  std::size_t left = k - counts.size();
  const long double spare = static_cast<long double>(left);
  std::vector<std::pair<long double, std::size_t>> rem;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    const long double want =
        spare * static_cast<long double>(counts[i]) / static_cast<long double>(total);
    const auto whole = static_cast<std::size_t>(want);
    out[i] += whole;
    left -= whole;
    rem.emplace_back(want - static_cast<long double>(whole), i);
  }
  std::sort(rem.begin(), rem.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  for (std::size_t i = 0; i < left && i < rem.size(); ++i) ++out[rem[i].second];
  // A piece cannot use more parts than it has items; move the excess to pieces that can.
  std::size_t excess = 0;
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (out[i] > counts[i]) {
      excess += out[i] - static_cast<std::size_t>(counts[i]);
      out[i] = static_cast<std::size_t>(counts[i]);
    }
  }
  for (std::size_t i = 0; excess > 0 && i < out.size(); ++i) {
    const std::size_t room = static_cast<std::size_t>(counts[i]) - out[i];
    const std::size_t add = std::min(room, excess);
    out[i] += add;
    excess -= add;
  }
  return out;
}

// The summary of the items of `whole` (summarised as `ws`) that `part` (summarised as `ps`, a
// subset of them) leaves out: a subtraction, unless the payload bytes saturated (then `rest`,
// the range of the items left out, is summarised).
Result<RangeSummary> minus(const IndexView& index, const RangeSummary& ws, const RangeSummary& ps,
                           const D3Range& rest) {
  if (ws.payload_bytes == UINT64_MAX) return index.summarise(rest);
  return RangeSummary{
      (Fp256::from_bytes(ws.fingerprint) - Fp256::from_bytes(ps.fingerprint)).to_bytes(),
      ws.count - ps.count, ws.payload_bytes - ps.payload_bytes};
}

RangeSummary plus(const RangeSummary& a, const RangeSummary& b) {
  return RangeSummary{
      (Fp256::from_bytes(a.fingerprint) + Fp256::from_bytes(b.fingerprint)).to_bytes(),
      a.count + b.count, sat_add(a.payload_bytes, b.payload_bytes)};
}

// A cut of a range: at a subspace (the pieces below hold lower subspaces) or, within the one
// subspace of all the range's items, at a path. `below` summarises the range's items below it.
struct Cut {
  std::optional<SubspaceId> subspace;
  std::optional<model::Path> path;
  RangeSummary below;
};

Status split_rec(const IndexView& index, const RangePart& whole, std::size_t k,
                 std::vector<RangePart>& out) {
  const D3Range& r = whole.range;
  const std::uint64_t c = whole.summary.count;
  if (k <= 1 || c <= 1) {
    out.push_back(whole);
    return Status::ok();
  }
  if (c < k) k = static_cast<std::size_t>(c);
  const std::uint64_t k1 = k / 2;
  std::uint64_t idx = c / k * k1 + (c % k) * k1 / k;
  idx = std::clamp<std::uint64_t>(idx, 1, c - 1);
  OSIER_ASSIGN_OR_RETURN(SelectedPair sel, index.select_pair(r, idx));
  if (!sel.at || !sel.before) {
    return error(ErrorCode::kCorrupt, "index: a range holds fewer items than it counts");
  }
  const IndexItem& x = *sel.at;
  const SubspaceId& xs = x.entry.subspace_id;

  // Cuts along the subspace dimension (each leaving items on both sides), else one cut along
  // the path dimension at x (all items share one subspace then).
  std::vector<Cut> cuts;
  const auto succ = model::subspace_successor(xs);
  const auto after_start = model::subspace_successor(r.subspaces.start);
  const bool one_subspace =
      r.subspaces.end ? after_start && *after_start == *r.subspaces.end : !after_start;
  if (xs != sel.before->entry.subspace_id) {
    cuts.push_back(
        Cut{xs, std::nullopt, sel.below});  // x, the idx-th item, is its subspace's first
  } else if (!one_subspace) {
    // What lies below xs and up to it, from what lies below x and two searches within xs alone
    // (one subspace: a path interval each), not two searches through all of the range's
    // subspaces below xs.
    D3Range same = r;
    same.subspaces = {xs, succ};
    D3Range same_before = same;
    same_before.paths.end = x.entry.path;
    OSIER_ASSIGN_OR_RETURN(const RangeSummary sb, index.summarise(same_before));
    OSIER_ASSIGN_OR_RETURN(const RangeSummary sa, index.summarise(same));
    D3Range below = r;
    below.subspaces.end = xs;
    OSIER_ASSIGN_OR_RETURN(const RangeSummary sl, minus(index, sel.below, sb, below));
    const RangeSummary st = plus(sl, sa);
    if (sl.count > 0) cuts.push_back(Cut{xs, std::nullopt, sl});
    if (succ && st.count < c) cuts.push_back(Cut{*succ, std::nullopt, st});
    if (cuts.size() == 2 && k == 2) {
      // Keep the cut that comes closer to the wanted split point.
      const std::uint64_t d1 = idx > sl.count ? idx - sl.count : sl.count - idx;
      const std::uint64_t d2 = idx > st.count ? idx - st.count : st.count - idx;
      cuts.erase(cuts.begin() + (d1 <= d2 ? 1 : 0));
    }
  }
  if (cuts.empty()) cuts.push_back(Cut{std::nullopt, x.entry.path, sel.below});

  // The pieces between consecutive cuts, each with its summary: what lies below its upper cut
  // less what lies below its lower one.
  std::vector<RangePart> pieces;
  RangePart rest{r, whole.summary};
  const RangeSummary* done = nullptr;  // what lies below the previous cut
  for (const Cut& cut : cuts) {
    RangePart piece{rest.range, cut.below};
    if (cut.subspace) {
      piece.range.subspaces.end = *cut.subspace;
      rest.range.subspaces.start = *cut.subspace;
    } else {
      piece.range.paths.end = *cut.path;
      rest.range.paths.start = *cut.path;
    }
    if (done) {
      OSIER_ASSIGN_OR_RETURN(piece.summary, minus(index, cut.below, *done, piece.range));
    }
    done = &cut.below;
    pieces.push_back(std::move(piece));
  }
  OSIER_ASSIGN_OR_RETURN(rest.summary, minus(index, whole.summary, *done, rest.range));
  pieces.push_back(std::move(rest));

  std::vector<std::uint64_t> counts;
  counts.reserve(pieces.size());
  for (const RangePart& p : pieces) counts.push_back(p.summary.count);
  const auto parts = share_parts(counts, k);
  for (std::size_t i = 0; i < pieces.size(); ++i) {
    OSIER_RETURN_IF_ERROR(split_rec(index, pieces[i], parts[i], out));
  }
  return Status::ok();
}

}  // namespace

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

Result<std::vector<RangePart>> split_range_summarised(const IndexView& index, const D3Range& range,
                                                      std::size_t k,
                                                      const std::optional<RangeSummary>& summary) {
  std::vector<RangePart> out;
  RangeSummary whole;
  if (summary) {
    whole = *summary;
  } else {
    OSIER_ASSIGN_OR_RETURN(whole, index.summarise(range));
  }
  OSIER_RETURN_IF_ERROR(
      split_rec(index, RangePart{range, whole}, std::max<std::size_t>(k, 1), out));
  return out;
}

Result<std::vector<D3Range>> split_range(const IndexView& index, const D3Range& range,
                                         std::size_t k) {
  OSIER_ASSIGN_OR_RETURN(std::vector<RangePart> parts, split_range_summarised(index, range, k));
  std::vector<D3Range> out;
  out.reserve(parts.size());
  for (RangePart& p : parts) out.push_back(std::move(p.range));
  return out;
}

}  // namespace osier::store
