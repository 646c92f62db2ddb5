#include "store/lmdb_tree.hpp"

#include <sodium.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <memory>
#include <new>
#include <queue>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "crypto/sodium.hpp"
#include "osier/base/codec.hpp"
#include "osier/crypto/william3.hpp"
#include "osier/model/encoding_path.hpp"
#include "store/lmdb_env.hpp"
#include "store/path_key.hpp"

namespace osier::store {

using model::D3Range;
using model::Path;
using model::SubspaceId;

namespace {

Status corrupt(const char* what) {
  return error(ErrorCode::kCorrupt, std::string("store tree: ") + what);
}

int cmp(ByteView a, ByteView b) {
  const std::size_t n = std::min(a.size(), b.size());
  if (n > 0) {
    if (int c = std::memcmp(a.data(), b.data(), n); c != 0) return c;
  }
  return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
}

std::uint64_t be64(const std::uint8_t* p) {
  std::uint64_t v;
  std::memcpy(&v, p, 8);
  if constexpr (std::endian::native == std::endian::little) v = __builtin_bswap64(v);
  return v;
}

// The 32 big-endian bytes at p as a number (Fp256::from_bytes without the copy).
Fp256 fp_at(const std::uint8_t* p) {
  Fp256 f;
  for (int limb = 0; limb < 4; ++limb) f.w[limb] = be64(p + (3 - limb) * 8);
  return f;
}

// ---- One item as stored in a node (docs/formats.md "The tree"):
// u32 n ‖ subspace_id (32) ‖ order key (n) ‖ path digest (32) ‖ u64 timestamp ‖
// u64 payload_length ‖ payload_digest (32) ‖ u64 available ‖ hash (32).
// Its key — subspace_id ‖ order key — orders items bytewise: in the path order the order key is
// the path order key, so items sort as (subspace, path); in the time order it is the u64
// timestamp ‖ the path order key, so they sort as (subspace, timestamp, path).

constexpr std::size_t kTail = 32 + 8 + 8 + 32 + 8 + 32;

}  // namespace

// Named (not anonymous) because TreeNode, declared in the header, holds ItemRefs.
namespace tree_internal {

class ItemRef {
 public:
  ItemRef() = default;
  explicit ItemRef(ByteView b) : b_(b), n_(static_cast<std::size_t>(be64_4(b.data()))) {}

  ByteView bytes() const { return b_; }
  ByteView key() const { return b_.subspan(4, 32 + n_); }
  ByteView subspace() const { return b_.subspan(4, 32); }
  ByteView path_key() const { return b_.subspan(36, n_); }
  ByteView path_digest() const { return b_.subspan(36 + n_, 32); }
  std::uint64_t timestamp() const { return be64(tail()); }
  std::uint64_t payload_length() const { return be64(tail() + 8); }
  std::uint64_t available() const { return be64(tail() + 48); }
  Fp256 hash() const { return fp_at(tail() + 56); }
  Aggregate aggregate() const {
    const std::uint64_t t = timestamp();
    return Aggregate{hash(), 1, payload_length(), t, t};
  }

  // The whole item, decoding its path; `path_at`: where the path order key starts in the key's
  // part after the subspace (8 in the time order, after the timestamp).
  Result<IndexItem> materialise(const model::NamespaceId& ns, std::size_t path_at = 0) const {
    IndexItem it;
    model::Entry& e = it.entry;
    e.namespace_id = ns;
    std::memcpy(e.subspace_id.data(), b_.data() + 4, 32);
    if (path_key().size() < path_at) return corrupt("an item with an invalid path key");
    auto path = decode_path_key(path_key().subspan(path_at));
    if (!path) return corrupt("an item with an invalid path key");
    e.path = std::move(*path);
    e.timestamp = timestamp();
    e.payload_length = payload_length();
    std::memcpy(e.payload_digest.data(), tail() + 16, 32);
    it.available = available();
    it.hash = hash();
    return it;
  }

  // Parses the item at the start of `rest`; nullopt when it is malformed.
  static std::optional<ItemRef> parse(ByteView rest) {
    if (rest.size() < 4) return std::nullopt;
    const std::uint64_t n = be64_4(rest.data());
    if (rest.size() - 4 < 32 + kTail || n > rest.size() - 4 - 32 - kTail) return std::nullopt;
    return ItemRef(rest.first(static_cast<std::size_t>(4 + 32 + n + kTail)));
  }

 private:
  static std::uint64_t be64_4(const std::uint8_t* p) {
    return (std::uint64_t{p[0]} << 24) | (std::uint64_t{p[1]} << 16) | (std::uint64_t{p[2]} << 8) |
           p[3];
  }
  // What follows the path digest.
  const std::uint8_t* tail() const { return b_.data() + 36 + n_ + 32; }

  ByteView b_;
  std::size_t n_ = 0;
};

}  // namespace tree_internal

using tree_internal::ItemRef;

namespace {

Bytes encode_item(const IndexItem& it, const ByteArray<32>& path_digest, Order order) {
  const model::Entry& e = it.entry;
  Bytes pk = path_key(e.path);
  const std::size_t t = order == Order::kTime ? 8 : 0;
  Bytes v;
  v.reserve(4 + 32 + t + pk.size() + kTail);
  put_be(v, t + pk.size(), 4);
  append(v, e.subspace_id);
  if (t > 0) put_be(v, e.timestamp, 8);
  append(v, pk);
  append(v, path_digest);
  put_be(v, e.timestamp, 8);
  put_be(v, e.payload_length, 8);
  append(v, e.payload_digest);
  put_be(v, it.available, 8);
  append(v, it.hash.to_bytes());
  return v;
}

// The key of (subspace, path) in the path order, as items hold it.
Bytes search_key(const SubspaceId& s, const Path& p) {
  Bytes k(s.begin(), s.end());
  append_path_key(k, p);
  return k;
}

// The key of (subspace, timestamp, path) in the time order.
Bytes time_key(const SubspaceId& s, model::Timestamp t, const Path& p) {
  Bytes k(s.begin(), s.end());
  put_be(k, t, 8);
  append_path_key(k, p);
  return k;
}

// ---- Nodes: a node of level L holds its items (all of level L, ascending) and, for L > 0, one
// child aggregate per gap (items + 1; count 0: no child there). Encoded as
// u16 m ‖ [(m + 1) × aggregate (64 bytes)] ‖ m items; an aggregate is u64 count ‖ fingerprint
// (32) ‖ u64 payload bytes ‖ u64 least timestamp ‖ u64 greatest timestamp (zeros when empty).

constexpr std::size_t kAggSize = 64;
constexpr std::size_t kMaxItems = 0xffff;

}  // namespace

// A decoded node as writes change it, kept in the TreeWriteCache until the flush encodes it.
// Its items are views: into its stored value (`raw`, copied once when the node is loaded), into
// buffers it owns (items inserted or changed), or into another cached node's, after a split or
// merge moved them. Cached nodes are neither freed nor have those buffers changed before the
// cache is flushed or cleared, so every view stays valid as long as the cache holds them.
struct TreeNode {
  Bytes raw;
  std::vector<std::unique_ptr<Bytes>> owned;
  std::vector<ItemRef> items;
  std::vector<Aggregate> kids;  // items.size() + 1 for level > 0, else none

  const ItemRef& item(std::size_t j) const { return items[j]; }
  // A view of a copy of `bytes` that this node keeps.
  ItemRef own(Bytes bytes) {
    owned.push_back(std::make_unique<Bytes>(std::move(bytes)));
    return ItemRef(*owned.back());
  }
  bool is_empty() const {
    return items.empty() &&
           std::all_of(kids.begin(), kids.end(), [](const Aggregate& a) { return a.count == 0; });
  }
  Aggregate total() const {
    Aggregate a;
    for (std::size_t j = 0; j < items.size(); ++j) {
      if (!kids.empty()) a.add(kids[j]);
      a.add(item(j).aggregate());
    }
    if (!kids.empty()) a.add(kids.back());
    return a;
  }
  // The number of items whose key is below `key`; `found` says whether one equals it.
  std::size_t position(ByteView key, bool& found) const {
    std::size_t lo = 0, hi = items.size();
    while (lo < hi) {
      const std::size_t mid = (lo + hi) / 2;
      if (cmp(item(mid).key(), key) < 0) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    found = lo < items.size() && cmp(item(lo).key(), key) == 0;
    return lo;
  }
  void make_empty(int level) {
    items.clear();
    kids.assign(level > 0 ? 1 : 0, Aggregate{});
  }
};

namespace {

void put_aggregate(Bytes& v, const Aggregate& a) {
  if (a.count == 0) {
    v.resize(v.size() + kAggSize, 0);
    return;
  }
  put_be(v, a.count, 8);
  append(v, a.fp.to_bytes());
  put_be(v, a.bytes, 8);
  put_be(v, a.min_t, 8);
  put_be(v, a.max_t, 8);
}

Bytes encode_node(const TreeNode& n) {
  std::size_t size = 2 + n.kids.size() * kAggSize;
  for (const ItemRef& item : n.items) size += item.bytes().size();
  Bytes v;
  v.reserve(size);
  put_be(v, n.items.size(), 2);
  for (const Aggregate& a : n.kids) put_aggregate(v, a);
  for (const ItemRef& item : n.items) append(v, item.bytes());
  return v;
}

Aggregate aggregate_at(const std::uint8_t* p) {
  Aggregate a;
  a.count = be64(p);
  if (a.count > 0) {
    a.fp = fp_at(p + 8);
    a.bytes = be64(p + 40);
    a.min_t = be64(p + 48);
    a.max_t = be64(p + 56);
  }
  return a;
}

// Decodes a stored node for writing, into a copy of its bytes (items are checked further only
// when used: a path key when it is decoded, everything by check()).
Status decode_node(ByteView value, int level, TreeNode& n) {
  n.raw.assign(value.begin(), value.end());
  const ByteView v = n.raw;
  if (v.size() < 2) return corrupt("truncated node");
  const std::size_t m = (std::size_t{v[0]} << 8) | v[1];
  std::size_t at = 2;
  if (level > 0) {
    if (v.size() - at < (m + 1) * kAggSize) return corrupt("truncated node");
    n.kids.reserve(m + 2);
    for (std::size_t j = 0; j <= m; ++j, at += kAggSize)
      n.kids.push_back(aggregate_at(v.data() + at));
  }
  n.items.reserve(m + 1);
  for (std::size_t i = 0; i < m; ++i) {
    auto item = ItemRef::parse(v.subspan(at));
    if (!item) return corrupt("truncated node");
    at += item->bytes().size();
    n.items.push_back(*item);
  }
  if (at != v.size()) return corrupt("trailing bytes in a node");
  return Status::ok();
}

// What range tests read of a child aggregate: its count and time span.
struct Span {
  std::uint64_t count;
  model::Timestamp min_t, max_t;
};

// A read-only view of a stored node, for queries: its items as views into the value, its child
// aggregates read from the value's fixed offsets only when used (a query takes few of a node's
// children whole, and skips most). Parsing allocates nothing for nodes of up to kInline items.
// Neither copied nor moved: items_ may point into the object itself.
class NodeView {
 public:
  static constexpr std::size_t kInline = 64;  // nodes hold 16 items on average

  NodeView() = default;
  NodeView(const NodeView&) = delete;
  NodeView& operator=(const NodeView&) = delete;

  // Parses the layout of value (as decode_node does); the view is valid as long as `value`.
  Status parse(ByteView value, int level) {
    // The items' lengths chain (each says where the next starts), so parsing waits for one
    // cache miss after another; asking for all of the node's lines first overlaps them.
    for (std::size_t off = 0; off < value.size(); off += 64) __builtin_prefetch(value.data() + off);
    if (value.size() < 2) return corrupt("truncated node");
    const std::size_t m = (std::size_t{value[0]} << 8) | value[1];
    std::size_t at = 2;
    aggs_ = nullptr;
    kids_ = nullptr;
    if (level > 0) {
      if (value.size() - at < (m + 1) * kAggSize) return corrupt("truncated node");
      aggs_ = value.data() + at;
      at += (m + 1) * kAggSize;
    }
    ItemRef* items = inline_items();
    if (m > kInline) {
      more_.resize(m);
      items = more_.data();
    }
    items_ = items;
    m_ = 0;
    for (std::size_t i = 0; i < m; ++i) {
      auto item = ItemRef::parse(value.subspan(at));
      if (!item) return corrupt("truncated node");
      at += item->bytes().size();
      new (&items[i]) ItemRef(*item);
      m_ = i + 1;
    }
    if (at != value.size()) return corrupt("trailing bytes in a node");
    return Status::ok();
  }

  // Views a node of the write cache (valid as long as it is not changed).
  void parse(const TreeNode& n) {
    aggs_ = nullptr;
    kids_ = n.kids.empty() ? nullptr : n.kids.data();
    m_ = n.items.size();
    items_ = n.items.data();
  }

  std::size_t size() const { return m_; }
  const ItemRef& item(std::size_t j) const { return items_[j]; }
  bool has_kids() const { return aggs_ != nullptr || kids_ != nullptr; }
  // Child j (0 <= j <= size(); only when has_kids()).
  Span span(std::size_t j) const {
    if (kids_) return Span{kids_[j].count, kids_[j].min_t, kids_[j].max_t};
    const std::uint8_t* p = agg(j);
    return Span{be64(p), be64(p + 48), be64(p + 56)};
  }
  Aggregate kid(std::size_t j) const { return kids_ ? kids_[j] : aggregate_at(agg(j)); }
  Aggregate total() const {
    Aggregate a;
    for (std::size_t j = 0; j < m_; ++j) {
      if (has_kids()) a.add(kid(j));
      a.add(items_[j].aggregate());
    }
    if (has_kids()) a.add(kid(m_));
    return a;
  }
  // The number of items whose key is below `key`; `found` says whether one equals it.
  std::size_t position(ByteView key, bool& found) const {
    std::size_t lo = 0, hi = m_;
    while (lo < hi) {
      const std::size_t mid = (lo + hi) / 2;
      if (cmp(items_[mid].key(), key) < 0) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    found = lo < m_ && cmp(items_[lo].key(), key) == 0;
    return lo;
  }

 private:
  const std::uint8_t* agg(std::size_t j) const { return aggs_ + j * kAggSize; }

  const std::uint8_t* aggs_ = nullptr;  // child aggregates as stored, or
  const Aggregate* kids_ = nullptr;     // as decoded in the write cache
  ItemRef* inline_items() { return reinterpret_cast<ItemRef*>(inline_); }

  std::size_t m_ = 0;
  const ItemRef* items_ = nullptr;
  // Raw storage (ItemRef is trivially copyable and destructible): a view costs no stores for
  // the slots it does not use.
  alignas(ItemRef) unsigned char inline_[kInline * sizeof(ItemRef)];
  std::vector<ItemRef> more_;
};

// ---- How a 3d range relates to items and to subtrees whose items lie strictly between two
// bounds (items; none for an open end) and whose aggregate gives their time span. All in key
// bytes, and each item is compared with the range's ends once (Bound), not once per test.

// An item with the signs of its key's comparisons with the range's ends: subspace against s0
// and s1, path key against p0 and p1 (an absent end counts as greater than everything; the
// path signs are computed only for items whose subspace lies in the range: 0 otherwise).
struct Bound {
  const ItemRef* item = nullptr;  // null: an open end
  std::int8_t s0 = 0, s1 = 0, p0 = 0, p1 = 0;
  bool same_as_before = false;  // the subspace of the bound before it (Bounds) is the same

  bool in_subspaces() const { return s0 >= 0 && s1 < 0; }
};

int sign(int c) { return (c > 0) - (c < 0); }

// Views keep them in raw storage, constructed in place and never destroyed.
static_assert(std::is_trivially_copyable_v<ItemRef> && std::is_trivially_destructible_v<ItemRef>);
static_assert(std::is_trivially_copyable_v<Bound> && std::is_trivially_destructible_v<Bound>);

// In the path order a range is, per subspace, the interval [p0, p1) of path order keys; in the
// time order one whose paths are all paths or whose times are one timestamp is, per subspace,
// an interval of time order keys (timestamp ‖ path order key). The tests below compare items'
// order keys with p0 and p1 and so serve both orders.
class RangeTest {
 public:
  // `r` in the path order.
  explicit RangeTest(const D3Range& r) : r_(r) {
    init_subspaces();
    full_paths_ = r.paths.start.component_count() == 0 && !r.paths.end;
    p0_ = path_key(r.paths.start);
    if (r.paths.end) p1_ = path_key(*r.paths.end);
  }

  // `r` in the time order (REQUIRES: its paths are all paths or its times one timestamp).
  static RangeTest time_order(const D3Range& r) {
    RangeTest rt(r, 0);
    rt.least_ = Bytes(8, 0);  // timestamp 0 and the empty path
    const model::Timestamp t0 = r.times.start;
    put_be(rt.p0_, t0, 8);
    if (r.paths.start.component_count() == 0 && !r.paths.end) {
      if (r.times.end) {
        rt.p1_.emplace();
        put_be(*rt.p1_, *r.times.end, 8);
      }
    } else {  // one timestamp
      append_path_key(rt.p0_, r.paths.start);
      if (r.paths.end) {
        rt.p1_.emplace();
        put_be(*rt.p1_, t0, 8);
        append_path_key(*rt.p1_, *r.paths.end);
      } else if (r.times.end) {
        rt.p1_.emplace();
        put_be(*rt.p1_, *r.times.end, 8);
      }
    }
    return rt;
  }

  bool empty() const { return empty_; }

  bool in_time(std::uint64_t t) const {
    return r_.times.start <= t && (!r_.times.end || t < *r_.times.end);
  }

  // `before`: the bound before x, if any; items of one subspace mostly sit together, and a
  // subspace equal to the one before needs no further comparisons.
  Bound bound(const ItemRef& x, const Bound* before) const {
    Bound b;
    b.item = &x;
    const ByteView s = x.subspace();
    if (before && before->item && std::memcmp(s.data(), before->item->subspace().data(), 32) == 0) {
      b.same_as_before = true;
      b.s0 = before->s0;
      b.s1 = before->s1;
    } else {
      b.s0 = static_cast<std::int8_t>(sign(cmp(s, s0_)));
      b.s1 = s1_.empty() ? -1 : static_cast<std::int8_t>(sign(cmp(s, s1_)));
    }
    if (b.in_subspaces()) {
      const ByteView p = x.path_key();
      b.p0 = static_cast<std::int8_t>(sign(cmp(p, p0_)));
      b.p1 = p1_ ? static_cast<std::int8_t>(sign(cmp(p, *p1_))) : -1;
    }
    return b;
  }

  bool includes(const Bound& x) const {
    return x.in_subspaces() && x.p0 >= 0 && x.p1 < 0 && in_time(x.item->timestamp());
  }

  // Time and keys separately: a subtree inside the range's keys but cut by its time side is
  // searched by time alone (sum's `inside`). `same`: lo and hi are items of one subspace
  // (Bounds::same_subspace).
  bool time_disjoint(const Span& a) const {
    const auto& t = r_.times;
    return a.count == 0 || a.max_t < t.start || (t.end && a.min_t >= *t.end);
  }
  bool time_contained(const Span& a) const { return in_time(a.min_t) && in_time(a.max_t); }

  bool keys_disjoint(const Bound& lo, const Bound& hi, bool same) const {
    if (empty_) return true;
    // The range's keys are at least s0 ‖ (p0 for one subspace, else the least order key); the
    // subtree's are below hi.
    if (hi.item) {
      if (hi.s0 < 0) return true;
      if (hi.s0 == 0 && (single_ ? hi.p0 <= 0 : least(*hi.item))) return true;
    }
    // ...and below s1 ‖ the empty path, or s0 ‖ p1 for one subspace; the subtree's above lo.
    if (lo.item) {
      if (lo.s1 >= 0) return true;
      if (single_ && p1_ && (lo.s0 > 0 || (lo.s0 == 0 && lo.p1 >= 0))) return true;
    }
    if (same) {
      // One subspace, path keys strictly between lo's and hi's.
      if (!lo.in_subspaces()) return true;
      if (hi.p0 <= 0) return true;
      if (lo.p1 >= 0) return true;
    }
    return false;
  }

  bool keys_contained(const Bound& lo, const Bound& hi, bool same) const {
    if (full_paths_) {
      const bool lower = min_subspace_ || (lo.item && lo.s0 >= 0);
      const bool upper = s1_.empty() || (hi.item && (hi.s1 < 0 || (hi.s1 == 0 && least(*hi.item))));
      return lower && upper;
    }
    return same && lo.in_subspaces() && lo.p0 >= 0 && hi.p1 <= 0;
  }

  bool disjoint(const Span& a, const Bound& lo, const Bound& hi, bool same) const {
    return time_disjoint(a) || keys_disjoint(lo, hi, same);
  }
  bool contained(const Span& a, const Bound& lo, const Bound& hi, bool same) const {
    return time_contained(a) && keys_contained(lo, hi, same);
  }

 private:
  RangeTest(const D3Range& r, int /*time order*/) : r_(r) { init_subspaces(); }
  void init_subspaces() {
    const D3Range& r = r_;
    const auto succ = model::subspace_successor(r.subspaces.start);
    single_ = r.subspaces.end ? (succ && *r.subspaces.end == *succ) : !succ;
    empty_ = r.is_empty();
    min_subspace_ = r.subspaces.start == SubspaceId{};
    s0_ = ByteView(r.subspaces.start);
    if (r.subspaces.end) s1_ = ByteView(*r.subspaces.end);
  }
  // Whether x's order key is the least there is (x is the first key of its subspace).
  bool least(const ItemRef& x) const { return cmp(x.path_key(), least_) == 0; }

  const D3Range& r_;
  bool single_ = false;
  bool full_paths_ = false;  // the path order only: every key of the range's subspaces is in it
  bool empty_ = false;
  bool min_subspace_ = false;
  ByteView s0_, s1_;  // s1_ empty: no end
  Bytes p0_;
  std::optional<Bytes> p1_;
  Bytes least_;  // the least order key: the empty path, or timestamp 0 and the empty path
};

}  // namespace

// What a select looks for: for each of `ranks` (ascending, distinct), the range's item at that
// rank and the summary of the items below it, and with `pairs` (each rank then >= 1) the item
// before it too; `pos` is the rank of the range's next item and `passed` sums the items before
// it.
struct TreePicks {
  TreePicks(std::span<const std::uint64_t> r, bool want_pairs)
      : ranks(r), pairs(want_pairs), out(r.size()) {}
  std::span<const std::uint64_t> ranks;
  bool pairs;
  std::vector<SelectedPair> out;
  std::size_t next = 0;  // the first rank whose item is still to be found
  std::uint64_t pos = 0;
  Aggregate passed;
  bool done() const { return next == ranks.size(); }
  // The least rank of an item still wanted (REQUIRES: !done()).
  std::uint64_t wanted() const {
    return pairs && !out[next].before ? ranks[next] - 1 : ranks[next];
  }
  // Takes the item at rank `pos` (before it is added to `passed`): it may be the item before one
  // rank and the item at another.
  void take(const IndexItem& item) {
    for (std::size_t q = next; q < ranks.size() && ranks[q] <= pos + (pairs ? 1 : 0); ++q) {
      if (pairs && ranks[q] - 1 == pos) out[q].before = item;
      if (ranks[q] == pos) {
        out[q].at = item;
        out[q].below = passed.summary();
      }
    }
    while (next < ranks.size() && out[next].at) ++next;
  }
};

// ---- Node access, bound to one transaction

class TreeAccess {
 public:
  TreeAccess(MDB_txn* txn, MDB_dbi dbi, const model::NamespaceId& ns, TreeWriteCache* cache,
             TreeReadCache* rcache, Order order = Order::kPath)
      : txn_(txn),
        dbi_(dbi),
        ns_(ns),
        cache_(cache),
        rcache_(cache ? nullptr : rcache),
        order_(order) {}

  // The item's whole entry.
  Result<IndexItem> materialise(const ItemRef& x) const {
    return x.materialise(ns_, order_ == Order::kTime ? 8 : 0);
  }

  // namespace_id ‖ u8 order and level ‖ [subspace_id ‖ path digest of the boundary item]; the
  // order byte is the level in the path order, 0x80 + the level in the time order.
  struct NodeKey {
    std::uint8_t b[32 + 1 + 64];
    std::size_t n;
    ByteView view() const { return ByteView(b, n); }
  };
  NodeKey node_key(int level, const ItemRef* boundary) const {
    NodeKey k;
    std::memcpy(k.b, ns_.data(), 32);
    k.b[32] = static_cast<std::uint8_t>(level | (order_ == Order::kTime ? 0x80 : 0));
    k.n = 33;
    if (boundary) {
      std::memcpy(k.b + 33, boundary->subspace().data(), 32);
      std::memcpy(k.b + 65, boundary->path_digest().data(), 32);
      k.n = 97;
    }
    return k;
  }
  Bytes key(int level, const ItemRef* boundary) const {
    const NodeKey k = node_key(level, boundary);
    return Bytes(k.b, k.b + k.n);
  }

  // Reads node (level, boundary) into `n` (views into the map or the write cache, valid while
  // nothing is written); false when no node is stored.
  Result<bool> view(int level, const ItemRef* boundary, NodeView& n) const {
    const NodeKey k = node_key(level, boundary);
    if (cache_) {
      auto it = cache_->nodes_.find(k.view());
      if (it != cache_->nodes_.end()) {
        if (it->second->is_empty()) return false;
        n.parse(*it->second);
        return true;
      }
    }
    const bool remember = rcache_ && level >= TreeReadCache::kMinLevel;
    if (remember) {
      auto it = rcache_->nodes_.find(k.view());
      if (it != rcache_->nodes_.end()) {
        if (!it->second.mv_data) return false;
        OSIER_RETURN_IF_ERROR(n.parse(lmdb::view(it->second), level));
        return true;
      }
    }
    MDB_val kv{k.n, const_cast<std::uint8_t*>(k.b)};
    MDB_val v{};
    const int rc = mdb_get(txn_, dbi_, &kv, &v);
    if (rc != MDB_NOTFOUND) OSIER_RETURN_IF_ERROR(lmdb::status_of(rc, "read a tree node"));
    if (remember && rcache_->nodes_.size() < TreeReadCache::kMaxNodes) {
      rcache_->nodes_.emplace(Bytes(k.b, k.b + k.n), rc == MDB_NOTFOUND ? MDB_val{} : v);
    }
    if (rc == MDB_NOTFOUND) return false;
    OSIER_RETURN_IF_ERROR(n.parse(lmdb::view(v), level));
    return true;
  }

  // ---- Writes change decoded nodes in place in the write cache (a local one, flushed by the
  // caller, when the tree has none): a node is decoded once per transaction (or cache flush)
  // and encoded once at the flush, however many entries a batch adds below it. Each write
  // returns the new aggregate of the node it changed. It changes a node only after its
  // recursive calls returned, so the item views it passes down (boundaries, x) stay valid;
  // nodes are never removed from the cache during a write (the flush runs between writes).

  TreeWriteCache& wcache() { return cache_ ? *cache_ : local_; }
  // Flushes the local cache (after a write, when the tree has no cache of its own).
  Status finish_write() {
    if (!cache_) return local_.flush(txn_, dbi_);
    if (cache_->nodes_.size() >= TreeWriteCache::kMaxNodes) return cache_->flush(txn_, dbi_);
    return Status::ok();
  }

  // The cached node (level, b), loaded into the cache on first use; an empty node (so also
  // cached) when none is stored, and then null unless `create`.
  Result<TreeNode*> node(int level, const ItemRef* b, bool create) {
    const NodeKey k = node_key(level, b);
    auto& nodes = wcache().nodes_;
    auto it = nodes.find(k.view());
    if (it == nodes.end()) {
      auto n = std::make_unique<TreeNode>();
      MDB_val kv{k.n, const_cast<std::uint8_t*>(k.b)};
      MDB_val v{};
      const int rc = mdb_get(txn_, dbi_, &kv, &v);
      if (rc == MDB_NOTFOUND) {
        n->make_empty(level);
      } else {
        OSIER_RETURN_IF_ERROR(lmdb::status_of(rc, "read a tree node"));
        OSIER_RETURN_IF_ERROR(decode_node(lmdb::view(v), level, *n));
      }
      it = nodes.emplace(Bytes(k.b, k.b + k.n), std::move(n)).first;
    }
    TreeNode* n = it->second.get();
    return create || !n->is_empty() ? n : nullptr;
  }

  // The boundary of the child in gap j of a node with boundary `b` (`holder` keeps the view).
  static const ItemRef* child_boundary(const TreeNode& n, std::size_t j, const ItemRef* b,
                                       ItemRef& holder) {
    if (j == 0) return b;
    holder = n.item(j - 1);
    return &holder;
  }

  // Adds x (of level lx) within node (level, b). Above lx, the gap x goes down gains x's
  // aggregate (no node's total is recomputed); a key stored already is found at lx, before
  // anything changed.
  Status insert(int level, const ItemRef* b, const ItemRef& x, int lx) {
    OSIER_ASSIGN_OR_RETURN(TreeNode * n, node(level, b, true));
    bool found = false;
    const std::size_t i = n->position(x.key(), found);
    if (found) return error(ErrorCode::kInvalidArgument, "store tree: key stored already");
    ItemRef cb;
    if (level > lx) {
      OSIER_RETURN_IF_ERROR(insert(level - 1, child_boundary(*n, i, b, cb), x, lx));
      n->kids[i].add(x.aggregate());
    } else {
      if (level > 0) {
        // x splits the child in its gap: the keys below x stay, those above go to a new child
        // whose boundary is x.
        OSIER_ASSIGN_OR_RETURN(auto parts, split(level - 1, child_boundary(*n, i, b, cb), x));
        n->kids[i] = parts.first;
        n->kids.insert(n->kids.begin() + static_cast<std::ptrdiff_t>(i) + 1, parts.second);
      }
      n->items.insert(n->items.begin() + static_cast<std::ptrdiff_t>(i),
                      n->own(Bytes(x.bytes().begin(), x.bytes().end())));
    }
    return Status::ok();
  }

  // Splits node (level, b) at x (not stored): keys below x stay in it, the others move to node
  // (level, x). Returns both aggregates.
  Result<std::pair<Aggregate, Aggregate>> split(int level, const ItemRef* b, const ItemRef& x) {
    OSIER_ASSIGN_OR_RETURN(TreeNode * n, node(level, b, false));
    if (!n) return std::pair<Aggregate, Aggregate>{};
    bool found = false;
    const std::size_t i = n->position(x.key(), found);
    const auto at = static_cast<std::ptrdiff_t>(i);
    std::pair<Aggregate, Aggregate> parts;
    if (level > 0) {
      ItemRef cb;
      OSIER_ASSIGN_OR_RETURN(parts, split(level - 1, child_boundary(*n, i, b, cb), x));
    }
    OSIER_ASSIGN_OR_RETURN(TreeNode * right, node(level, &x, true));
    right->items.assign(n->items.begin() + at, n->items.end());
    n->items.erase(n->items.begin() + at, n->items.end());
    if (level > 0) {
      right->kids.assign(1, parts.second);
      right->kids.insert(right->kids.end(), n->kids.begin() + at + 1, n->kids.end());
      n->kids.erase(n->kids.begin() + at + 1, n->kids.end());
      n->kids[i] = parts.first;
    }
    return std::pair{n->total(), right->total()};
  }

  Result<Aggregate> erase(int level, const ItemRef* b, ByteView key,
                          std::optional<IndexItem>& out) {
    OSIER_ASSIGN_OR_RETURN(TreeNode * n, node(level, b, false));
    if (!n) return Aggregate{};
    bool found = false;
    const std::size_t i = n->position(key, found);
    ItemRef cb;
    if (!found) {
      if (level == 0) return n->total();
      OSIER_ASSIGN_OR_RETURN(const Aggregate a,
                             erase(level - 1, child_boundary(*n, i, b, cb), key, out));
      if (!out) return n->total();
      n->kids[i] = a;
    } else {
      const ItemRef x = n->item(i);
      OSIER_ASSIGN_OR_RETURN(IndexItem gone, materialise(x));
      if (level > 0) {
        // The children on both sides of x become one (keeping the left one's boundary).
        OSIER_ASSIGN_OR_RETURN(const Aggregate joined,
                               merge(level - 1, child_boundary(*n, i, b, cb), x));
        n->kids[i] = joined;
        n->kids.erase(n->kids.begin() + static_cast<std::ptrdiff_t>(i) + 1);
      }
      n->items.erase(n->items.begin() + static_cast<std::ptrdiff_t>(i));
      out = std::move(gone);
    }
    return n->total();
  }

  // Merges node (level, x) into node (level, bl), which precedes it.
  Result<Aggregate> merge(int level, const ItemRef* bl, const ItemRef& x) {
    OSIER_ASSIGN_OR_RETURN(TreeNode * a, node(level, bl, true));
    OSIER_ASSIGN_OR_RETURN(TreeNode * c, node(level, &x, true));
    Aggregate joined;
    if (level > 0) {
      ItemRef last;
      const ItemRef* lb = bl;
      if (!a->items.empty()) {
        last = a->item(a->items.size() - 1);
        lb = &last;
      }
      OSIER_ASSIGN_OR_RETURN(joined, merge(level - 1, lb, x));
      a->kids.back() = joined;
      a->kids.insert(a->kids.end(), c->kids.begin() + 1, c->kids.end());
    }
    a->items.insert(a->items.end(), c->items.begin(), c->items.end());
    c->make_empty(level);  // its record is deleted at the flush
    return a->total();
  }

  // `done` with the item's timestamp in `t` once found.
  Result<Aggregate> update(int level, const ItemRef* b, ByteView key, std::uint64_t available,
                           const Fp256& hash, bool& done, model::Timestamp& t) {
    OSIER_ASSIGN_OR_RETURN(TreeNode * n, node(level, b, false));
    if (!n) return Aggregate{};
    bool found = false;
    const std::size_t i = n->position(key, found);
    if (found) {
      t = n->items[i].timestamp();
      // Available length and hash end the item.
      const ByteView old = n->items[i].bytes();
      Bytes changed(old.begin(), old.end() - 40);
      put_be(changed, available, 8);
      append(changed, hash.to_bytes());
      n->items[i] = n->own(std::move(changed));
      done = true;
    } else {
      if (level == 0) return n->total();
      ItemRef cb;
      OSIER_ASSIGN_OR_RETURN(const Aggregate a, update(level - 1, child_boundary(*n, i, b, cb), key,
                                                       available, hash, done, t));
      if (!done) return n->total();
      n->kids[i] = a;
    }
    return n->total();
  }

  // ---- Reads. Each node is a NodeView on the caller's stack, its items classified against the
  // range once (Bounds); a child's bounds are its neighbouring items in the parent (or the
  // parent's own bounds at the ends).

  class Bounds {
   public:
    Bounds(const NodeView& n, const RangeTest& rt, const Bound& lo, const Bound& hi)
        : lo_(lo), hi_(hi), m_(n.size()) {
      if (m_ > NodeView::kInline) {
        more_.resize(m_);
        b_ = more_.data();
      }
      for (std::size_t j = 0; j < m_; ++j) new (&b_[j]) Bound(rt.bound(n.item(j), &lower(j)));
      if (lo_.item && hi_.item) {
        const Bound& last = m_ > 0 ? b_[m_ - 1] : lo_;
        last_same_ =
            std::memcmp(last.item->subspace().data(), hi_.item->subspace().data(), 32) == 0;
      }
    }
    Bounds(const Bounds&) = delete;
    Bounds& operator=(const Bounds&) = delete;

    const Bound& item(std::size_t j) const { return b_[j]; }
    // The bounds of child j.
    const Bound& lower(std::size_t j) const { return j == 0 ? lo_ : b_[j - 1]; }
    const Bound& upper(std::size_t j) const { return j == m_ ? hi_ : b_[j]; }
    // Whether the bounds of child j are items of one subspace.
    bool same_subspace(std::size_t j) const {
      return j == m_ ? last_same_ : b_[j].item && lower(j).item && b_[j].same_as_before;
    }
    bool disjoint(const RangeTest& rt, const Span& sp, std::size_t j) const {
      return rt.disjoint(sp, lower(j), upper(j), same_subspace(j));
    }
    bool contained(const RangeTest& rt, const Span& sp, std::size_t j) const {
      return rt.contained(sp, lower(j), upper(j), same_subspace(j));
    }
    bool keys_disjoint(const RangeTest& rt, std::size_t j) const {
      return rt.keys_disjoint(lower(j), upper(j), same_subspace(j));
    }
    bool keys_contained(const RangeTest& rt, std::size_t j) const {
      return rt.keys_contained(lower(j), upper(j), same_subspace(j));
    }

   private:
    Bound lo_, hi_;
    std::size_t m_;
    bool last_same_ = false;
    alignas(Bound) unsigned char inline_[NodeView::kInline * sizeof(Bound)];  // as NodeView's
    Bound* b_ = reinterpret_cast<Bound*>(inline_);
    std::vector<Bound> more_;
  };

  static const ItemRef* child_boundary(const NodeView& n, std::size_t j, const ItemRef* b) {
    return j == 0 ? b : &n.item(j - 1);
  }

  // Adds what `range` includes of node (level, b), whose items lie in (lo, hi), to `acc`.
  Status sum(int level, const ItemRef* b, const Bound& lo, const Bound& hi, const RangeTest& rt,
             Aggregate& acc) const {
    NodeView n;
    OSIER_ASSIGN_OR_RETURN(const bool stored, view(level, b, n));
    if (!stored) return Status::ok();
    const Bounds bs(n, rt, lo, hi);
    for (std::size_t j = 0; j <= n.size(); ++j) {
      if (n.has_kids()) {
        const Span sp = n.span(j);
        if (!rt.time_disjoint(sp) && !bs.keys_disjoint(rt, j)) {
          if (!bs.keys_contained(rt, j)) {
            OSIER_RETURN_IF_ERROR(
                sum(level - 1, child_boundary(n, j, b), bs.lower(j), bs.upper(j), rt, acc));
          } else if (rt.time_contained(sp)) {
            acc.add(n.kid(j));
          } else {
            OSIER_RETURN_IF_ERROR(sum_inside(level - 1, child_boundary(n, j, b), rt, acc));
          }
        }
      }
      if (j < n.size() && rt.includes(bs.item(j))) acc.add(n.item(j).aggregate());
    }
    return Status::ok();
  }

  // sum() of a subtree inside the range's keys: only time is tested, no key is compared.
  Status sum_inside(int level, const ItemRef* b, const RangeTest& rt, Aggregate& acc) const {
    NodeView n;
    OSIER_ASSIGN_OR_RETURN(const bool stored, view(level, b, n));
    if (!stored) return Status::ok();
    for (std::size_t j = 0; j <= n.size(); ++j) {
      if (n.has_kids()) {
        const Span sp = n.span(j);
        if (rt.time_contained(sp)) {
          acc.add(n.kid(j));
        } else if (!rt.time_disjoint(sp)) {
          OSIER_RETURN_IF_ERROR(sum_inside(level - 1, child_boundary(n, j, b), rt, acc));
        }
      }
      if (j < n.size() && rt.in_time(n.item(j).timestamp())) acc.add(n.item(j).aggregate());
    }
    return Status::ok();
  }

  // Visits in descending key order; false in `go` once the visitor stopped.
  Status walk_back(int level, const ItemRef* b, const Bound& lo, const Bound& hi,
                   const RangeTest& rt, const IndexView::Visitor& fn, bool& go) const {
    NodeView n;
    OSIER_ASSIGN_OR_RETURN(const bool stored, view(level, b, n));
    if (!stored) return Status::ok();
    const Bounds bs(n, rt, lo, hi);
    // Forward, a node is child 0, item 0, child 1, ..., item m-1, child m.
    for (std::size_t j = n.size() + 1; go && j-- > 0;) {
      if (n.has_kids() && !bs.disjoint(rt, n.span(j), j)) {
        OSIER_RETURN_IF_ERROR(
            walk_back(level - 1, child_boundary(n, j, b), bs.lower(j), bs.upper(j), rt, fn, go));
      }
      if (go && j > 0 && rt.includes(bs.item(j - 1))) {
        OSIER_ASSIGN_OR_RETURN(IndexItem item, materialise(n.item(j - 1)));
        go = fn(item);
      }
    }
    return Status::ok();
  }

  // Visits in key order, passing over the items `skip` (if any) says to by their stored hash,
  // unread; false in `go` once the visitor stopped.
  Status walk(int level, const ItemRef* b, const Bound& lo, const Bound& hi, const RangeTest& rt,
              const IndexView::Visitor& fn, const IndexView::Skip& skip, bool& go) const {
    NodeView n;
    OSIER_ASSIGN_OR_RETURN(const bool stored, view(level, b, n));
    if (!stored) return Status::ok();
    const Bounds bs(n, rt, lo, hi);
    for (std::size_t j = 0; go && j <= n.size(); ++j) {
      if (n.has_kids() && !bs.disjoint(rt, n.span(j), j)) {
        OSIER_RETURN_IF_ERROR(
            walk(level - 1, child_boundary(n, j, b), bs.lower(j), bs.upper(j), rt, fn, skip, go));
      }
      if (go && j < n.size() && rt.includes(bs.item(j)) && !(skip && skip(n.item(j).hash()))) {
        OSIER_ASSIGN_OR_RETURN(IndexItem item, materialise(n.item(j)));
        go = fn(item);
      }
    }
    return Status::ok();
  }

  // Picks the items of several ranks in one descent, left to right: a child the range contains
  // is passed by its count when no wanted rank lies in it, else searched.
  Status select_many(int level, const ItemRef* b, const Bound& lo, const Bound& hi,
                     const RangeTest& rt, TreePicks& picks) const {
    NodeView n;
    OSIER_ASSIGN_OR_RETURN(const bool stored, view(level, b, n));
    if (!stored) return Status::ok();
    const Bounds bs(n, rt, lo, hi);
    for (std::size_t j = 0; j <= n.size(); ++j) {
      if (n.has_kids()) {
        const Span sp = n.span(j);
        if (!bs.disjoint(rt, sp, j)) {
          if (picks.pos + sp.count <= picks.wanted() && bs.contained(rt, sp, j)) {
            picks.pos += sp.count;
            picks.passed.add(n.kid(j));
          } else {
            OSIER_RETURN_IF_ERROR(select_many(level - 1, child_boundary(n, j, b), bs.lower(j),
                                              bs.upper(j), rt, picks));
            if (picks.done()) return Status::ok();
          }
        }
      }
      if (j < n.size() && rt.includes(bs.item(j))) {
        if (picks.pos == picks.wanted()) {
          OSIER_ASSIGN_OR_RETURN(const IndexItem item, materialise(n.item(j)));
          picks.take(item);
          if (picks.done()) return Status::ok();
        }
        picks.passed.add(n.item(j).aggregate());
        ++picks.pos;
      }
    }
    return Status::ok();
  }

  static const ItemRef* lower(const NodeView& n, std::size_t j, const ItemRef* lo) {
    return j == 0 ? lo : &n.item(j - 1);
  }
  static const ItemRef* upper(const NodeView& n, std::size_t j, const ItemRef* hi) {
    return j == n.size() ? hi : &n.item(j);
  }

  // check(): verifies node (level, b) with items in (lo, hi) against `expect` (its aggregate
  // as its parent records it; none for the root); counts nodes and items.
  Status check(const TreeSalt& salt, int level, const ItemRef* b, const ItemRef* lo,
               const ItemRef* hi, const Aggregate* expect, std::uint64_t& nodes,
               std::uint64_t& items) const {
    NodeView n;
    OSIER_ASSIGN_OR_RETURN(const bool stored, view(level, b, n));
    if (!stored) {
      if (expect && expect->count != 0) return corrupt("a child with entries has no node");
      return Status::ok();
    }
    if (n.total().count == 0) return corrupt("an empty node is stored");
    ++nodes;
    items += n.size();
    for (std::size_t j = 0; j < n.size(); ++j) {
      const ItemRef& x = n.item(j);
      const ItemRef* before = lower(n, j, lo);
      if (before && cmp(before->key(), x.key()) >= 0) return corrupt("keys out of order");
      if (j + 1 == n.size() && hi && cmp(x.key(), hi->key()) >= 0) {
        return corrupt("keys out of order");
      }
      OSIER_ASSIGN_OR_RETURN(IndexItem it, materialise(x));
      Bytes order_key;
      if (order_ == Order::kTime) put_be(order_key, it.entry.timestamp, 8);
      append_path_key(order_key, it.entry.path);
      if (!(order_key == Bytes(x.path_key().begin(), x.path_key().end()))) {
        return corrupt("an order key that is not canonic");
      }
      Encoder enc;
      model::encode_path(enc, it.entry.path);
      ByteArray<32> digest;
      std::memcpy(digest.data(), x.path_digest().data(), 32);
      if (!(crypto::william3(enc.bytes()) == digest)) return corrupt("a wrong path digest");
      if (LmdbTree::level_of(salt, it.entry.subspace_id, digest) != level) {
        return corrupt("an item at the wrong level");
      }
    }
    if (n.has_kids()) {
      for (std::size_t j = 0; j <= n.size(); ++j) {
        const Aggregate kid = n.kid(j);
        std::uint64_t child_items = 0;
        OSIER_RETURN_IF_ERROR(check(salt, level - 1, child_boundary(n, j, b), lower(n, j, lo),
                                    upper(n, j, hi), &kid, nodes, child_items));
        items += child_items;
      }
    }
    if (expect && !(n.total() == *expect)) {
      return corrupt("a child aggregate differs from a recomputation");
    }
    return Status::ok();
  }

  const model::NamespaceId& ns() const { return ns_; }

 private:
  MDB_txn* txn_;
  MDB_dbi dbi_;
  const model::NamespaceId& ns_;
  TreeWriteCache* cache_;
  TreeReadCache* rcache_;  // null with a write cache
  Order order_;
  TreeWriteCache local_;  // writes' nodes when the tree has no cache
};

std::size_t TreeWriteCache::KeyHash::operator()(ByteView k) const {
  return std::hash<std::string_view>{}(
      std::string_view(reinterpret_cast<const char*>(k.data()), k.size()));
}
bool TreeWriteCache::KeyEqual::operator()(ByteView a, ByteView b) const { return cmp(a, b) == 0; }

TreeWriteCache::TreeWriteCache() = default;
TreeWriteCache::~TreeWriteCache() = default;
void TreeWriteCache::clear() { nodes_.clear(); }

Status TreeWriteCache::flush(MDB_txn* txn, MDB_dbi dbi) {
  // In key order: LMDB writes neighbouring records into pages it has just touched.
  std::vector<std::pair<const Bytes*, TreeNode*>> order;
  order.reserve(nodes_.size());
  for (auto& [k, n] : nodes_) order.emplace_back(&k, n.get());
  std::sort(order.begin(), order.end(),
            [](const auto& a, const auto& b) { return cmp(*a.first, *b.first) < 0; });
  for (const auto& [k, n] : order) {
    MDB_val kv = lmdb::val(*k);
    if (n->is_empty()) {
      const int rc = mdb_del(txn, dbi, &kv, nullptr);
      if (rc != MDB_NOTFOUND) OSIER_RETURN_IF_ERROR(lmdb::status_of(rc, "delete a tree node"));
      continue;
    }
    if (n->items.size() > kMaxItems) return corrupt("node too large");
    const Bytes v = encode_node(*n);
    MDB_val vv = lmdb::val(v);
    OSIER_RETURN_IF_ERROR(lmdb::status_of(mdb_put(txn, dbi, &kv, &vv, 0), "write a tree node"));
  }
  nodes_.clear();
  return Status::ok();
}

LmdbTree::LmdbTree(MDB_txn* txn, MDB_dbi dbi, const model::NamespaceId& ns, const TreeSalt& salt,
                   TreeWriteCache* cache, TreeReadCache* read_cache)
    : txn_(txn), cache_(cache), rcache_(read_cache), dbi_(dbi), ns_(ns), salt_(salt) {}

int LmdbTree::level_of(const TreeSalt& salt, const SubspaceId& subspace,
                       const ByteArray<32>& path_digest) {
  crypto::ensure_sodium();
  std::uint8_t in[64];
  std::copy(subspace.begin(), subspace.end(), in);
  std::copy(path_digest.begin(), path_digest.end(), in + 32);
  std::uint8_t out[crypto_shorthash_BYTES];
  crypto_shorthash(out, in, sizeof in, salt.data());
  std::uint64_t h = 0;
  for (std::uint8_t byte : out) h = (h << 8) | byte;
  if (h == 0) return kTopLevel;
  return std::min(kTopLevel, std::countr_zero(h) / kLevelBits);
}

Result<std::optional<IndexItem>> LmdbTree::find(const SubspaceId& s, const Path& p) const {
  TreeAccess acc(txn_, dbi_, ns_, cache_, rcache_);
  const Bytes key = search_key(s, p);
  // Descend along the gaps that hold the key. The boundary is a copy of the item's view (its
  // bytes live in the map or the cache, not in the NodeView, which the next level reuses).
  NodeView n;
  ItemRef held;
  const ItemRef* boundary = nullptr;
  for (int level = kTopLevel; level >= 0; --level) {
    OSIER_ASSIGN_OR_RETURN(const bool stored, acc.view(level, boundary, n));
    if (!stored) return std::optional<IndexItem>();
    bool found = false;
    const std::size_t i = n.position(key, found);
    if (found) {
      OSIER_ASSIGN_OR_RETURN(IndexItem item, n.item(i).materialise(ns_));
      return std::optional(std::move(item));
    }
    if (i > 0) {
      held = n.item(i - 1);
      boundary = &held;
    }
  }
  return std::optional<IndexItem>();
}

bool LmdbTree::by_time(const D3Range& r) {
  if (r.times.start == 0 && !r.times.end) return false;  // no time restriction
  return all_paths(r) || one_timestamp(r);
}

Status LmdbTree::visit_sorted(const D3Range& range,
                              const std::optional<std::pair<SubspaceId, Path>>& after,
                              const Visitor& fn, const Skip& skip, bool& done) const {
  // The path order would look into every subtree whose time span the range cuts: read a small
  // range's items from the time order and sort them (memory: kSortedVisitMax items).
  done = false;
  const RangeTest rt = RangeTest::time_order(range);
  if (rt.empty()) {
    done = true;
    return Status::ok();
  }
  const TreeAccess acc(txn_, dbi_, ns_, cache_, rcache_, Order::kTime);
  Aggregate a;
  OSIER_RETURN_IF_ERROR(acc.sum(kTopLevel, nullptr, {}, {}, rt, a));
  if (a.count > kSortedVisitMax) return Status::ok();
  const auto key_less = [](const SubspaceId& xs, const Path& xp, const SubspaceId& ys,
                           const Path& yp) { return xs != ys ? xs < ys : xp < yp; };
  std::vector<IndexItem> items;
  bool go = true;
  OSIER_RETURN_IF_ERROR(acc.walk(
      kTopLevel, nullptr, {}, {}, rt,
      [&](const IndexItem& it) {
        if (!after || key_less(after->first, after->second, it.entry.subspace_id, it.entry.path)) {
          items.push_back(it);
        }
        return true;
      },
      skip, go));
  std::sort(items.begin(), items.end(), [&](const IndexItem& x, const IndexItem& y) {
    return key_less(x.entry.subspace_id, x.entry.path, y.entry.subspace_id, y.entry.path);
  });
  for (const IndexItem& it : items) {
    if (!fn(it)) break;
  }
  done = true;
  return Status::ok();
}

Status LmdbTree::visit(const D3Range& range, const Visitor& fn, const Skip& skip) const {
  if (by_time(range)) {
    bool done = false;
    OSIER_RETURN_IF_ERROR(visit_sorted(range, std::nullopt, fn, skip, done));
    if (done) return Status::ok();
  }
  RangeTest rt(range);
  if (rt.empty()) return Status::ok();
  bool go = true;
  return TreeAccess(txn_, dbi_, ns_, cache_, rcache_)
      .walk(kTopLevel, nullptr, {}, {}, rt, fn, skip, go);
}

Result<bool> LmdbTree::holds_any(const D3Range& range) const {
  if (range.is_empty()) return false;
  if (!one_subspace(range) || range.times.start != 0 || range.times.end) {
    OSIER_ASSIGN_OR_RETURN(const RangeSummary s, summarise(range));
    return s.count > 0;
  }
  // The keys of the range are [lo, hi): an item in it is the first item at or above lo met on
  // the way down (each level's gap holding lo), or there is none.
  const Bytes lo = search_key(range.subspaces.start, range.paths.start);
  std::optional<Bytes> hi;
  if (range.paths.end) {
    hi = search_key(range.subspaces.start, *range.paths.end);
  } else if (const auto next = model::subspace_successor(range.subspaces.start)) {
    hi = Bytes(next->begin(), next->end());  // the least key of the next subspace
  }
  TreeAccess acc(txn_, dbi_, ns_, cache_, rcache_);
  NodeView n;
  ItemRef held;
  const ItemRef* boundary = nullptr;
  for (int level = kTopLevel; level >= 0; --level) {
    OSIER_ASSIGN_OR_RETURN(const bool stored, acc.view(level, boundary, n));
    if (!stored) return false;
    bool found = false;
    const std::size_t i = n.position(lo, found);
    if (i < n.size() && (!hi || cmp(n.item(i).key(), *hi) < 0)) return true;
    if (!n.has_kids()) return false;
    if (i > 0) {
      held = n.item(i - 1);
      boundary = &held;
    }
  }
  return false;
}

Status LmdbTree::visit_after(const D3Range& range, const SubspaceId& subspace, const Path& path,
                             const Visitor& fn, const Skip& skip) const {
  if (by_time(range)) {
    // The rest of a range the time order holds whole: as cheap as reading it from the start,
    // where the ranges after the key (paths and times restricted) would not be.
    bool done = false;
    OSIER_RETURN_IF_ERROR(visit_sorted(range, std::pair(subspace, path), fn, skip, done));
    if (done) return Status::ok();
  }
  return IndexView::visit_after(range, subspace, path, fn, skip);
}

Result<RangeSummary> LmdbTree::summarise(const D3Range& range) const {
  Aggregate a;
  if (by_time(range)) {
    const RangeTest rt = RangeTest::time_order(range);
    if (!rt.empty()) {
      OSIER_RETURN_IF_ERROR(TreeAccess(txn_, dbi_, ns_, cache_, rcache_, Order::kTime)
                                .sum(kTopLevel, nullptr, {}, {}, rt, a));
    }
    return a.summary();
  }
  RangeTest rt(range);
  if (!rt.empty()) {
    OSIER_RETURN_IF_ERROR(
        TreeAccess(txn_, dbi_, ns_, cache_, rcache_).sum(kTopLevel, nullptr, {}, {}, rt, a));
  }
  return a.summary();
}

// Picks in the path order, or in the time order (`by_time`; REQUIRES: the range's paths are all
// paths or its times one timestamp).
Status LmdbTree::pick(const D3Range& range, bool by_time, TreePicks& p) const {
  if (p.ranks.empty()) return Status::ok();
  const RangeTest rt = by_time ? RangeTest::time_order(range) : RangeTest(range);
  if (rt.empty()) return Status::ok();
  return TreeAccess(txn_, dbi_, ns_, cache_, rcache_, by_time ? Order::kTime : Order::kPath)
      .select_many(kTopLevel, nullptr, {}, {}, rt, p);
}

Result<std::optional<IndexItem>> LmdbTree::select(const D3Range& range, std::uint64_t i) const {
  const std::uint64_t ranks[] = {i};
  TreePicks picks(ranks, false);
  // Within one timestamp, the time order is the path order.
  OSIER_RETURN_IF_ERROR(this->pick(range, one_timestamp(range), picks));
  return std::move(picks.out[0].at);
}

Result<SelectedPair> LmdbTree::select_pair(const D3Range& range, std::uint64_t i) const {
  const std::uint64_t ranks[] = {i};
  OSIER_ASSIGN_OR_RETURN(std::vector<SelectedPair> out, select_pairs(range, ranks, false));
  return std::move(out[0]);
}

Result<SelectedPair> LmdbTree::select_pair_by_time(const D3Range& range, std::uint64_t i) const {
  const std::uint64_t ranks[] = {i};
  OSIER_ASSIGN_OR_RETURN(std::vector<SelectedPair> out, select_pairs(range, ranks, true));
  return std::move(out[0]);
}

Result<std::vector<SelectedPair>> LmdbTree::select_pairs(const D3Range& range,
                                                         std::span<const std::uint64_t> ranks,
                                                         bool by_time) const {
  // A range of all paths or of one timestamp is one interval of the time order per subspace;
  // other ranges by time are sorted from a visit (IndexView's default).
  if (by_time && !all_paths(range) && !one_timestamp(range)) {
    return IndexView::select_pairs(range, ranks, by_time);
  }
  TreePicks picks(ranks, true);
  // Within one timestamp, the time order is the path order.
  OSIER_RETURN_IF_ERROR(this->pick(range, by_time || one_timestamp(range), picks));
  // A rank the range does not reach finds nothing (not even its item before).
  for (SelectedPair& p : picks.out) {
    if (!p.at) p = SelectedPair{};
  }
  return std::move(picks.out);
}

Result<Aggregate> LmdbTree::total() const {
  TreeAccess acc(txn_, dbi_, ns_, cache_, rcache_);
  NodeView root;
  OSIER_ASSIGN_OR_RETURN(const bool stored, acc.view(kTopLevel, nullptr, root));
  return stored ? root.total() : Aggregate{};
}

Status LmdbTree::visit_newest_first(const D3Range& range, const Visitor& fn) const {
  std::uint64_t emitted = 0;
  if (one_subspace(range) && all_paths(range)) {
    // One interval of the time order: read it backwards, a timestamp at a time (the items of
    // one timestamp sorted into newer_than order, ties by key). A timestamp shared by more than
    // kSortedVisitMax items ends this, and the best-first search below goes on after the items
    // given so far (it gives them in the same order).
    const RangeTest rt = RangeTest::time_order(range);
    if (rt.empty()) return Status::ok();
    const auto newest_first = [](const IndexItem& x, const IndexItem& y) {
      if (model::newer_than(x.entry, y.entry)) return true;
      if (model::newer_than(y.entry, x.entry)) return false;
      return x.entry.path < y.entry.path;  // one subspace
    };
    std::vector<IndexItem> group;
    bool stopped = false, overflow = false;
    const auto give = [&] {
      std::sort(group.begin(), group.end(), newest_first);
      for (const IndexItem& it : group) {
        ++emitted;
        if (!fn(it)) {
          stopped = true;
          break;
        }
      }
      group.clear();
      return !stopped;
    };
    bool go = true;
    OSIER_RETURN_IF_ERROR(TreeAccess(txn_, dbi_, ns_, cache_, rcache_, Order::kTime)
                              .walk_back(
                                  kTopLevel, nullptr, {}, {}, rt,
                                  [&](const IndexItem& it) {
                                    if (!group.empty() &&
                                        group.back().entry.timestamp != it.entry.timestamp &&
                                        !give()) {
                                      return false;
                                    }
                                    if (group.size() == kSortedVisitMax) {
                                      overflow = true;
                                      return false;
                                    }
                                    group.push_back(it);
                                    return true;
                                  },
                                  go));
    if (stopped) return Status::ok();
    if (!overflow) {
      give();
      return Status::ok();
    }
  }
  RangeTest rt(range);
  if (rt.empty()) return Status::ok();
  TreeAccess acc(txn_, dbi_, ns_, cache_, rcache_);
  // Best-first search: a subtree is keyed by its greatest timestamp and is expanded before any
  // item of that timestamp is emitted, so items come out in newer_than order. Loaded nodes stay
  // alive (bounds and items point into them) for the walk.
  std::vector<std::unique_ptr<NodeView>> loaded;
  struct Cand {
    std::optional<IndexItem> item;  // an item, or a subtree:
    model::Timestamp t;             // (the subtree's greatest timestamp)
    int level;
    const ItemRef* boundary;
    Bound lo, hi;
  };
  auto lower = [](const Cand& a, const Cand& b) {
    if (a.t != b.t) return a.t < b.t;
    if (a.item.has_value() != b.item.has_value()) return !b.item.has_value();
    if (!a.item) return false;
    const model::Entry& ea = a.item->entry;
    const model::Entry& eb = b.item->entry;
    if (model::newer_than(eb, ea)) return true;
    if (model::newer_than(ea, eb)) return false;
    if (ea.subspace_id != eb.subspace_id)
      return ea.subspace_id > eb.subspace_id;  // ties: key order
    return ea.path > eb.path;
  };
  std::priority_queue<Cand, std::vector<Cand>, decltype(lower)> heap(lower);
  auto expand = [&](int level, const ItemRef* b, const Bound& lo, const Bound& hi) -> Status {
    auto view = std::make_unique<NodeView>();
    OSIER_ASSIGN_OR_RETURN(const bool stored, acc.view(level, b, *view));
    if (!stored) return Status::ok();
    loaded.push_back(std::move(view));
    const NodeView& n = *loaded.back();
    const TreeAccess::Bounds bs(n, rt, lo, hi);
    for (std::size_t j = 0; j <= n.size(); ++j) {
      if (n.has_kids()) {
        const Span sp = n.span(j);
        if (!bs.disjoint(rt, sp, j)) {
          heap.push(Cand{std::nullopt, sp.max_t, level - 1, TreeAccess::child_boundary(n, j, b),
                         bs.lower(j), bs.upper(j)});
        }
      }
      if (j < n.size() && rt.includes(bs.item(j))) {
        OSIER_ASSIGN_OR_RETURN(IndexItem item, n.item(j).materialise(ns_));
        const model::Timestamp t = item.entry.timestamp;
        heap.push(Cand{std::move(item), t, level, nullptr, {}, {}});
      }
    }
    return Status::ok();
  };
  OSIER_RETURN_IF_ERROR(expand(kTopLevel, nullptr, {}, {}));
  while (!heap.empty()) {
    Cand c = heap.top();
    heap.pop();
    if (c.item) {
      if (emitted > 0) {
        --emitted;  // given already, from the time order
        continue;
      }
      if (!fn(*c.item)) return Status::ok();
      continue;
    }
    OSIER_RETURN_IF_ERROR(expand(c.level, c.boundary, c.lo, c.hi));
  }
  return Status::ok();
}

Status LmdbTree::writable() const {
  // A read cache points into a read-only transaction's map (TreeReadCache).
  if (rcache_) return error(ErrorCode::kInternal, "store tree: a write through a snapshot's tree");
  return Status::ok();
}

Status LmdbTree::insert(const IndexItem& item) {
  OSIER_RETURN_IF_ERROR(writable());
  if (item.entry.namespace_id != ns_) {
    return error(ErrorCode::kInvalidArgument, "store tree: an entry of another namespace");
  }
  Encoder enc;
  model::encode_path(enc, item.entry.path);
  const ByteArray<32> digest = crypto::william3(enc.bytes());
  const int lx = level_of(salt_, item.entry.subspace_id, digest);
  for (const Order order : {Order::kPath, Order::kTime}) {
    const Bytes bytes = encode_item(item, digest, order);
    TreeAccess acc(txn_, dbi_, ns_, cache_, rcache_, order);
    Status done = acc.insert(kTopLevel, nullptr, ItemRef(bytes), lx);
    if (!done) {
      // A key stored already is found in the path order, before anything changed.
      if (order == Order::kTime) return corrupt("the path and time orders disagree");
      return done;
    }
    OSIER_RETURN_IF_ERROR(acc.finish_write());
  }
  return Status::ok();
}

Status LmdbTree::insert_time_order(const IndexItem& item) {
  Encoder enc;
  model::encode_path(enc, item.entry.path);
  const ByteArray<32> digest = crypto::william3(enc.bytes());
  const Bytes bytes = encode_item(item, digest, Order::kTime);
  TreeAccess acc(txn_, dbi_, ns_, cache_, rcache_, Order::kTime);
  OSIER_RETURN_IF_ERROR(acc.insert(kTopLevel, nullptr, ItemRef(bytes),
                                   level_of(salt_, item.entry.subspace_id, digest)));
  return acc.finish_write();
}

Status LmdbTree::build_time_order() {
  OSIER_RETURN_IF_ERROR(writable());
  // The path order is read a batch at a time (a walk must not write), each batch resuming
  // after the last key of the one before: the rest of its subspace, then the subspaces above.
  std::optional<IndexItem> last;
  for (;;) {
    std::vector<IndexItem> batch;
    const auto collect = [&](const IndexItem& it) {
      if (last && it.entry.subspace_id == last->entry.subspace_id &&
          it.entry.path == last->entry.path) {
        return true;
      }
      batch.push_back(it);
      return batch.size() < kBuildBatch;
    };
    const TreeAccess acc(txn_, dbi_, ns_, cache_, rcache_);
    bool go = true;
    if (!last) {
      const D3Range all = D3Range::full();
      OSIER_RETURN_IF_ERROR(acc.walk(kTopLevel, nullptr, {}, {}, RangeTest(all), collect, {}, go));
    } else {
      const auto next = model::subspace_successor(last->entry.subspace_id);
      D3Range rest = D3Range::full();
      rest.subspaces = model::SubspaceRange{last->entry.subspace_id, next};
      rest.paths.start = last->entry.path;
      OSIER_RETURN_IF_ERROR(acc.walk(kTopLevel, nullptr, {}, {}, RangeTest(rest), collect, {}, go));
      if (go && next) {
        D3Range above = D3Range::full();
        above.subspaces.start = *next;
        OSIER_RETURN_IF_ERROR(
            acc.walk(kTopLevel, nullptr, {}, {}, RangeTest(above), collect, {}, go));
      }
    }
    if (batch.empty()) return Status::ok();
    for (const IndexItem& it : batch) OSIER_RETURN_IF_ERROR(insert_time_order(it));
    last = std::move(batch.back());
  }
}

Result<std::optional<IndexItem>> LmdbTree::erase(const SubspaceId& s, const Path& p) {
  OSIER_RETURN_IF_ERROR(writable());
  std::optional<IndexItem> out;
  TreeAccess acc(txn_, dbi_, ns_, cache_, rcache_);
  auto done = acc.erase(kTopLevel, nullptr, search_key(s, p), out);
  if (!done) return done.status();
  OSIER_RETURN_IF_ERROR(acc.finish_write());
  if (!out) return out;
  std::optional<IndexItem> twin;
  TreeAccess by_time(txn_, dbi_, ns_, cache_, rcache_, Order::kTime);
  auto gone = by_time.erase(kTopLevel, nullptr, time_key(s, out->entry.timestamp, p), twin);
  if (!gone) return gone.status();
  if (!twin) return corrupt("the path and time orders disagree");
  OSIER_RETURN_IF_ERROR(by_time.finish_write());
  return out;
}

Result<bool> LmdbTree::update_available(const SubspaceId& s, const Path& p, std::uint64_t available,
                                        const Fp256& hash) {
  OSIER_RETURN_IF_ERROR(writable());
  bool done = false;
  model::Timestamp t = 0;
  TreeAccess acc(txn_, dbi_, ns_, cache_, rcache_);
  auto changed = acc.update(kTopLevel, nullptr, search_key(s, p), available, hash, done, t);
  if (!changed) return changed.status();
  OSIER_RETURN_IF_ERROR(acc.finish_write());
  if (!done) return false;
  bool twin = false;
  TreeAccess by_time(txn_, dbi_, ns_, cache_, rcache_, Order::kTime);
  changed = by_time.update(kTopLevel, nullptr, time_key(s, t, p), available, hash, twin, t);
  if (!changed) return changed.status();
  if (!twin) return corrupt("the path and time orders disagree");
  OSIER_RETURN_IF_ERROR(by_time.finish_write());
  return true;
}

Result<std::uint64_t> LmdbTree::check() const {
  TreeAccess acc(txn_, dbi_, ns_, cache_, rcache_);
  std::uint64_t nodes = 0, items = 0;
  OSIER_RETURN_IF_ERROR(
      acc.check(salt_, kTopLevel, nullptr, nullptr, nullptr, nullptr, nodes, items));
  // The time order holds the same items: the same count, fingerprint and sizes at its root.
  {
    const TreeAccess by_time(txn_, dbi_, ns_, cache_, rcache_, Order::kTime);
    std::uint64_t time_items = 0;
    OSIER_RETURN_IF_ERROR(
        by_time.check(salt_, kTopLevel, nullptr, nullptr, nullptr, nullptr, nodes, time_items));
    NodeView a, b;
    OSIER_ASSIGN_OR_RETURN(const bool stored, acc.view(kTopLevel, nullptr, a));
    OSIER_ASSIGN_OR_RETURN(const bool time_stored, by_time.view(kTopLevel, nullptr, b));
    const Aggregate ta = stored ? a.total() : Aggregate{};
    const Aggregate tb = time_stored ? b.total() : Aggregate{};
    if (time_items != items || !(ta == tb)) {
      return corrupt("the time order does not hold the path order's items");
    }
  }
  // Every node record of the namespace must be reachable from the root.
  MDB_cursor* raw = nullptr;
  OSIER_RETURN_IF_ERROR(lmdb::status_of(mdb_cursor_open(txn_, dbi_, &raw), "open a cursor"));
  std::unique_ptr<MDB_cursor, decltype(&mdb_cursor_close)> cur(raw, &mdb_cursor_close);
  MDB_val k = lmdb::val(ns_);
  MDB_val v{};
  std::uint64_t records = 0;
  int rc = mdb_cursor_get(raw, &k, &v, MDB_SET_RANGE);
  while (rc == 0 && k.mv_size >= ns_.size() &&
         std::equal(ns_.begin(), ns_.end(), static_cast<const std::uint8_t*>(k.mv_data))) {
    ++records;
    rc = mdb_cursor_get(raw, &k, &v, MDB_NEXT);
  }
  if (rc != 0 && rc != MDB_NOTFOUND) return lmdb::status_of(rc, "list tree nodes");
  if (records != nodes) return corrupt("node records the root does not reach");
  return items;
}

}  // namespace osier::store
