// split_range (store/index_view.hpp): splitting a 3d range into parts of roughly equal item
// counts, against any IndexView.
#include <algorithm>
#include <utility>

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

Result<std::uint64_t> count_in(const IndexView& index, const D3Range& r) {
  OSIER_ASSIGN_OR_RETURN(RangeSummary s, index.summarise(r));
  return s.count;
}

Status split_rec(const IndexView& index, const D3Range& r, std::uint64_t c, std::size_t k,
                 std::vector<D3Range>& out) {
  if (k <= 1 || c <= 1) {
    out.push_back(r);
    return Status::ok();
  }
  if (c < k) k = static_cast<std::size_t>(c);
  const std::uint64_t k1 = k / 2;
  std::uint64_t idx = c / k * k1 + (c % k) * k1 / k;
  idx = std::clamp<std::uint64_t>(idx, 1, c - 1);
  OSIER_ASSIGN_OR_RETURN(auto pair, index.select_pair(r, idx));
  const auto& [y, x] = pair;
  if (!x || !y) return error(ErrorCode::kCorrupt, "index: a range holds fewer items than it counts");
  const SubspaceId& xs = x->entry.subspace_id;

  // Cut points along the subspace dimension (each leaving items on both sides), else one cut
  // along the path dimension (all items share one subspace then). `below` holds, per cut, the
  // number of the range's items before it (known from the counting that chose it, so the
  // pieces need no counting of their own).
  std::vector<SubspaceId> cuts;
  std::vector<std::uint64_t> below_cut;
  if (xs != y->entry.subspace_id) {
    cuts.push_back(xs);
    below_cut.push_back(idx);  // x, the idx-th item, is the first of its subspace
  } else {
    D3Range below = r;
    below.subspaces.end = xs;
    OSIER_ASSIGN_OR_RETURN(const std::uint64_t cl, count_in(index, below));
    const auto succ = model::subspace_successor(xs);
    std::uint64_t through = c;
    if (succ) {
      D3Range upto = r;
      upto.subspaces.end = *succ;
      OSIER_ASSIGN_OR_RETURN(through, count_in(index, upto));
    }
    if (cl > 0) {
      cuts.push_back(xs);
      below_cut.push_back(cl);
    }
    if (through < c) {
      cuts.push_back(*succ);
      below_cut.push_back(through);
    }
    if (cuts.size() == 2 && k == 2) {
      // Keep the cut that comes closer to the wanted split point.
      const std::uint64_t d1 = idx > cl ? idx - cl : cl - idx;
      const std::uint64_t d2 = idx > through ? idx - through : through - idx;
      const std::size_t drop = d1 <= d2 ? 1 : 0;
      cuts.erase(cuts.begin() + static_cast<std::ptrdiff_t>(drop));
      below_cut.erase(below_cut.begin() + static_cast<std::ptrdiff_t>(drop));
    }
  }
  std::vector<D3Range> pieces;
  if (cuts.empty()) {
    D3Range a = r;
    D3Range b = r;
    a.paths.end = x->entry.path;
    b.paths.start = x->entry.path;
    pieces = {a, b};
  } else {
    D3Range rest = r;
    for (const auto& cut : cuts) {
      D3Range a = rest;
      a.subspaces.end = cut;
      rest.subspaces.start = cut;
      pieces.push_back(a);
    }
    pieces.push_back(rest);
  }
  std::vector<std::uint64_t> counts;
  std::uint64_t assigned = 0;
  for (std::size_t i = 0; i + 1 < pieces.size(); ++i) {
    std::uint64_t n = 0;
    if (cuts.empty()) {
      n = idx;  // the path cut at x leaves the idx items before x below it
    } else {
      n = below_cut[i] - assigned;
    }
    counts.push_back(n);
    assigned += n;
  }
  counts.push_back(c - assigned);
  const auto parts = share_parts(counts, k);
  for (std::size_t i = 0; i < pieces.size(); ++i) {
    OSIER_RETURN_IF_ERROR(split_rec(index, pieces[i], counts[i], parts[i], out));
  }
  return Status::ok();
}

}  // namespace

Result<std::pair<std::optional<IndexItem>, std::optional<IndexItem>>> IndexView::select_pair(
    const D3Range& range, std::uint64_t i) const {
  OSIER_ASSIGN_OR_RETURN(auto second, select(range, i));
  if (!second) return std::pair<std::optional<IndexItem>, std::optional<IndexItem>>{};
  OSIER_ASSIGN_OR_RETURN(auto first, select(range, i - 1));
  return std::pair{std::move(first), std::move(second)};
}

Result<std::vector<D3Range>> split_range(const IndexView& index, const D3Range& range,
                                         std::size_t k) {
  std::vector<D3Range> out;
  OSIER_ASSIGN_OR_RETURN(const std::uint64_t c, count_in(index, range));
  OSIER_RETURN_IF_ERROR(split_rec(index, range, c, std::max<std::size_t>(k, 1), out));
  return out;
}

}  // namespace osier::store
