#include "store/entry_index.hpp"

#include <algorithm>
#include <compare>
#include <queue>
#include <utility>

namespace osier::store {

using model::D3Range;
using model::Path;
using model::SubspaceId;
using model::Timestamp;

namespace {

struct Agg {
  Fp256 fp;
  std::uint64_t count = 0;
  std::uint64_t bytes = 0;
  Timestamp min_t = 0;
  Timestamp max_t = 0;
};

std::uint64_t sat_add(std::uint64_t a, std::uint64_t b) { return a + b < a ? UINT64_MAX : a + b; }

Agg single(const IndexItem& item) {
  return Agg{item.hash, 1, item.entry.payload_length, item.entry.timestamp, item.entry.timestamp};
}

void add_into(Agg& a, const Agg& b) {
  a.fp += b.fp;
  a.count += b.count;
  a.bytes = sat_add(a.bytes, b.bytes);
  a.min_t = std::min(a.min_t, b.min_t);
  a.max_t = std::max(a.max_t, b.max_t);
}

std::strong_ordering key_cmp(const SubspaceId& s1, const Path& p1, const SubspaceId& s2,
                             const Path& p2) {
  if (auto c = s1 <=> s2; c != 0) return c;
  return p1 <=> p2;
}

std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace

struct EntryIndex::Node {
  IndexItem item;
  std::uint64_t prio = 0;
  std::unique_ptr<Node> left, right;
  Agg agg;
  const Node* leftmost = this;
  const Node* rightmost = this;

  const SubspaceId& s() const { return item.entry.subspace_id; }
  const Path& p() const { return item.entry.path; }

  void pull() {
    agg = single(item);
    leftmost = rightmost = this;
    for (const Node* c : {left.get(), right.get()}) {
      if (c) add_into(agg, c->agg);
    }
    if (left) leftmost = left->leftmost;
    if (right) rightmost = right->rightmost;
  }
};

namespace {

using NodePtr = std::unique_ptr<EntryIndex::Node>;

}  // namespace

// How a 3d range relates to subtrees and items of the (subspace, path)-ordered tree.
class RangeView {
 public:
  explicit RangeView(const D3Range& r) : r_(r) {
    const auto& ss = r.subspaces;
    const auto succ = model::subspace_successor(ss.start);
    single_subspace_ = ss.end ? (succ && *ss.end == *succ) : !succ;
    full_paths_ = r.paths.start.component_count() == 0 && !r.paths.end;
    empty_ = r.is_empty();
  }

  bool includes(const IndexItem& item) const { return r_.includes(item.entry); }

  template <typename N>
  bool disjoint(const N& n) const {
    if (empty_) return true;
    const auto& t = r_.times;
    if (n.agg.max_t < t.start || (t.end && n.agg.min_t >= *t.end)) return true;
    const N& lm = *n.leftmost;
    const N& rm = *n.rightmost;
    // Keys of the range lie in [(s.start, lo_path), (s.end, hi_path)).
    const Path& lo_path = single_subspace_ ? r_.paths.start : kEmpty;
    if (key_cmp(rm.s(), rm.p(), r_.subspaces.start, lo_path) < 0) return true;
    if (r_.subspaces.end) {
      if (lm.s() >= *r_.subspaces.end) return true;
    }
    if (single_subspace_ && r_.paths.end &&
        key_cmp(lm.s(), lm.p(), r_.subspaces.start, *r_.paths.end) >= 0) {
      return true;
    }
    if (lm.s() == rm.s()) {
      if (rm.p() < r_.paths.start) return true;
      if (r_.paths.end && lm.p() >= *r_.paths.end) return true;
    }
    return false;
  }

  template <typename N>
  bool contained(const N& n) const {
    const auto& t = r_.times;
    if (!(t.start <= n.agg.min_t && (!t.end || n.agg.max_t < *t.end))) return false;
    const N& lm = *n.leftmost;
    const N& rm = *n.rightmost;
    if (!r_.subspaces.includes(lm.s()) || !r_.subspaces.includes(rm.s())) return false;
    if (full_paths_) return true;
    return lm.s() == rm.s() && r_.paths.includes(lm.p()) && r_.paths.includes(rm.p());
  }

 private:
  static inline const Path kEmpty{};
  const D3Range& r_;
  bool single_subspace_ = false;
  bool full_paths_ = false;
  bool empty_ = false;
};

namespace {

std::pair<NodePtr, NodePtr> split_at(NodePtr t, const SubspaceId& s, const Path& p) {
  if (!t) return {nullptr, nullptr};
  if (key_cmp(t->s(), t->p(), s, p) < 0) {
    auto [l, r] = split_at(std::move(t->right), s, p);
    t->right = std::move(l);
    t->pull();
    return {std::move(t), std::move(r)};
  }
  auto [l, r] = split_at(std::move(t->left), s, p);
  t->left = std::move(r);
  t->pull();
  return {std::move(l), std::move(t)};
}

NodePtr merge(NodePtr a, NodePtr b) {
  if (!a) return b;
  if (!b) return a;
  if (a->prio > b->prio) {
    a->right = merge(std::move(a->right), std::move(b));
    a->pull();
    return a;
  }
  b->left = merge(std::move(a), std::move(b->left));
  b->pull();
  return b;
}

void insert_node(NodePtr& t, NodePtr n) {
  if (!t) {
    t = std::move(n);
    return;
  }
  if (n->prio > t->prio) {
    auto [l, r] = split_at(std::move(t), n->s(), n->p());
    n->left = std::move(l);
    n->right = std::move(r);
    n->pull();
    t = std::move(n);
    return;
  }
  if (key_cmp(n->s(), n->p(), t->s(), t->p()) < 0) {
    insert_node(t->left, std::move(n));
  } else {
    insert_node(t->right, std::move(n));
  }
  t->pull();
}

std::optional<IndexItem> erase_node(NodePtr& t, const SubspaceId& s, const Path& p) {
  if (!t) return std::nullopt;
  const auto c = key_cmp(s, p, t->s(), t->p());
  std::optional<IndexItem> out;
  if (c == 0) {
    out = std::move(t->item);
    t = merge(std::move(t->left), std::move(t->right));
    return out;
  }
  out = erase_node(c < 0 ? t->left : t->right, s, p);
  if (out) t->pull();
  return out;
}

bool update_node(EntryIndex::Node* t, const SubspaceId& s, const Path& p, std::uint64_t available,
                 const Fp256& hash) {
  if (!t) return false;
  const auto c = key_cmp(s, p, t->s(), t->p());
  if (c == 0) {
    t->item.available = available;
    t->item.hash = hash;
    t->pull();
    return true;
  }
  if (!update_node(c < 0 ? t->left.get() : t->right.get(), s, p, available, hash)) return false;
  t->pull();
  return true;
}

void summarise_rec(const EntryIndex::Node* n, const RangeView& v, Agg& acc) {
  if (!n || v.disjoint(*n)) return;
  if (v.contained(*n)) {
    acc.fp += n->agg.fp;
    acc.count += n->agg.count;
    acc.bytes = sat_add(acc.bytes, n->agg.bytes);
    return;
  }
  summarise_rec(n->left.get(), v, acc);
  if (v.includes(n->item)) {
    acc.fp += n->item.hash;
    acc.count += 1;
    acc.bytes = sat_add(acc.bytes, n->item.entry.payload_length);
  }
  summarise_rec(n->right.get(), v, acc);
}

// The i-th (0-based) item of the range in key order, or null; with `below`, adds the items of
// the range before it there (min_t and max_t aside).
const EntryIndex::Node* select_rec(const EntryIndex::Node* n, const RangeView& v, std::uint64_t i,
                                   Agg* below) {
  while (n) {
    if (v.disjoint(*n)) return nullptr;
    if (v.contained(*n)) {
      // Plain order statistics: every item of this subtree is in the range.
      while (n) {
        const std::uint64_t cl = n->left ? n->left->agg.count : 0;
        if (i < cl) {
          n = n->left.get();
        } else {
          if (below && n->left) add_into(*below, n->left->agg);
          if (i == cl) return n;
          if (below) add_into(*below, single(n->item));
          i -= cl + 1;
          n = n->right.get();
        }
      }
      return nullptr;
    }
    Agg left;
    summarise_rec(n->left.get(), v, left);
    if (i < left.count) {
      n = n->left.get();
      continue;
    }
    i -= left.count;
    if (below) add_into(*below, left);
    if (v.includes(n->item)) {
      if (i == 0) return n;
      --i;
      if (below) add_into(*below, single(n->item));
    }
    n = n->right.get();
  }
  return nullptr;
}

bool visit_rec(const EntryIndex::Node* n, const RangeView& v, const EntryIndex::Visitor& fn) {
  if (!n || v.disjoint(*n)) return true;
  if (!visit_rec(n->left.get(), v, fn)) return false;
  if (v.includes(n->item) && !fn(n->item)) return false;
  return visit_rec(n->right.get(), v, fn);
}

Status check_rec(const EntryIndex::Node* n, const EntryIndex::Node* lo, const EntryIndex::Node* hi,
                 std::uint64_t parent_prio, bool has_parent) {
  if (!n) return Status::ok();
  if (has_parent && n->prio > parent_prio) return error(ErrorCode::kCorrupt, "index: heap order");
  if (lo && key_cmp(lo->s(), lo->p(), n->s(), n->p()) >= 0) {
    return error(ErrorCode::kCorrupt, "index: key order");
  }
  if (hi && key_cmp(n->s(), n->p(), hi->s(), hi->p()) >= 0) {
    return error(ErrorCode::kCorrupt, "index: key order");
  }
  OSIER_RETURN_IF_ERROR(check_rec(n->left.get(), lo, n, n->prio, true));
  OSIER_RETURN_IF_ERROR(check_rec(n->right.get(), n, hi, n->prio, true));
  Agg a = single(n->item);
  for (const EntryIndex::Node* c : {n->left.get(), n->right.get()}) {
    if (c) add_into(a, c->agg);
  }
  if (!(a.fp == n->agg.fp) || a.count != n->agg.count || a.bytes != n->agg.bytes ||
      a.min_t != n->agg.min_t || a.max_t != n->agg.max_t) {
    return error(ErrorCode::kCorrupt, "index: subtree aggregates differ from a recomputation");
  }
  const auto* lm = n->left ? n->left->leftmost : n;
  const auto* rm = n->right ? n->right->rightmost : n;
  if (lm != n->leftmost || rm != n->rightmost) {
    return error(ErrorCode::kCorrupt, "index: extreme keys");
  }
  return Status::ok();
}

}  // namespace

EntryIndex::EntryIndex() : prio_state_(0x5eed5eed5eedULL) {}
EntryIndex::~EntryIndex() {
  // Tear down iteratively so that a degenerate tree cannot overflow the stack.
  std::vector<NodePtr> stack;
  if (root_) stack.push_back(std::move(root_));
  while (!stack.empty()) {
    NodePtr n = std::move(stack.back());
    stack.pop_back();
    if (n->left) stack.push_back(std::move(n->left));
    if (n->right) stack.push_back(std::move(n->right));
  }
}
EntryIndex::EntryIndex(EntryIndex&&) noexcept = default;
EntryIndex& EntryIndex::operator=(EntryIndex&&) noexcept = default;

std::size_t EntryIndex::size() const { return root_ ? root_->agg.count : 0; }

const IndexItem* EntryIndex::find(const SubspaceId& s, const Path& p) const {
  const Node* n = root_.get();
  while (n) {
    const auto c = key_cmp(s, p, n->s(), n->p());
    if (c == 0) return &n->item;
    n = c < 0 ? n->left.get() : n->right.get();
  }
  return nullptr;
}

void EntryIndex::insert(IndexItem item) {
  auto n = std::make_unique<Node>();
  n->item = std::move(item);
  n->prio = splitmix64(prio_state_);
  n->pull();
  insert_node(root_, std::move(n));
}

std::optional<IndexItem> EntryIndex::erase(const SubspaceId& s, const Path& p) {
  return erase_node(root_, s, p);
}

bool EntryIndex::update_available(const SubspaceId& s, const Path& p, std::uint64_t available,
                                  const Fp256& hash) {
  return update_node(root_.get(), s, p, available, hash);
}

RangeSummary EntryIndex::summarise(const D3Range& range) const {
  RangeView v(range);
  Agg acc;
  summarise_rec(root_.get(), v, acc);
  return RangeSummary{acc.fp.to_bytes(), acc.count, acc.bytes};
}

void EntryIndex::visit(const D3Range& range, const Visitor& fn) const {
  RangeView v(range);
  visit_rec(root_.get(), v, fn);
}

void EntryIndex::visit_newest_first(const D3Range& range, const Visitor& fn) const {
  RangeView v(range);
  // Best-first search: a subtree is keyed by its greatest timestamp and is expanded before any
  // item of that timestamp is emitted, so items come out in newer_than order.
  struct Cand {
    const Node* n;
    bool subtree;
  };
  auto lower = [](const Cand& a, const Cand& b) {
    const Timestamp ta = a.subtree ? a.n->agg.max_t : a.n->item.entry.timestamp;
    const Timestamp tb = b.subtree ? b.n->agg.max_t : b.n->item.entry.timestamp;
    if (ta != tb) return ta < tb;
    if (a.subtree != b.subtree) return b.subtree;
    if (a.subtree) return false;
    const model::Entry& ea = a.n->item.entry;
    const model::Entry& eb = b.n->item.entry;
    if (model::newer_than(eb, ea)) return true;
    if (model::newer_than(ea, eb)) return false;
    return key_cmp(ea.subspace_id, ea.path, eb.subspace_id, eb.path) > 0;  // ties: key order
  };
  std::priority_queue<Cand, std::vector<Cand>, decltype(lower)> heap(lower);
  if (root_) heap.push({root_.get(), true});
  while (!heap.empty()) {
    const Cand c = heap.top();
    heap.pop();
    if (!c.subtree) {
      if (!fn(c.n->item)) return;
      continue;
    }
    if (v.disjoint(*c.n)) continue;
    if (v.includes(c.n->item)) heap.push({c.n, false});
    if (c.n->left) heap.push({c.n->left.get(), true});
    if (c.n->right) heap.push({c.n->right.get(), true});
  }
}

std::vector<D3Range> EntryIndex::split(const D3Range& range, std::size_t k) const {
  auto parts = split_range(EntryIndexView(*this), range, k);
  return parts ? std::move(*parts) : std::vector<D3Range>{range};  // an in-memory view never fails
}

std::optional<IndexItem> EntryIndex::select(const D3Range& range, std::uint64_t i) const {
  const Node* n = select_rec(root_.get(), RangeView(range), i, nullptr);
  return n ? std::optional(n->item) : std::nullopt;
}

std::optional<IndexItem> EntryIndex::select(const D3Range& range, std::uint64_t i,
                                            RangeSummary& below) const {
  Agg acc;
  const Node* n = select_rec(root_.get(), RangeView(range), i, &acc);
  if (!n) return std::nullopt;
  below = RangeSummary{acc.fp.to_bytes(), acc.count, acc.bytes};
  return n->item;
}

Status EntryIndex::check() const { return check_rec(root_.get(), nullptr, nullptr, 0, false); }

}  // namespace osier::store
