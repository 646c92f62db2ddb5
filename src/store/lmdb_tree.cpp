#include "store/lmdb_tree.hpp"

#include <sodium.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <memory>
#include <queue>
#include <utility>
#include <vector>

#include "base/codec.hpp"
#include "crypto/sodium.hpp"
#include "crypto/william3.hpp"
#include "model/encoding_path.hpp"
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
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
  return v;
}

Fp256 fp_at(const std::uint8_t* p) {
  ByteArray<32> b;
  std::memcpy(b.data(), p, 32);
  return Fp256::from_bytes(b);
}

// ---- One item as stored in a node (docs/formats.md "The tree"):
// u32 n ‖ subspace_id (32) ‖ path order key (n) ‖ path digest (32) ‖ u64 timestamp ‖
// u64 payload_length ‖ payload_digest (32) ‖ u64 available ‖ hash (32).
// Its key — subspace_id ‖ path order key — orders items bytewise as (subspace, path).

constexpr std::size_t kTail = 32 + 8 + 8 + 32 + 8 + 32;

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

  // The whole item, decoding its path.
  Result<IndexItem> materialise(const model::NamespaceId& ns) const {
    IndexItem it;
    model::Entry& e = it.entry;
    e.namespace_id = ns;
    std::memcpy(e.subspace_id.data(), b_.data() + 4, 32);
    auto path = decode_path_key(path_key());
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

Bytes encode_item(const IndexItem& it, const ByteArray<32>& path_digest) {
  const model::Entry& e = it.entry;
  Bytes pk = path_key(e.path);
  Bytes v;
  v.reserve(4 + 32 + pk.size() + kTail);
  put_be(v, pk.size(), 4);
  append(v, e.subspace_id);
  append(v, pk);
  append(v, path_digest);
  put_be(v, e.timestamp, 8);
  put_be(v, e.payload_length, 8);
  append(v, e.payload_digest);
  put_be(v, it.available, 8);
  append(v, it.hash.to_bytes());
  return v;
}

// The key of (subspace, path), as items hold it.
Bytes search_key(const SubspaceId& s, const Path& p) {
  Bytes k(s.begin(), s.end());
  append_path_key(k, p);
  return k;
}

// ---- Nodes: a node of level L holds its items (all of level L, ascending) and, for L > 0, one
// child aggregate per gap (items + 1; count 0: no child there). Encoded as
// u16 m ‖ [(m + 1) × aggregate (64 bytes)] ‖ m items; an aggregate is u64 count ‖ fingerprint
// (32) ‖ u64 payload bytes ‖ u64 least timestamp ‖ u64 greatest timestamp (zeros when empty).

constexpr std::size_t kAggSize = 64;
constexpr std::size_t kMaxItems = 0xffff;

struct Node {
  Bytes data;                  // a copy of the stored value, if taken (items point into it)
  std::vector<ItemRef> items;  // views into `data`, or into other nodes' data while editing
  std::vector<Aggregate> kids;

  // Moving keeps the buffer `items` point into; a copy would not.
  Node() = default;
  Node(Node&&) = default;
  Node& operator=(Node&&) = default;
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  static Node empty(int level) {
    Node n;
    if (level > 0) n.kids.resize(1);
    return n;
  }
  bool is_empty() const {
    return items.empty() &&
           std::all_of(kids.begin(), kids.end(), [](const Aggregate& a) { return a.count == 0; });
  }
  Aggregate total() const {
    Aggregate a;
    for (std::size_t j = 0; j < items.size(); ++j) {
      if (!kids.empty()) a.add(kids[j]);
      a.add(items[j].aggregate());
    }
    if (!kids.empty()) a.add(kids.back());
    return a;
  }
  // The number of items whose key is below `key`; `found` says whether one equals it.
  std::size_t position(ByteView key, bool& found) const {
    std::size_t lo = 0, hi = items.size();
    while (lo < hi) {
      const std::size_t mid = (lo + hi) / 2;
      if (cmp(items[mid].key(), key) < 0) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    found = lo < items.size() && cmp(items[lo].key(), key) == 0;
    return lo;
  }
};

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

Bytes encode_node(const Node& n) {
  std::size_t size = 2 + n.kids.size() * kAggSize;
  for (const ItemRef& item : n.items) size += item.bytes().size();
  Bytes v;
  v.reserve(size);
  put_be(v, n.items.size(), 2);
  for (const Aggregate& a : n.kids) put_aggregate(v, a);
  for (const ItemRef& item : n.items) append(v, item.bytes());
  return v;
}

// Parses the layout of a stored node (items are checked further only when used: a path key
// when it is decoded, everything by check()). With `copy` the node keeps a copy of the bytes;
// without, its items point into LMDB's map, valid until the transaction ends or writes.
Result<Node> decode_node(ByteView value, int level, bool copy) {
  Node n;
  ByteView v = value;
  if (copy) {
    n.data.assign(value.begin(), value.end());
    v = n.data;
  }
  if (v.size() < 2) return corrupt("truncated node");
  const std::size_t m = (std::size_t{v[0]} << 8) | v[1];
  std::size_t at = 2;
  if (level > 0) {
    if (v.size() - at < (m + 1) * kAggSize) return corrupt("truncated node");
    n.kids.resize(m + 1);
    for (Aggregate& a : n.kids) {
      const std::uint8_t* p = v.data() + at;
      a.count = be64(p);
      if (a.count > 0) {
        a.fp = fp_at(p + 8);
        a.bytes = be64(p + 40);
        a.min_t = be64(p + 48);
        a.max_t = be64(p + 56);
      }
      at += kAggSize;
    }
  }
  n.items.reserve(m);
  for (std::size_t i = 0; i < m; ++i) {
    auto item = ItemRef::parse(v.subspan(at));
    if (!item) return corrupt("truncated node");
    at += item->bytes().size();
    n.items.push_back(*item);
  }
  if (at != v.size()) return corrupt("trailing bytes in a node");
  return n;
}

// ---- How a 3d range relates to a subtree whose items lie strictly between two bounds (items;
// null for an open end) and whose aggregate gives its time span. All in key bytes.

class RangeTest {
 public:
  explicit RangeTest(const D3Range& r) : r_(r) {
    const auto succ = model::subspace_successor(r.subspaces.start);
    single_ = r.subspaces.end ? (succ && *r.subspaces.end == *succ) : !succ;
    full_paths_ = r.paths.start.component_count() == 0 && !r.paths.end;
    empty_ = r.is_empty();
    min_subspace_ = r.subspaces.start == SubspaceId{};
    s0_ = ByteView(r.subspaces.start);
    if (r.subspaces.end) s1_ = ByteView(*r.subspaces.end);
    p0_ = path_key(r.paths.start);
    if (r.paths.end) p1_ = path_key(*r.paths.end);
    lowest_.assign(s0_.begin(), s0_.end());
    if (single_) append(lowest_, p0_);
    if (single_ && r.paths.end) {
      above_.assign(s0_.begin(), s0_.end());
      append(above_, *p1_);
    }
  }

  bool empty() const { return empty_; }

  bool in_time(std::uint64_t t) const {
    return r_.times.start <= t && (!r_.times.end || t < *r_.times.end);
  }
  bool in_subspaces(ByteView s) const { return cmp(s, s0_) >= 0 && (s1_.empty() || cmp(s, s1_) < 0); }
  bool in_paths(ByteView pk) const { return cmp(pk, p0_) >= 0 && (!p1_ || cmp(pk, *p1_) < 0); }
  bool includes(const ItemRef& x) const {
    return in_time(x.timestamp()) && in_subspaces(x.subspace()) && in_paths(x.path_key());
  }

  bool disjoint(const Aggregate& a, const ItemRef* lo, const ItemRef* hi) const {
    if (empty_ || a.count == 0) return true;
    const auto& t = r_.times;
    if (a.max_t < t.start || (t.end && a.min_t >= *t.end)) return true;
    // The range's keys are at least `lowest_`; the subtree's are below hi.
    if (hi && cmp(hi->key(), lowest_) <= 0) return true;
    // ...and below (s1, empty), or `above_` for one subspace; the subtree's above lo.
    if (lo && !s1_.empty() && cmp(lo->subspace(), s1_) >= 0) return true;
    if (lo && !above_.empty() && cmp(lo->key(), above_) >= 0) return true;
    if (lo && hi && cmp(lo->subspace(), hi->subspace()) == 0) {
      // One subspace, path keys strictly between lo's and hi's.
      if (!in_subspaces(lo->subspace())) return true;
      if (cmp(hi->path_key(), p0_) <= 0) return true;
      if (p1_ && cmp(lo->path_key(), *p1_) >= 0) return true;
    }
    return false;
  }

  bool contained(const Aggregate& a, const ItemRef* lo, const ItemRef* hi) const {
    if (!in_time(a.min_t) || !in_time(a.max_t)) return false;
    if (full_paths_) {
      const bool lower = min_subspace_ || (lo && cmp(lo->subspace(), s0_) >= 0);
      const bool upper = s1_.empty() ||
                         (hi && (cmp(hi->subspace(), s1_) < 0 ||
                                 (cmp(hi->subspace(), s1_) == 0 && hi->path_key().empty())));
      return lower && upper;
    }
    return lo && hi && cmp(lo->subspace(), hi->subspace()) == 0 && in_subspaces(lo->subspace()) &&
           cmp(lo->path_key(), p0_) >= 0 && (!p1_ || cmp(hi->path_key(), *p1_) <= 0);
  }

 private:
  const D3Range& r_;
  bool single_ = false;
  bool full_paths_ = false;
  bool empty_ = false;
  bool min_subspace_ = false;
  ByteView s0_, s1_;  // s1_ empty: no end
  Bytes p0_;
  std::optional<Bytes> p1_;
  Bytes lowest_, above_;  // above_ empty: none
};

}  // namespace

// ---- Node access, bound to one transaction

class TreeAccess {
 public:
  TreeAccess(MDB_txn* txn, MDB_dbi dbi, const model::NamespaceId& ns, TreeWriteCache* cache)
      : txn_(txn), dbi_(dbi), ns_(ns), cache_(cache) {}

  // namespace_id ‖ u8 level ‖ [subspace_id ‖ path digest of the boundary item]
  Bytes key(int level, const ItemRef* boundary) const {
    Bytes k(ns_.begin(), ns_.end());
    k.push_back(static_cast<std::uint8_t>(level));
    if (boundary) {
      append(k, boundary->subspace());
      append(k, boundary->path_digest());
    }
    return k;
  }

  // Reads (`copy` false) may keep views into the map: they write nothing while they use them.
  Result<std::optional<Node>> load(int level, const ItemRef* boundary, bool copy = false) const {
    const Bytes k = key(level, boundary);
    if (cache_) {
      auto it = cache_->nodes_.find(k);
      if (it != cache_->nodes_.end()) {
        if (!it->second) return std::optional<Node>();
        OSIER_ASSIGN_OR_RETURN(Node n, decode_node(*it->second, level, copy));
        return std::optional(std::move(n));
      }
    }
    MDB_val kv = lmdb::val(k);
    MDB_val v{};
    const int rc = mdb_get(txn_, dbi_, &kv, &v);
    if (rc == MDB_NOTFOUND) return std::optional<Node>();
    OSIER_RETURN_IF_ERROR(lmdb::status_of(rc, "read a tree node"));
    OSIER_ASSIGN_OR_RETURN(Node n, decode_node(lmdb::view(v), level, copy));
    return std::optional(std::move(n));
  }
  // The node, or an empty one when none is stored.
  Result<Node> load_or_empty(int level, const ItemRef* boundary, bool copy = false) const {
    OSIER_ASSIGN_OR_RETURN(auto n, load(level, boundary, copy));
    return n ? std::move(*n) : Node::empty(level);
  }
  // Writes the node, or deletes its record when it is empty.
  Status store(int level, const ItemRef* boundary, const Node& node) {
    Bytes k = key(level, boundary);
    if (node.items.size() > kMaxItems) return corrupt("node too large");
    if (cache_) {
      // Writers hold copies of what they change, never views into the cache.
      cache_->nodes_[std::move(k)] =
          node.is_empty() ? std::nullopt : std::optional<Bytes>(encode_node(node));
      if (cache_->nodes_.size() >= TreeWriteCache::kMaxNodes) return cache_->flush(txn_, dbi_);
      return Status::ok();
    }
    MDB_val kv = lmdb::val(k);
    if (node.is_empty()) {
      const int rc = mdb_del(txn_, dbi_, &kv, nullptr);
      return rc == MDB_NOTFOUND ? Status::ok() : lmdb::status_of(rc, "delete a tree node");
    }
    const Bytes v = encode_node(node);
    MDB_val vv = lmdb::val(v);
    return lmdb::status_of(mdb_put(txn_, dbi_, &kv, &vv, 0), "write a tree node");
  }

  // The boundary of the child in gap j of a node with boundary `b`.
  static const ItemRef* child_boundary(const Node& n, std::size_t j, const ItemRef* b) {
    return j == 0 ? b : &n.items[j - 1];
  }

  // ---- Writes. Each returns the new aggregate of the node it changed. Item views point into
  // nodes that the calling frames keep alive until they are stored.

  Result<Aggregate> insert(int level, const ItemRef* b, const ItemRef& x, int lx) {
    OSIER_ASSIGN_OR_RETURN(Node n, load_or_empty(level, b, true));
    bool found = false;
    const std::size_t i = n.position(x.key(), found);
    if (found) return error(ErrorCode::kInvalidArgument, "store tree: key stored already");
    if (level > lx) {
      OSIER_ASSIGN_OR_RETURN(n.kids[i], insert(level - 1, child_boundary(n, i, b), x, lx));
    } else {
      if (level > 0) {
        // x splits the child in its gap: the keys below x stay, those above go to a new child
        // whose boundary is x.
        OSIER_ASSIGN_OR_RETURN(auto parts, split(level - 1, child_boundary(n, i, b), x));
        n.kids[i] = parts.first;
        n.kids.insert(n.kids.begin() + static_cast<std::ptrdiff_t>(i) + 1, parts.second);
      }
      n.items.insert(n.items.begin() + static_cast<std::ptrdiff_t>(i), x);
    }
    OSIER_RETURN_IF_ERROR(store(level, b, n));
    return n.total();
  }

  // Splits node (level, b) at x (not stored): keys below x stay in it, the others move to node
  // (level, x). Returns both aggregates.
  Result<std::pair<Aggregate, Aggregate>> split(int level, const ItemRef* b, const ItemRef& x) {
    OSIER_ASSIGN_OR_RETURN(auto stored, load(level, b, true));
    if (!stored) return std::pair<Aggregate, Aggregate>{};
    const Node& n = *stored;
    bool found = false;
    const std::size_t i = n.position(x.key(), found);
    const auto at = static_cast<std::ptrdiff_t>(i);
    Node left, right;
    left.items.assign(n.items.begin(), n.items.begin() + at);
    right.items.assign(n.items.begin() + at, n.items.end());
    if (level > 0) {
      OSIER_ASSIGN_OR_RETURN(auto parts, split(level - 1, child_boundary(n, i, b), x));
      left.kids.assign(n.kids.begin(), n.kids.begin() + at);
      left.kids.push_back(parts.first);
      right.kids.push_back(parts.second);
      right.kids.insert(right.kids.end(), n.kids.begin() + at + 1, n.kids.end());
    }
    OSIER_RETURN_IF_ERROR(store(level, b, left));
    OSIER_RETURN_IF_ERROR(store(level, &x, right));
    return std::pair{left.total(), right.total()};
  }

  Result<Aggregate> erase(int level, const ItemRef* b, ByteView key,
                          std::optional<IndexItem>& out, const model::NamespaceId& ns) {
    OSIER_ASSIGN_OR_RETURN(auto stored, load(level, b, true));
    if (!stored) return Aggregate{};
    Node& n = *stored;
    bool found = false;
    const std::size_t i = n.position(key, found);
    if (!found) {
      if (level == 0) return n.total();
      OSIER_ASSIGN_OR_RETURN(Aggregate a, erase(level - 1, child_boundary(n, i, b), key, out, ns));
      if (!out) return n.total();
      n.kids[i] = a;
    } else {
      const ItemRef x = n.items[i];
      OSIER_ASSIGN_OR_RETURN(IndexItem gone, x.materialise(ns));
      if (level > 0) {
        // The children on both sides of x become one (keeping the left one's boundary).
        OSIER_ASSIGN_OR_RETURN(n.kids[i], merge(level - 1, child_boundary(n, i, b), x));
        n.kids.erase(n.kids.begin() + static_cast<std::ptrdiff_t>(i) + 1);
      }
      n.items.erase(n.items.begin() + static_cast<std::ptrdiff_t>(i));
      out = std::move(gone);
    }
    OSIER_RETURN_IF_ERROR(store(level, b, n));
    return n.total();
  }

  // Merges node (level, x) into node (level, bl), which precedes it.
  Result<Aggregate> merge(int level, const ItemRef* bl, const ItemRef& x) {
    OSIER_ASSIGN_OR_RETURN(Node a, load_or_empty(level, bl, true));
    OSIER_ASSIGN_OR_RETURN(Node c, load_or_empty(level, &x, true));
    Node m;
    if (level > 0) {
      const ItemRef* last = a.items.empty() ? bl : &a.items.back();
      OSIER_ASSIGN_OR_RETURN(Aggregate joined, merge(level - 1, last, x));
      m.kids.assign(a.kids.begin(), a.kids.end() - 1);
      m.kids.push_back(joined);
      m.kids.insert(m.kids.end(), c.kids.begin() + 1, c.kids.end());
    }
    m.items = a.items;
    m.items.insert(m.items.end(), c.items.begin(), c.items.end());
    OSIER_RETURN_IF_ERROR(store(level, &x, Node::empty(level)));  // deletes its record
    OSIER_RETURN_IF_ERROR(store(level, bl, m));
    return m.total();
  }

  Result<Aggregate> update(int level, const ItemRef* b, ByteView key, std::uint64_t available,
                           const Fp256& hash, bool& done) {
    OSIER_ASSIGN_OR_RETURN(auto stored, load(level, b, true));
    if (!stored) return Aggregate{};
    Node& n = *stored;
    bool found = false;
    const std::size_t i = n.position(key, found);
    Bytes changed;
    if (found) {
      // Available length and hash end the item.
      const ByteView old = n.items[i].bytes();
      changed.assign(old.begin(), old.end() - 40);
      put_be(changed, available, 8);
      append(changed, hash.to_bytes());
      n.items[i] = ItemRef(changed);
      done = true;
    } else {
      if (level == 0) return n.total();
      OSIER_ASSIGN_OR_RETURN(Aggregate a,
                             update(level - 1, child_boundary(n, i, b), key, available, hash, done));
      if (!done) return n.total();
      n.kids[i] = a;
    }
    OSIER_RETURN_IF_ERROR(store(level, b, n));
    return n.total();
  }

  // ---- Reads

  // Adds what `range` includes of node (level, b), whose items lie in (lo, hi), to `acc`.
  Status sum(int level, const ItemRef* b, const ItemRef* lo, const ItemRef* hi,
             const RangeTest& rt, Aggregate& acc) const {
    OSIER_ASSIGN_OR_RETURN(auto stored, load(level, b));
    if (!stored) return Status::ok();
    const Node& n = *stored;
    for (std::size_t j = 0; j <= n.items.size(); ++j) {
      if (level > 0 && n.kids[j].count > 0) {
        const ItemRef* clo = j == 0 ? lo : &n.items[j - 1];
        const ItemRef* chi = j == n.items.size() ? hi : &n.items[j];
        if (rt.contained(n.kids[j], clo, chi)) {
          acc.add(n.kids[j]);
        } else if (!rt.disjoint(n.kids[j], clo, chi)) {
          OSIER_RETURN_IF_ERROR(sum(level - 1, child_boundary(n, j, b), clo, chi, rt, acc));
        }
      }
      if (j < n.items.size() && rt.includes(n.items[j])) acc.add(n.items[j].aggregate());
    }
    return Status::ok();
  }

  // Visits in key order; false in `go` once the visitor stopped.
  Status walk(int level, const ItemRef* b, const ItemRef* lo, const ItemRef* hi,
              const RangeTest& rt, const IndexView::Visitor& fn, bool& go) const {
    OSIER_ASSIGN_OR_RETURN(auto stored, load(level, b));
    if (!stored) return Status::ok();
    const Node& n = *stored;
    for (std::size_t j = 0; go && j <= n.items.size(); ++j) {
      if (level > 0 && n.kids[j].count > 0) {
        const ItemRef* clo = j == 0 ? lo : &n.items[j - 1];
        const ItemRef* chi = j == n.items.size() ? hi : &n.items[j];
        if (!rt.disjoint(n.kids[j], clo, chi)) {
          OSIER_RETURN_IF_ERROR(walk(level - 1, child_boundary(n, j, b), clo, chi, rt, fn, go));
        }
      }
      if (go && j < n.items.size() && rt.includes(n.items[j])) {
        OSIER_ASSIGN_OR_RETURN(IndexItem item, n.items[j].materialise(ns_));
        go = fn(item);
      }
    }
    return Status::ok();
  }

  // The i-th item the range includes within node (level, b); decrements i past what it skips.
  Result<std::optional<IndexItem>> select(int level, const ItemRef* b, const ItemRef* lo,
                                          const ItemRef* hi, const RangeTest& rt,
                                          std::uint64_t& i) const {
    OSIER_ASSIGN_OR_RETURN(auto stored, load(level, b));
    if (!stored) return std::optional<IndexItem>();
    const Node& n = *stored;
    for (std::size_t j = 0; j <= n.items.size(); ++j) {
      if (level > 0 && n.kids[j].count > 0) {
        const ItemRef* clo = j == 0 ? lo : &n.items[j - 1];
        const ItemRef* chi = j == n.items.size() ? hi : &n.items[j];
        if (!rt.disjoint(n.kids[j], clo, chi)) {
          std::uint64_t c = n.kids[j].count;
          if (!rt.contained(n.kids[j], clo, chi)) {
            Aggregate part;
            OSIER_RETURN_IF_ERROR(sum(level - 1, child_boundary(n, j, b), clo, chi, rt, part));
            c = part.count;
          }
          if (i < c) return select(level - 1, child_boundary(n, j, b), clo, chi, rt, i);
          i -= c;
        }
      }
      if (j < n.items.size() && rt.includes(n.items[j])) {
        if (i == 0) {
          OSIER_ASSIGN_OR_RETURN(IndexItem item, n.items[j].materialise(ns_));
          return std::optional(std::move(item));
        }
        --i;
      }
    }
    return std::optional<IndexItem>();
  }

  // check(): verifies node (level, b) with items in (lo, hi) against `expect` (its aggregate
  // as its parent records it; none for the root); counts nodes and items.
  Status check(const TreeSalt& salt, int level, const ItemRef* b, const ItemRef* lo,
               const ItemRef* hi, const Aggregate* expect, std::uint64_t& nodes,
               std::uint64_t& items) const {
    OSIER_ASSIGN_OR_RETURN(auto stored, load(level, b));
    if (!stored) {
      if (expect && expect->count != 0) return corrupt("a child with entries has no node");
      return Status::ok();
    }
    const Node& n = *stored;
    if (n.is_empty()) return corrupt("an empty node is stored");
    ++nodes;
    items += n.items.size();
    for (std::size_t j = 0; j < n.items.size(); ++j) {
      const ItemRef& x = n.items[j];
      const ItemRef* before = j == 0 ? lo : &n.items[j - 1];
      if (before && cmp(before->key(), x.key()) >= 0) return corrupt("keys out of order");
      if (j + 1 == n.items.size() && hi && cmp(x.key(), hi->key()) >= 0) {
        return corrupt("keys out of order");
      }
      OSIER_ASSIGN_OR_RETURN(IndexItem it, x.materialise(ns_));
      if (!(path_key(it.entry.path) == Bytes(x.path_key().begin(), x.path_key().end()))) {
        return corrupt("a path key that is not canonic");
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
    if (level > 0) {
      for (std::size_t j = 0; j <= n.items.size(); ++j) {
        const ItemRef* clo = j == 0 ? lo : &n.items[j - 1];
        const ItemRef* chi = j == n.items.size() ? hi : &n.items[j];
        std::uint64_t child_items = 0;
        OSIER_RETURN_IF_ERROR(check(salt, level - 1, child_boundary(n, j, b), clo, chi, &n.kids[j],
                                    nodes, child_items));
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
};

bool TreeWriteCache::KeyLess::operator()(const Bytes& a, const Bytes& b) const {
  return cmp(a, b) < 0;
}

Status TreeWriteCache::flush(MDB_txn* txn, MDB_dbi dbi) {
  for (auto& [k, v] : nodes_) {
    MDB_val kv = lmdb::val(k);
    if (!v) {
      const int rc = mdb_del(txn, dbi, &kv, nullptr);
      if (rc != MDB_NOTFOUND) OSIER_RETURN_IF_ERROR(lmdb::status_of(rc, "delete a tree node"));
      continue;
    }
    MDB_val vv = lmdb::val(*v);
    OSIER_RETURN_IF_ERROR(lmdb::status_of(mdb_put(txn, dbi, &kv, &vv, 0), "write a tree node"));
  }
  nodes_.clear();
  return Status::ok();
}

LmdbTree::LmdbTree(MDB_txn* txn, MDB_dbi dbi, const model::NamespaceId& ns, const TreeSalt& salt,
                   TreeWriteCache* cache)
    : txn_(txn), cache_(cache), dbi_(dbi), ns_(ns), salt_(salt) {}

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
  TreeAccess acc(txn_, dbi_, ns_, cache_);
  const Bytes key = search_key(s, p);
  // Descend along the gaps that hold the key; the boundary's node stays alive in `holder`.
  std::optional<Node> holder;
  const ItemRef* boundary = nullptr;
  for (int level = kTopLevel; level >= 0; --level) {
    OSIER_ASSIGN_OR_RETURN(auto n, acc.load(level, boundary));
    if (!n) return std::optional<IndexItem>();
    bool found = false;
    const std::size_t i = n->position(key, found);
    if (found) {
      OSIER_ASSIGN_OR_RETURN(IndexItem item, n->items[i].materialise(ns_));
      return std::optional(std::move(item));
    }
    if (i > 0) {
      holder = std::move(*n);
      boundary = &holder->items[i - 1];
    }
  }
  return std::optional<IndexItem>();
}

Status LmdbTree::visit(const D3Range& range, const Visitor& fn) const {
  RangeTest rt(range);
  if (rt.empty()) return Status::ok();
  bool go = true;
  return TreeAccess(txn_, dbi_, ns_, cache_).walk(kTopLevel, nullptr, nullptr, nullptr, rt, fn, go);
}

Result<RangeSummary> LmdbTree::summarise(const D3Range& range) const {
  RangeTest rt(range);
  Aggregate a;
  if (!rt.empty()) {
    OSIER_RETURN_IF_ERROR(
        TreeAccess(txn_, dbi_, ns_, cache_).sum(kTopLevel, nullptr, nullptr, nullptr, rt, a));
  }
  return a.summary();
}

Result<std::optional<IndexItem>> LmdbTree::select(const D3Range& range, std::uint64_t i) const {
  RangeTest rt(range);
  if (rt.empty()) return std::optional<IndexItem>();
  return TreeAccess(txn_, dbi_, ns_, cache_).select(kTopLevel, nullptr, nullptr, nullptr, rt, i);
}

Result<Aggregate> LmdbTree::total() const {
  TreeAccess acc(txn_, dbi_, ns_, cache_);
  OSIER_ASSIGN_OR_RETURN(Node root, acc.load_or_empty(kTopLevel, nullptr));
  return root.total();
}

Status LmdbTree::visit_newest_first(const D3Range& range, const Visitor& fn) const {
  RangeTest rt(range);
  if (rt.empty()) return Status::ok();
  TreeAccess acc(txn_, dbi_, ns_, cache_);
  // Best-first search: a subtree is keyed by its greatest timestamp and is expanded before any
  // item of that timestamp is emitted, so items come out in newer_than order. Loaded nodes stay
  // alive (bounds and items point into them) for the walk.
  std::vector<std::unique_ptr<Node>> loaded;
  struct Cand {
    std::optional<IndexItem> item;  // an item, or a subtree:
    model::Timestamp t;             // (the subtree's greatest timestamp)
    int level;
    const ItemRef* boundary;
    const ItemRef* lo;
    const ItemRef* hi;
  };
  auto lower = [](const Cand& a, const Cand& b) {
    if (a.t != b.t) return a.t < b.t;
    if (a.item.has_value() != b.item.has_value()) return !b.item.has_value();
    if (!a.item) return false;
    const model::Entry& ea = a.item->entry;
    const model::Entry& eb = b.item->entry;
    if (model::newer_than(eb, ea)) return true;
    if (model::newer_than(ea, eb)) return false;
    if (ea.subspace_id != eb.subspace_id) return ea.subspace_id > eb.subspace_id;  // ties: key order
    return ea.path > eb.path;
  };
  std::priority_queue<Cand, std::vector<Cand>, decltype(lower)> heap(lower);
  auto expand = [&](int level, const ItemRef* b, const ItemRef* lo, const ItemRef* hi) -> Status {
    OSIER_ASSIGN_OR_RETURN(auto stored, acc.load(level, b));
    if (!stored) return Status::ok();
    loaded.push_back(std::make_unique<Node>(std::move(*stored)));
    const Node& n = *loaded.back();
    for (std::size_t j = 0; j <= n.items.size(); ++j) {
      if (level > 0 && n.kids[j].count > 0) {
        const ItemRef* clo = j == 0 ? lo : &n.items[j - 1];
        const ItemRef* chi = j == n.items.size() ? hi : &n.items[j];
        if (!rt.disjoint(n.kids[j], clo, chi)) {
          heap.push(Cand{std::nullopt, n.kids[j].max_t, level - 1,
                         TreeAccess::child_boundary(n, j, b), clo, chi});
        }
      }
      if (j < n.items.size() && rt.includes(n.items[j])) {
        OSIER_ASSIGN_OR_RETURN(IndexItem item, n.items[j].materialise(ns_));
        const model::Timestamp t = item.entry.timestamp;
        heap.push(Cand{std::move(item), t, level, nullptr, nullptr, nullptr});
      }
    }
    return Status::ok();
  };
  OSIER_RETURN_IF_ERROR(expand(kTopLevel, nullptr, nullptr, nullptr));
  while (!heap.empty()) {
    Cand c = heap.top();
    heap.pop();
    if (c.item) {
      if (!fn(*c.item)) return Status::ok();
      continue;
    }
    OSIER_RETURN_IF_ERROR(expand(c.level, c.boundary, c.lo, c.hi));
  }
  return Status::ok();
}

Status LmdbTree::insert(const IndexItem& item) {
  if (item.entry.namespace_id != ns_) {
    return error(ErrorCode::kInvalidArgument, "store tree: an entry of another namespace");
  }
  Encoder enc;
  model::encode_path(enc, item.entry.path);
  const ByteArray<32> digest = crypto::william3(enc.bytes());
  const Bytes bytes = encode_item(item, digest);
  const ItemRef x(bytes);
  const int lx = level_of(salt_, item.entry.subspace_id, digest);
  TreeAccess acc(txn_, dbi_, ns_, cache_);
  auto done = acc.insert(kTopLevel, nullptr, x, lx);
  return done ? Status::ok() : done.status();
}

Result<std::optional<IndexItem>> LmdbTree::erase(const SubspaceId& s, const Path& p) {
  std::optional<IndexItem> out;
  TreeAccess acc(txn_, dbi_, ns_, cache_);
  auto done = acc.erase(kTopLevel, nullptr, search_key(s, p), out, ns_);
  if (!done) return done.status();
  return out;
}

Result<bool> LmdbTree::update_available(const SubspaceId& s, const Path& p,
                                        std::uint64_t available, const Fp256& hash) {
  bool done = false;
  TreeAccess acc(txn_, dbi_, ns_, cache_);
  auto changed = acc.update(kTopLevel, nullptr, search_key(s, p), available, hash, done);
  if (!changed) return changed.status();
  return done;
}

Result<std::uint64_t> LmdbTree::check() const {
  TreeAccess acc(txn_, dbi_, ns_, cache_);
  std::uint64_t nodes = 0, items = 0;
  OSIER_RETURN_IF_ERROR(
      acc.check(salt_, kTopLevel, nullptr, nullptr, nullptr, nullptr, nodes, items));
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
