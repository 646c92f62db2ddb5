#include "store/lmdb_tree.hpp"

#include <sodium.h>

#include <algorithm>
#include <bit>
#include <compare>
#include <memory>
#include <queue>
#include <utility>
#include <vector>

#include "base/codec.hpp"
#include "crypto/sodium.hpp"
#include "crypto/william3.hpp"
#include "model/encoding_path.hpp"
#include "store/lmdb_env.hpp"

namespace osier::store {

using model::D3Range;
using model::Path;
using model::SubspaceId;

namespace {

// ---- Items and nodes in memory

struct Item {
  IndexItem it;
  ByteArray<32> path_digest{};

  const SubspaceId& s() const { return it.entry.subspace_id; }
  const Path& p() const { return it.entry.path; }
};

std::strong_ordering key_cmp(const SubspaceId& s1, const Path& p1, const SubspaceId& s2,
                             const Path& p2) {
  if (auto c = s1 <=> s2; c != 0) return c;
  return p1 <=> p2;
}
std::strong_ordering key_cmp(const Item& a, const Item& b) {
  return key_cmp(a.s(), a.p(), b.s(), b.p());
}

// A node of level L: its items (all of level L, ascending), and for L > 0 one child aggregate
// per gap (items.size() + 1 of them; count 0: no child there).
struct Node {
  std::vector<Item> items;
  std::vector<Aggregate> kids;

  static Node empty(int level) {
    Node n;
    if (level > 0) n.kids.resize(1);
    return n;
  }
  bool is_empty() const {
    return items.empty() && std::all_of(kids.begin(), kids.end(), [](const Aggregate& a) {
             return a.count == 0;
           });
  }
  Aggregate total() const {
    Aggregate a;
    for (std::size_t j = 0; j < items.size(); ++j) {
      if (!kids.empty()) a.add(kids[j]);
      a.add(Aggregate::single(items[j].it.hash, items[j].it.entry));
    }
    if (!kids.empty()) a.add(kids.back());
    return a;
  }
  // The number of items ordered before (subspace, path); `found` says whether one equals it.
  std::size_t position(const SubspaceId& s, const Path& p, bool& found) const {
    std::size_t lo = 0, hi = items.size();
    while (lo < hi) {
      const std::size_t mid = (lo + hi) / 2;
      if (key_cmp(items[mid].s(), items[mid].p(), s, p) < 0) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    found = lo < items.size() && key_cmp(items[lo].s(), items[lo].p(), s, p) == 0;
    return lo;
  }
};

// ---- Encoding (docs/formats.md "The tree")

constexpr std::size_t kMaxItems = 1u << 16;

void put_aggregate(Bytes& v, const Aggregate& a) {
  put_be(v, a.count, 8);
  if (a.count == 0) return;
  append(v, a.fp.to_bytes());
  put_be(v, a.bytes, 8);
  put_be(v, a.min_t, 8);
  put_be(v, a.max_t, 8);
}

Bytes encode_node(const Node& n) {
  Bytes v;
  put_be(v, n.items.size(), 2);
  for (const Aggregate& a : n.kids) put_aggregate(v, a);
  for (const Item& item : n.items) {
    const model::Entry& e = item.it.entry;
    append(v, e.subspace_id);
    append(v, item.path_digest);
    put_be(v, e.timestamp, 8);
    put_be(v, e.payload_length, 8);
    append(v, e.payload_digest);
    put_be(v, item.it.available, 8);
    append(v, item.it.hash.to_bytes());
    Encoder enc;
    model::encode_path(enc, e.path);
    put_be(v, enc.bytes().size(), 4);
    append(v, enc.bytes());
  }
  return v;
}

Status corrupt(const char* what) {
  return error(ErrorCode::kCorrupt, std::string("store tree: ") + what);
}

Result<Node> decode_node(ByteView v, int level, const model::NamespaceId& ns) {
  Decoder dec(v);
  auto u = [&](std::size_t n) -> Result<std::uint64_t> {
    OSIER_ASSIGN_OR_RETURN(ByteView b, dec.take(n));
    return get_be(b);
  };
  Node n;
  auto m = u(2);
  if (!m) return corrupt("truncated node");
  if (level > 0) {
    n.kids.resize(*m + 1);
    for (Aggregate& a : n.kids) {
      auto count = u(8);
      if (!count) return corrupt("truncated node");
      a.count = *count;
      if (a.count == 0) continue;
      auto fp = dec.array<32>();
      auto bytes = u(8);
      auto min_t = u(8);
      auto max_t = u(8);
      if (!fp || !bytes || !min_t || !max_t) return corrupt("truncated node");
      a.fp = Fp256::from_bytes(*fp);
      a.bytes = *bytes;
      a.min_t = *min_t;
      a.max_t = *max_t;
    }
  }
  n.items.resize(*m);
  for (Item& item : n.items) {
    model::Entry& e = item.it.entry;
    e.namespace_id = ns;
    auto s = dec.array<32>();
    auto d = dec.array<32>();
    auto t = u(8);
    auto len = u(8);
    auto pd = dec.array<32>();
    auto avail = u(8);
    auto h = dec.array<32>();
    auto plen = u(4);
    if (!s || !d || !t || !len || !pd || !avail || !h || !plen) return corrupt("truncated node");
    auto code = dec.take(*plen);
    if (!code) return corrupt("truncated node");
    Decoder pdec(*code);
    auto path = model::decode_path(pdec, DecodeMode::kCanonic);
    if (!path || !pdec.at_end()) return corrupt("node item with an invalid path");
    std::copy(s->begin(), s->end(), e.subspace_id.begin());
    item.path_digest = *d;
    e.timestamp = *t;
    e.payload_length = *len;
    std::copy(pd->begin(), pd->end(), e.payload_digest.begin());
    e.path = std::move(*path);
    item.it.available = *avail;
    item.it.hash = Fp256::from_bytes(*h);
  }
  if (!dec.at_end()) return corrupt("trailing bytes in a node");
  return n;
}

// ---- How a 3d range relates to a subtree: its items lie strictly between two bounds (items;
// null for an open end) and have the time span of its aggregate.

class RangeTest {
 public:
  explicit RangeTest(const D3Range& r) : r_(r) {
    const auto succ = model::subspace_successor(r.subspaces.start);
    single_ = r.subspaces.end ? (succ && *r.subspaces.end == *succ) : !succ;
    full_paths_ = r.paths.start.component_count() == 0 && !r.paths.end;
    empty_ = r.is_empty();
    min_subspace_ = r.subspaces.start == SubspaceId{};
  }

  bool empty() const { return empty_; }
  bool includes(const Item& item) const { return r_.includes(item.it.entry); }

  bool disjoint(const Aggregate& a, const Item* lo, const Item* hi) const {
    if (empty_ || a.count == 0) return true;
    const auto& t = r_.times;
    if (a.max_t < t.start || (t.end && a.min_t >= *t.end)) return true;
    const SubspaceId& s0 = r_.subspaces.start;
    // Keys of the range are at least (s0, single ? p0 : empty); the subtree's are below hi.
    if (hi && key_cmp(hi->s(), hi->p(), s0, single_ ? r_.paths.start : kEmpty) <= 0) return true;
    // ...and below (s1, empty), or (s0, p1) for one subspace; the subtree's above lo.
    if (lo && r_.subspaces.end && lo->s() >= *r_.subspaces.end) return true;
    if (lo && single_ && r_.paths.end && key_cmp(lo->s(), lo->p(), s0, *r_.paths.end) >= 0) {
      return true;
    }
    if (lo && hi && lo->s() == hi->s()) {
      // One subspace, paths strictly between lo's and hi's.
      if (!r_.subspaces.includes(lo->s())) return true;
      if (hi->p() <= r_.paths.start) return true;
      if (r_.paths.end && lo->p() >= *r_.paths.end) return true;
    }
    return false;
  }

  bool contained(const Aggregate& a, const Item* lo, const Item* hi) const {
    const auto& t = r_.times;
    if (!(t.start <= a.min_t && (!t.end || a.max_t < *t.end))) return false;
    if (full_paths_) {
      const bool lower = (lo && lo->s() >= r_.subspaces.start) || min_subspace_;
      const bool upper = !r_.subspaces.end ||
                         (hi && (hi->s() < *r_.subspaces.end ||
                                 (hi->s() == *r_.subspaces.end && hi->p().component_count() == 0)));
      return lower && upper;
    }
    return lo && hi && lo->s() == hi->s() && r_.subspaces.includes(lo->s()) &&
           lo->p() >= r_.paths.start && (!r_.paths.end || hi->p() <= *r_.paths.end);
  }

 private:
  static inline const Path kEmpty{};
  const D3Range& r_;
  bool single_ = false;
  bool full_paths_ = false;
  bool empty_ = false;
  bool min_subspace_ = false;
};

}  // namespace

// ---- Node access, bound to one transaction

class TreeAccess {
 public:
  TreeAccess(MDB_txn* txn, MDB_dbi dbi, const model::NamespaceId& ns) : txn_(txn), dbi_(dbi), ns_(ns) {}

  // namespace_id ‖ u8 level ‖ [subspace_id ‖ path digest of the boundary item]
  Bytes key(int level, const Item* boundary) const {
    Bytes k(ns_.begin(), ns_.end());
    k.push_back(static_cast<std::uint8_t>(level));
    if (boundary) {
      append(k, boundary->s());
      append(k, boundary->path_digest);
    }
    return k;
  }

  Result<std::optional<Node>> load(int level, const Item* boundary) const {
    const Bytes k = key(level, boundary);
    MDB_val kv = lmdb::val(k);
    MDB_val v{};
    const int rc = mdb_get(txn_, dbi_, &kv, &v);
    if (rc == MDB_NOTFOUND) return std::optional<Node>();
    OSIER_RETURN_IF_ERROR(lmdb::status_of(rc, "read a tree node"));
    OSIER_ASSIGN_OR_RETURN(Node n, decode_node(lmdb::view(v), level, ns_));
    return std::optional(std::move(n));
  }
  // The node, or an empty one when none is stored.
  Result<Node> load_or_empty(int level, const Item* boundary) const {
    OSIER_ASSIGN_OR_RETURN(auto n, load(level, boundary));
    return n ? std::move(*n) : Node::empty(level);
  }
  // Writes the node, or deletes its record when it is empty.
  Status store(int level, const Item* boundary, const Node& node) {
    const Bytes k = key(level, boundary);
    MDB_val kv = lmdb::val(k);
    if (node.is_empty()) {
      const int rc = mdb_del(txn_, dbi_, &kv, nullptr);
      return rc == MDB_NOTFOUND ? Status::ok() : lmdb::status_of(rc, "delete a tree node");
    }
    if (node.items.size() >= kMaxItems) return corrupt("node too large");
    const Bytes v = encode_node(node);
    MDB_val vv = lmdb::val(v);
    return lmdb::status_of(mdb_put(txn_, dbi_, &kv, &vv, 0), "write a tree node");
  }

  // The boundary of the child in gap j of a node with boundary `b`.
  static const Item* child_boundary(const Node& n, std::size_t j, const Item* b) {
    return j == 0 ? b : &n.items[j - 1];
  }

  // ---- Writes. Each returns the new aggregate of the node it changed.

  Result<Aggregate> insert(int level, const Item* b, const Item& x, int lx) {
    OSIER_ASSIGN_OR_RETURN(Node n, load_or_empty(level, b));
    bool found = false;
    const std::size_t i = n.position(x.s(), x.p(), found);
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
  Result<std::pair<Aggregate, Aggregate>> split(int level, const Item* b, const Item& x) {
    OSIER_ASSIGN_OR_RETURN(auto stored, load(level, b));
    if (!stored) return std::pair<Aggregate, Aggregate>{};
    Node& n = *stored;
    bool found = false;
    const std::size_t i = n.position(x.s(), x.p(), found);
    Node left, right;
    left.items.assign(n.items.begin(), n.items.begin() + static_cast<std::ptrdiff_t>(i));
    right.items.assign(n.items.begin() + static_cast<std::ptrdiff_t>(i), n.items.end());
    if (level > 0) {
      OSIER_ASSIGN_OR_RETURN(auto parts, split(level - 1, child_boundary(n, i, b), x));
      left.kids.assign(n.kids.begin(), n.kids.begin() + static_cast<std::ptrdiff_t>(i));
      left.kids.push_back(parts.first);
      right.kids.push_back(parts.second);
      right.kids.insert(right.kids.end(), n.kids.begin() + static_cast<std::ptrdiff_t>(i) + 1,
                        n.kids.end());
    }
    OSIER_RETURN_IF_ERROR(store(level, b, left));
    OSIER_RETURN_IF_ERROR(store(level, &x, right));
    return std::pair{left.total(), right.total()};
  }

  Result<Aggregate> erase(int level, const Item* b, const SubspaceId& s, const Path& p,
                          std::optional<IndexItem>& out) {
    OSIER_ASSIGN_OR_RETURN(auto stored, load(level, b));
    if (!stored) return Aggregate{};
    Node& n = *stored;
    bool found = false;
    const std::size_t i = n.position(s, p, found);
    if (!found) {
      if (level == 0) return n.total();
      OSIER_ASSIGN_OR_RETURN(Aggregate a, erase(level - 1, child_boundary(n, i, b), s, p, out));
      if (!out) return n.total();
      n.kids[i] = a;
    } else {
      const Item x = std::move(n.items[i]);
      if (level > 0) {
        // The children on both sides of x become one (keeping the left one's boundary).
        OSIER_ASSIGN_OR_RETURN(n.kids[i], merge(level - 1, child_boundary(n, i, b), x));
        n.kids.erase(n.kids.begin() + static_cast<std::ptrdiff_t>(i) + 1);
      }
      n.items.erase(n.items.begin() + static_cast<std::ptrdiff_t>(i));
      out = x.it;
    }
    OSIER_RETURN_IF_ERROR(store(level, b, n));
    return n.total();
  }

  // Merges node (level, x) into node (level, bl), which precedes it.
  Result<Aggregate> merge(int level, const Item* bl, const Item& x) {
    OSIER_ASSIGN_OR_RETURN(Node a, load_or_empty(level, bl));
    OSIER_ASSIGN_OR_RETURN(Node c, load_or_empty(level, &x));
    Node m;
    if (level > 0) {
      const Item* last = a.items.empty() ? bl : &a.items.back();
      OSIER_ASSIGN_OR_RETURN(Aggregate joined, merge(level - 1, last, x));
      m.kids.assign(a.kids.begin(), a.kids.end() - 1);
      m.kids.push_back(joined);
      m.kids.insert(m.kids.end(), c.kids.begin() + 1, c.kids.end());
    }
    m.items = std::move(a.items);
    m.items.insert(m.items.end(), std::make_move_iterator(c.items.begin()),
                   std::make_move_iterator(c.items.end()));
    OSIER_RETURN_IF_ERROR(store(level, &x, Node::empty(level)));  // deletes its record
    OSIER_RETURN_IF_ERROR(store(level, bl, m));
    return m.total();
  }

  Result<Aggregate> update(int level, const Item* b, const SubspaceId& s, const Path& p,
                           std::uint64_t available, const Fp256& hash, bool& done) {
    OSIER_ASSIGN_OR_RETURN(auto stored, load(level, b));
    if (!stored) return Aggregate{};
    Node& n = *stored;
    bool found = false;
    const std::size_t i = n.position(s, p, found);
    if (found) {
      n.items[i].it.available = available;
      n.items[i].it.hash = hash;
      done = true;
    } else {
      if (level == 0) return n.total();
      OSIER_ASSIGN_OR_RETURN(Aggregate a,
                             update(level - 1, child_boundary(n, i, b), s, p, available, hash, done));
      if (!done) return n.total();
      n.kids[i] = a;
    }
    OSIER_RETURN_IF_ERROR(store(level, b, n));
    return n.total();
  }

  // ---- Reads

  // Adds what `range` includes of node (level, b), whose items lie in (lo, hi), to `acc`.
  Status sum(int level, const Item* b, const Item* lo, const Item* hi, const RangeTest& rt,
             Aggregate& acc) const {
    OSIER_ASSIGN_OR_RETURN(auto stored, load(level, b));
    if (!stored) return Status::ok();
    const Node& n = *stored;
    for (std::size_t j = 0; j <= n.items.size(); ++j) {
      if (level > 0 && n.kids[j].count > 0) {
        const Item* clo = j == 0 ? lo : &n.items[j - 1];
        const Item* chi = j == n.items.size() ? hi : &n.items[j];
        if (rt.contained(n.kids[j], clo, chi)) {
          acc.add(n.kids[j]);
        } else if (!rt.disjoint(n.kids[j], clo, chi)) {
          OSIER_RETURN_IF_ERROR(sum(level - 1, child_boundary(n, j, b), clo, chi, rt, acc));
        }
      }
      if (j < n.items.size() && rt.includes(n.items[j])) {
        acc.add(Aggregate::single(n.items[j].it.hash, n.items[j].it.entry));
      }
    }
    return Status::ok();
  }

  // Visits in key order; false in `go` once the visitor stopped.
  Status walk(int level, const Item* b, const Item* lo, const Item* hi, const RangeTest& rt,
              const IndexView::Visitor& fn, bool& go) const {
    OSIER_ASSIGN_OR_RETURN(auto stored, load(level, b));
    if (!stored) return Status::ok();
    const Node& n = *stored;
    for (std::size_t j = 0; go && j <= n.items.size(); ++j) {
      if (level > 0 && n.kids[j].count > 0) {
        const Item* clo = j == 0 ? lo : &n.items[j - 1];
        const Item* chi = j == n.items.size() ? hi : &n.items[j];
        if (!rt.disjoint(n.kids[j], clo, chi)) {
          OSIER_RETURN_IF_ERROR(walk(level - 1, child_boundary(n, j, b), clo, chi, rt, fn, go));
        }
      }
      if (go && j < n.items.size() && rt.includes(n.items[j])) go = fn(n.items[j].it);
    }
    return Status::ok();
  }

  // The i-th item the range includes within node (level, b); decrements i past what it skips.
  Result<std::optional<IndexItem>> select(int level, const Item* b, const Item* lo,
                                          const Item* hi, const RangeTest& rt,
                                          std::uint64_t& i) const {
    OSIER_ASSIGN_OR_RETURN(auto stored, load(level, b));
    if (!stored) return std::optional<IndexItem>();
    const Node& n = *stored;
    for (std::size_t j = 0; j <= n.items.size(); ++j) {
      if (level > 0 && n.kids[j].count > 0) {
        const Item* clo = j == 0 ? lo : &n.items[j - 1];
        const Item* chi = j == n.items.size() ? hi : &n.items[j];
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
        if (i == 0) return std::optional(n.items[j].it);
        --i;
      }
    }
    return std::optional<IndexItem>();
  }

  // check(): verifies node (level, b) with items in (lo, hi) against `expect` (its aggregate
  // as its parent records it; none for the root); counts nodes and items.
  Status check(const TreeSalt& salt, int level, const Item* b, const Item* lo, const Item* hi,
               const Aggregate* expect, std::uint64_t& nodes, std::uint64_t& items) const {
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
      const Item& x = n.items[j];
      const Item* before = j == 0 ? lo : &n.items[j - 1];
      if (before && key_cmp(*before, x) >= 0) return corrupt("keys out of order");
      if (j + 1 == n.items.size() && hi && key_cmp(x, *hi) >= 0) return corrupt("keys out of order");
      const int want = LmdbTree::level_of(salt, x.s(), x.path_digest);
      if (want != level) return corrupt("an item at the wrong level");
      Encoder enc;
      model::encode_path(enc, x.p());
      if (!(crypto::william3(enc.bytes()) == x.path_digest)) return corrupt("a wrong path digest");
    }
    if (level > 0) {
      for (std::size_t j = 0; j <= n.items.size(); ++j) {
        const Item* clo = j == 0 ? lo : &n.items[j - 1];
        const Item* chi = j == n.items.size() ? hi : &n.items[j];
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

  MDB_txn* txn() const { return txn_; }
  MDB_dbi dbi() const { return dbi_; }

 private:
  MDB_txn* txn_;
  MDB_dbi dbi_;
  const model::NamespaceId& ns_;
};

namespace {

Item make_item(const IndexItem& it) {
  Item x{it, {}};
  Encoder enc;
  model::encode_path(enc, it.entry.path);
  x.path_digest = crypto::william3(enc.bytes());
  return x;
}

}  // namespace

LmdbTree::LmdbTree(MDB_txn* txn, MDB_dbi dbi, const model::NamespaceId& ns, const TreeSalt& salt)
    : txn_(txn), dbi_(dbi), ns_(ns), salt_(salt) {}

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
  TreeAccess acc(txn_, dbi_, ns_);
  // Descend along the gaps that hold the key.
  std::optional<Item> boundary;
  for (int level = kTopLevel; level >= 0; --level) {
    OSIER_ASSIGN_OR_RETURN(auto n, acc.load(level, boundary ? &*boundary : nullptr));
    if (!n) return std::optional<IndexItem>();
    bool found = false;
    const std::size_t i = n->position(s, p, found);
    if (found) return std::optional(std::move(n->items[i].it));
    if (i > 0) boundary = std::move(n->items[i - 1]);
  }
  return std::optional<IndexItem>();
}

Status LmdbTree::visit(const D3Range& range, const Visitor& fn) const {
  RangeTest rt(range);
  if (rt.empty()) return Status::ok();
  bool go = true;
  return TreeAccess(txn_, dbi_, ns_).walk(kTopLevel, nullptr, nullptr, nullptr, rt, fn, go);
}

Result<RangeSummary> LmdbTree::summarise(const D3Range& range) const {
  RangeTest rt(range);
  Aggregate a;
  if (!rt.empty()) {
    OSIER_RETURN_IF_ERROR(
        TreeAccess(txn_, dbi_, ns_).sum(kTopLevel, nullptr, nullptr, nullptr, rt, a));
  }
  return a.summary();
}

Result<std::optional<IndexItem>> LmdbTree::select(const D3Range& range, std::uint64_t i) const {
  RangeTest rt(range);
  if (rt.empty()) return std::optional<IndexItem>();
  return TreeAccess(txn_, dbi_, ns_).select(kTopLevel, nullptr, nullptr, nullptr, rt, i);
}

Result<Aggregate> LmdbTree::total() const {
  TreeAccess acc(txn_, dbi_, ns_);
  OSIER_ASSIGN_OR_RETURN(Node root, acc.load_or_empty(kTopLevel, nullptr));
  return root.total();
}

Status LmdbTree::visit_newest_first(const D3Range& range, const Visitor& fn) const {
  RangeTest rt(range);
  if (rt.empty()) return Status::ok();
  TreeAccess acc(txn_, dbi_, ns_);
  // Best-first search: a subtree is keyed by its greatest timestamp and is expanded before any
  // item of that timestamp is emitted, so items come out in newer_than order. Loaded nodes stay
  // alive (bounds and items point into them) for the walk.
  std::vector<std::unique_ptr<Node>> loaded;
  struct Cand {
    const Item* item;    // an item, or null for a subtree:
    model::Timestamp t;  // (the subtree's greatest timestamp)
    int level;
    const Item* boundary;
    const Item* lo;
    const Item* hi;
  };
  auto lower = [](const Cand& a, const Cand& b) {
    if (a.t != b.t) return a.t < b.t;
    if ((a.item == nullptr) != (b.item == nullptr)) return b.item == nullptr;
    if (!a.item) return false;
    const model::Entry& ea = a.item->it.entry;
    const model::Entry& eb = b.item->it.entry;
    if (model::newer_than(eb, ea)) return true;
    if (model::newer_than(ea, eb)) return false;
    return key_cmp(*a.item, *b.item) > 0;  // ties: key order
  };
  std::priority_queue<Cand, std::vector<Cand>, decltype(lower)> heap(lower);
  auto expand = [&](int level, const Item* b, const Item* lo, const Item* hi) -> Status {
    OSIER_ASSIGN_OR_RETURN(auto stored, acc.load(level, b));
    if (!stored) return Status::ok();
    loaded.push_back(std::make_unique<Node>(std::move(*stored)));
    const Node& n = *loaded.back();
    for (std::size_t j = 0; j <= n.items.size(); ++j) {
      if (level > 0 && n.kids[j].count > 0) {
        const Item* clo = j == 0 ? lo : &n.items[j - 1];
        const Item* chi = j == n.items.size() ? hi : &n.items[j];
        if (!rt.disjoint(n.kids[j], clo, chi)) {
          heap.push(Cand{nullptr, n.kids[j].max_t, level - 1, TreeAccess::child_boundary(n, j, b),
                         clo, chi});
        }
      }
      if (j < n.items.size() && rt.includes(n.items[j])) {
        heap.push(Cand{&n.items[j], n.items[j].it.entry.timestamp, level, nullptr, nullptr, nullptr});
      }
    }
    return Status::ok();
  };
  OSIER_RETURN_IF_ERROR(expand(kTopLevel, nullptr, nullptr, nullptr));
  while (!heap.empty()) {
    const Cand c = heap.top();
    heap.pop();
    if (c.item) {
      if (!fn(c.item->it)) return Status::ok();
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
  const Item x = make_item(item);
  const int lx = level_of(salt_, x.s(), x.path_digest);
  TreeAccess acc(txn_, dbi_, ns_);
  auto done = acc.insert(kTopLevel, nullptr, x, lx);
  return done ? Status::ok() : done.status();
}

Result<std::optional<IndexItem>> LmdbTree::erase(const SubspaceId& s, const Path& p) {
  std::optional<IndexItem> out;
  TreeAccess acc(txn_, dbi_, ns_);
  auto done = acc.erase(kTopLevel, nullptr, s, p, out);
  if (!done) return done.status();
  return out;
}

Result<bool> LmdbTree::update_available(const SubspaceId& s, const Path& p,
                                        std::uint64_t available, const Fp256& hash) {
  bool done = false;
  TreeAccess acc(txn_, dbi_, ns_);
  auto changed = acc.update(kTopLevel, nullptr, s, p, available, hash, done);
  if (!changed) return changed.status();
  return done;
}

Result<std::uint64_t> LmdbTree::check() const {
  TreeAccess acc(txn_, dbi_, ns_);
  std::uint64_t nodes = 0, items = 0;
  OSIER_RETURN_IF_ERROR(acc.check(salt_, kTopLevel, nullptr, nullptr, nullptr, nullptr, nodes, items));
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
