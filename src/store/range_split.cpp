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

// A cut of a range: at a subspace (the pieces below hold lower subspaces) or, within the one
// subspace of all the range's items, at a path or a timestamp. `below` summarises the range's
// items below it.
struct Cut {
  std::optional<SubspaceId> subspace;
  std::optional<model::Path> path;
  std::optional<model::Timestamp> time;
  RangeSummary below;
};

// The wanted number of items below the first cut of a range of c items split in k parts.
std::uint64_t split_point(std::uint64_t c, std::size_t k) {
  const std::uint64_t k1 = k / 2;
  const std::uint64_t idx = c / k * k1 + (c % k) * k1 / k;
  return std::clamp<std::uint64_t>(idx, 1, c - 1);
}

// The items around the split point of `whole` in k parts (k lowered to its item count; `idx`:
// the wanted number of items below), in the path or the time order.
Result<SelectedPair> select_split_point(const IndexView& index, const RangePart& whole,
                                        bool by_time, std::size_t& k, std::uint64_t& idx) {
  const std::uint64_t c = whole.summary.count;
  if (c < k) k = static_cast<std::size_t>(c);
  idx = split_point(c, k);
  OSIER_ASSIGN_OR_RETURN(SelectedPair sel, by_time ? index.select_pair_by_time(whole.range, idx)
                                                   : index.select_pair(whole.range, idx));
  if (!sel.at || !sel.before) {
    return error(ErrorCode::kCorrupt, "index: a range holds fewer items than it counts");
  }
  return sel;
}

// Of two cuts leaving items on both sides, the one nearer the wanted split point.
void keep_nearer(std::vector<Cut>& cuts, std::uint64_t idx) {
  const std::uint64_t a = cuts[0].below.count, b = cuts[1].below.count;
  const std::uint64_t d1 = idx > a ? idx - a : a - idx;
  const std::uint64_t d2 = idx > b ? idx - b : b - idx;
  cuts.erase(cuts.begin() + (d1 <= d2 ? 1 : 0));
}

Status split_any(const IndexView& index, const RangePart& whole, std::size_t k,
                 std::vector<RangePart>& out);

// The pieces of `whole` between consecutive cuts (ascending), each with its summary: what lies
// below its upper cut less what lies below its lower one; then split further.
Status split_pieces(const IndexView& index, const RangePart& whole, const std::vector<Cut>& cuts,
                    std::size_t k, std::vector<RangePart>& out) {
  std::vector<RangePart> pieces;
  RangePart rest{whole.range, whole.summary};
  const RangeSummary* done = nullptr;  // what lies below the previous cut
  for (const Cut& cut : cuts) {
    RangePart piece{rest.range, cut.below};
    if (cut.subspace) {
      piece.range.subspaces.end = *cut.subspace;
      rest.range.subspaces.start = *cut.subspace;
    } else if (cut.path) {
      piece.range.paths.end = *cut.path;
      rest.range.paths.start = *cut.path;
    } else {
      piece.range.times.end = *cut.time;
      rest.range.times.start = *cut.time;
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
    OSIER_RETURN_IF_ERROR(split_any(index, pieces[i], parts[i], out));
  }
  return Status::ok();
}

Status split_rec(const IndexView& index, const RangePart& whole, std::size_t k,
                 std::vector<RangePart>& out);

// A range of all paths whose items all have timestamp t (REQUIRES: 2 <= k <= its count): the
// times below and above t as parts without items, and the one timestamp t (one interval of the
// time order, in path order) cut by path. When k leaves no room for those, the whole range is
// cut by path instead.
Status split_one_time(const IndexView& index, const RangePart& whole, std::size_t k,
                      model::Timestamp t, std::vector<RangePart>& out) {
  const D3Range& r = whole.range;
  D3Range at = r;
  at.times.start = t;
  std::optional<D3Range> below, above;
  if (r.times.start < t) {
    below = r;
    below->times.end = t;
  }
  if (t != ~model::Timestamp{0} && (!r.times.end || t + 1 < *r.times.end)) {
    at.times.end = t + 1;
    above = r;
    above->times.start = t + 1;
  }
  const std::size_t sides = (below ? 1 : 0) + (above ? 1 : 0);
  if (k < sides + 2) return split_rec(index, whole, k, out);
  if (below) out.push_back(RangePart{*below, RangeSummary{}});
  OSIER_RETURN_IF_ERROR(split_rec(index, RangePart{at, whole.summary}, k - sides, out));
  if (above) out.push_back(RangePart{*above, RangeSummary{}});
  return Status::ok();
}

// Splits a range of all paths of an index with a time order: along subspaces where items of
// several fall, else by time (the parts keep all paths).
Status split_by_time(const IndexView& index, const RangePart& whole, std::size_t k,
                     std::vector<RangePart>& out) {
  const D3Range& r = whole.range;
  const std::uint64_t c = whole.summary.count;
  std::uint64_t idx = 0;
  OSIER_ASSIGN_OR_RETURN(const SelectedPair sel, select_split_point(index, whole, true, k, idx));
  const IndexItem& x = *sel.at;
  const SubspaceId& xs = x.entry.subspace_id;
  const auto succ = model::subspace_successor(xs);
  std::vector<Cut> cuts;
  if (xs != sel.before->entry.subspace_id) {
    cuts.push_back(Cut{xs, std::nullopt, std::nullopt, sel.below});  // x begins its subspace
  } else if (!one_subspace(r)) {
    // What lies below xs and up to it: ranges of whole subspaces, time order intervals.
    D3Range lower = r;
    lower.subspaces.end = xs;
    OSIER_ASSIGN_OR_RETURN(const RangeSummary sl, index.summarise(lower));
    RangeSummary st = whole.summary;
    if (succ) {
      D3Range upto = r;
      upto.subspaces.end = *succ;
      OSIER_ASSIGN_OR_RETURN(st, index.summarise(upto));
    }
    if (sl.count > 0) cuts.push_back(Cut{xs, std::nullopt, std::nullopt, sl});
    if (succ && st.count < c) cuts.push_back(Cut{*succ, std::nullopt, std::nullopt, st});
    if (cuts.size() == 2 && k == 2) keep_nearer(cuts, idx);
  }
  if (cuts.empty()) {
    // The items around the split point share a subspace: cut by time.
    const model::Timestamp t = x.entry.timestamp;
    if (sel.before->entry.timestamp != t) {
      cuts.push_back(Cut{std::nullopt, std::nullopt, t, sel.below});
    } else {
      // x and the item before it share t: cut below t or above it, whichever is nearer.
      if (t > r.times.start) {
        D3Range b = r;
        b.times.end = t;
        OSIER_ASSIGN_OR_RETURN(const RangeSummary s, index.summarise(b));
        if (s.count > 0) cuts.push_back(Cut{std::nullopt, std::nullopt, t, s});
      }
      if (t != ~model::Timestamp{0} && (!r.times.end || t + 1 < *r.times.end)) {
        D3Range b = r;
        b.times.end = t + 1;
        OSIER_ASSIGN_OR_RETURN(const RangeSummary s, index.summarise(b));
        if (s.count < c) cuts.push_back(Cut{std::nullopt, std::nullopt, t + 1, s});
      }
      if (cuts.size() == 2) keep_nearer(cuts, idx);
      if (cuts.empty()) return split_one_time(index, whole, k, t, out);
    }
  }
  return split_pieces(index, whole, cuts, k, out);
}

// The ranks (in the order of the items below each cut) at which halving a range of one
// subspace with c items in k parts cuts it: split_rec and split_by_time there cut at the item at
// split_point() and share the parts between the two pieces by their counts alone.
void halving_ranks(std::uint64_t offset, std::uint64_t c, std::size_t k,
                   std::vector<std::uint64_t>& out) {
  if (k <= 1 || c <= 1) return;
  if (c < k) k = static_cast<std::size_t>(c);
  const std::uint64_t idx = split_point(c, k);
  out.push_back(offset + idx);
  const auto parts = share_parts({idx, c - idx}, k);
  halving_ranks(offset, idx, parts[0], out);
  halving_ranks(offset + idx, c - idx, parts[1], out);
}

// Halves a range of one subspace (REQUIRES: k >= 2, at least 2 items) with every cut found in
// one search of the index (select_pairs) instead of one search per cut, into the same parts as
// split_rec or split_by_time. False (and nothing added to `out`) where those would cut otherwise:
// the two items at a time cut share their timestamp.
Result<bool> split_one_subspace(const IndexView& index, const RangePart& whole, std::size_t k,
                                bool by_time, std::vector<RangePart>& out) {
  std::vector<std::uint64_t> ranks;
  halving_ranks(0, whole.summary.count, k, ranks);
  std::sort(ranks.begin(), ranks.end());
  OSIER_ASSIGN_OR_RETURN(const std::vector<SelectedPair> pairs,
                         index.select_pairs(whole.range, ranks, by_time));
  std::vector<Cut> cuts;
  cuts.reserve(pairs.size());
  for (const SelectedPair& p : pairs) {
    if (!p.at || !p.before) {
      return error(ErrorCode::kCorrupt, "index: a range holds fewer items than it counts");
    }
    if (!by_time) {
      cuts.push_back(Cut{std::nullopt, p.at->entry.path, std::nullopt, p.below});
    } else if (p.before->entry.timestamp != p.at->entry.timestamp) {
      cuts.push_back(Cut{std::nullopt, std::nullopt, p.at->entry.timestamp, p.below});
    } else {
      return false;
    }
  }
  OSIER_RETURN_IF_ERROR(split_pieces(index, whole, cuts, cuts.size() + 1, out));
  return true;
}

Status split_any(const IndexView& index, const RangePart& whole, std::size_t k,
                 std::vector<RangePart>& out) {
  if (k <= 1 || whole.summary.count <= 1) {
    out.push_back(whole);
    return Status::ok();
  }
  const bool by_time =
      index.has_time_order() && all_paths(whole.range) && !one_timestamp(whole.range);
  if (k > 2 && index.finds_pairs_in_one_search() && one_subspace(whole.range)) {
    OSIER_ASSIGN_OR_RETURN(const bool done, split_one_subspace(index, whole, k, by_time, out));
    if (done) return Status::ok();
  }
  if (by_time) return split_by_time(index, whole, k, out);
  return split_rec(index, whole, k, out);
}

// Splits a range along subspaces where items of several fall, else by path (REQUIRES: k >= 2
// and at least 2 items).
Status split_rec(const IndexView& index, const RangePart& whole, std::size_t k,
                 std::vector<RangePart>& out) {
  const D3Range& r = whole.range;
  const std::uint64_t c = whole.summary.count;
  std::uint64_t idx = 0;
  OSIER_ASSIGN_OR_RETURN(const SelectedPair sel, select_split_point(index, whole, false, k, idx));
  const IndexItem& x = *sel.at;
  const SubspaceId& xs = x.entry.subspace_id;

  // Cuts along the subspace dimension (each leaving items on both sides), else one cut along
  // the path dimension at x (all items share one subspace then).
  std::vector<Cut> cuts;
  const auto succ = model::subspace_successor(xs);
  if (xs != sel.before->entry.subspace_id) {
    cuts.push_back(Cut{xs, std::nullopt, std::nullopt, sel.below});  // x begins its subspace
  } else if (!one_subspace(r)) {
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
    if (sl.count > 0) cuts.push_back(Cut{xs, std::nullopt, std::nullopt, sl});
    if (succ && st.count < c) cuts.push_back(Cut{*succ, std::nullopt, std::nullopt, st});
    if (cuts.size() == 2 && k == 2) keep_nearer(cuts, idx);
  }
  if (cuts.empty()) cuts.push_back(Cut{std::nullopt, x.entry.path, std::nullopt, sel.below});
  return split_pieces(index, whole, cuts, k, out);
}

}  // namespace

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
      split_any(index, RangePart{range, whole}, std::max<std::size_t>(k, 1), out));
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
