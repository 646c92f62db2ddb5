// LmdbTree: the persistent 3d index of one namespace — an aggregate search tree whose nodes are
// records of an LMDB database, read and changed inside the caller's LMDB transaction, so the
// index commits (or aborts) together with the entries. Nothing is rebuilt on open.
//
// Shape (docs/formats.md "The tree"): a Merkle-search-tree-like B-tree over the (subspace,
// path) order. Every entry key gets a level from a keyed hash (SipHash-2-4 under a per-store
// secret salt, so a peer cannot choose keys that unbalance it): level L with probability
// 15/16^(L+1), capped at kTopLevel. A node of level L holds the items of level L lying between
// two consecutive items of a higher level, and between its items the subtrees (nodes of level
// L-1) of the keys in those gaps. The shape is a function of the set of keys — no rebalancing;
// an insert or erase rewrites O(depth) nodes (splitting or merging the chain of nodes below a
// high item). A node is stored under (namespace, level, its left boundary: the nearest item of a
// higher level before it), so children need no pointers; every parent stores, per child, the
// child's aggregate (fingerprint sum, count, payload bytes, least and greatest timestamp) and
// every item its entry, available length and hash (stored, never recomputed).
//
// Every item is held twice, in two trees of that shape (the same levels) whose node records
// share the namespace's key space: the path order over (subspace, path), and the time order over
// (subspace, timestamp, path). A range whose paths are all paths, or whose times are one
// timestamp, is one interval of the time order per subspace, so its summary reads O(depth)
// nodes per subspace there (by_time); every other range is searched in the path order. (For a
// range restricted in both, counting its keys and its time window first and searching the
// smaller was tried: the two counts cost more than they saved, docs/benchmarks.md.)
//
// Queries descend from the root, taking a child's aggregate whole when the range contains its
// key gap and time span, skipping it when they are disjoint, else looking inside: a range that
// is one interval of the order with its time side open (what splitting produces) reads
// O(depth) nodes; each subspace a path-restricted range cuts through adds O(depth); a time
// restriction also descends into subtrees whose time span it cuts — by time alone once the
// subtree is inside the range's keys — which is linear in the items of the range's key part
// when timestamps are spread evenly (docs/benchmarks.md). Reads decode nothing they do not use:
// a node is read in place from the map, a child's aggregate only when it is taken.
//
// Not thread-safe: bound to one transaction (and its thread) for its lifetime, which must not
// outlive the transaction. Writes need a write transaction. Reads point into LMDB's map while
// they run: a visitor must not write in the same transaction (collect, then write).
#pragma once

#include <lmdb.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <unordered_map>
#include <utility>

#include "osier/base/bytes.hpp"
#include "osier/base/status.hpp"
#include "osier/model/entry.hpp"
#include "store/aggregate.hpp"
#include "store/index_view.hpp"

namespace osier::store {

// The secret that decides items' levels (16 random bytes, one per store).
using TreeSalt = ByteArray<16>;

// Which of a namespace's two trees (above).
enum class Order : std::uint8_t { kPath, kTime };

struct TreeNode;   // a decoded node (lmdb_tree.cpp)
struct TreePicks;  // what a select looks for (lmdb_tree.cpp)

// Node records a write transaction changed and has not yet written to LMDB, kept decoded: the
// upper nodes of a tree change with nearly every write, and a batch decodes and encodes each of
// them once instead of once per entry. Every tree of the transaction reads and writes through
// it; flush() (before the commit; by a write itself, between entries, past kMaxNodes) encodes
// them into LMDB. Drop it with the transaction on abort.
class TreeWriteCache {
 public:
  static constexpr std::size_t kMaxNodes = 4096;  // about 16 MiB of nodes at most

  TreeWriteCache();
  ~TreeWriteCache();
  TreeWriteCache(const TreeWriteCache&) = delete;
  TreeWriteCache& operator=(const TreeWriteCache&) = delete;

  // Writes every cached node record into `txn` (deleting those of emptied nodes) and empties
  // the cache.
  Status flush(MDB_txn* txn, MDB_dbi dbi);
  void clear();
  bool empty() const { return nodes_.empty(); }

  // Internal to LmdbTree: node record keys to nodes (an empty node: none stored). Hashed: keys
  // share their first 33 bytes (namespace, order and level), which an ordered map compared on
  // every step of every lookup; flush() sorts them once.
  struct KeyHash {
    using is_transparent = void;  // looked up by views of keys built on the stack
    std::size_t operator()(ByteView k) const;
  };
  struct KeyEqual {
    using is_transparent = void;
    bool operator()(ByteView a, ByteView b) const;
  };
  std::unordered_map<Bytes, std::unique_ptr<TreeNode>, KeyHash, KeyEqual> nodes_;
};

// Where node records a read-only transaction has read lie in LMDB's map, by key: every query
// descends from the root, so the upper levels of a tree are read by nearly every one, and a
// snapshot answers thousands of queries from one read transaction (a sync answering a flight of
// fingerprints). Holds nodes of level >= kMinLevel (the leaves are most of the nodes and rarely
// read twice) up to kMaxNodes, then caches no more: at 1M items the levels above the leaves are
// about 4,400 nodes per order (the path order, which reconciliation's splits read, and the time
// order), so past about 1M items the first queries' nodes are kept and later ones read through
// LMDB. Memory: at most kMaxNodes keys of 97 bytes and their map positions, about 1.5 MiB. The
// positions are valid only while the read transaction lives and only in a read-only one (a write
// transaction moves the pages it changes): keep it with the transaction, never use it with a write
// transaction. Not thread-safe (nor is the transaction).
class TreeReadCache {
 public:
  static constexpr std::size_t kMaxNodes = 8192;
  static constexpr int kMinLevel = 1;

  // Internal to LmdbTree: node record keys to their values in the map (mv_data null: none
  // stored).
  std::unordered_map<Bytes, MDB_val, TreeWriteCache::KeyHash, TreeWriteCache::KeyEqual> nodes_;
};

class LmdbTree final : public IndexView {
 public:
  static constexpr int kLevelBits = 4;  // fan-out 16
  static constexpr int kTopLevel = 6;   // the root's level; holds every item of level >= 6

  // With `cache` (write transactions), changed nodes are kept there until it is flushed, and
  // reads see them. With `read_cache` (only for a read-only transaction it lives no longer
  // than), reads remember where the upper nodes lie.
  LmdbTree(MDB_txn* txn, MDB_dbi dbi, const model::NamespaceId& ns, const TreeSalt& salt,
           TreeWriteCache* cache = nullptr, TreeReadCache* read_cache = nullptr);

  // The most items visit() reads from the time order (and sorts, in memory) for a range that
  // by_time() answers there; a larger range is walked in the path order.
  static constexpr std::uint64_t kSortedVisitMax = 4096;
  // The items build_time_order() holds in memory at once.
  static constexpr std::size_t kBuildBatch = 4096;

  // Whether `range` is answered in the time order: it restricts times, and its paths are all
  // paths or its times one timestamp.
  static bool by_time(const model::D3Range& range);

  Result<std::optional<IndexItem>> find(const model::SubspaceId& subspace,
                                        const model::Path& path) const override;
  Status visit(const model::D3Range& range, const Visitor& fn,
               const Skip& skip = {}) const override;
  // A range by_time() answers, of at most kSortedVisitMax items, is read from the time order
  // (and sorted) whether or not resumed; any other resumes as IndexView's default does.
  Status visit_after(const model::D3Range& range, const model::SubspaceId& subspace,
                     const model::Path& path, const Visitor& fn,
                     const Skip& skip = {}) const override;
  // Within one subspace and all paths: the time order read backwards, a timestamp at a time
  // (O(depth) plus the items given; memory: the items of one timestamp, at most
  // kSortedVisitMax, past which the search below takes over). Otherwise a best-first search of
  // the path order by subtrees' greatest timestamps.
  Status visit_newest_first(const model::D3Range& range, const Visitor& fn) const override;
  Result<RangeSummary> summarise(const model::D3Range& range) const override;
  // For a range of one subspace and all times (a key interval): one descent to the least key
  // at or above its start. Otherwise whether its summary counts any.
  Result<bool> holds_any(const model::D3Range& range) const override;
  Result<std::optional<IndexItem>> select(const model::D3Range& range,
                                          std::uint64_t i) const override;
  // One descent for both items and the summary below them.
  Result<SelectedPair> select_pair(const model::D3Range& range, std::uint64_t i) const override;
  bool has_time_order() const override { return true; }
  // One descent of the time order for a range of all paths or of one timestamp; otherwise
  // IndexView's (linear) default.
  Result<SelectedPair> select_pair_by_time(const model::D3Range& range,
                                           std::uint64_t i) const override;
  // One descent of the order select_pair() or select_pair_by_time() would search, for every
  // rank.
  Result<std::vector<SelectedPair>> select_pairs(const model::D3Range& range,
                                                 std::span<const std::uint64_t> ranks,
                                                 bool by_time) const override;
  bool finds_pairs_in_one_search() const override { return true; }
  // The aggregate of the whole namespace.
  Result<Aggregate> total() const;

  // Adds an item to both orders (its entry's namespace must be this tree's). kInvalidArgument
  // when an item with the same subspace and path is stored.
  Status insert(const IndexItem& item);
  // Builds the time order from the path order (upgrading format 3, which had only the path
  // order): reads kBuildBatch items at a time. REQUIRES: the time order is empty.
  Status build_time_order();
  // Removes and returns the item at (subspace, path), if any.
  Result<std::optional<IndexItem>> erase(const model::SubspaceId& subspace,
                                         const model::Path& path);
  // Sets the available length and hash of the item at (subspace, path); false when there is
  // none.
  Result<bool> update_available(const model::SubspaceId& subspace, const model::Path& path,
                                std::uint64_t available, const Fp256& hash);

  // Verifies both orders: key order and every item's level, that each child aggregate equals
  // a recomputation, no empty node records, no node records a root does not reach, and that the
  // time order holds what the path order holds (the same count, fingerprint sum and sizes).
  // Returns the number of items.
  Result<std::uint64_t> check() const;

  // The level of a key under `salt`; `path_digest` is WILLIAM3(encode_path(path)), as in the
  // entries' LMDB keys.
  static int level_of(const TreeSalt& salt, const model::SubspaceId& subspace,
                      const ByteArray<32>& path_digest);

 private:
  // The items of `range` (REQUIRES: by_time(range)) after `after` (if given) from the time order,
  // sorted into (subspace, path) order, if the range holds at most kSortedVisitMax: then true in
  // `done`; else the caller walks the path order.
  Status visit_sorted(const model::D3Range& range,
                      const std::optional<std::pair<model::SubspaceId, model::Path>>& after,
                      const Visitor& fn, const Skip& skip, bool& done) const;
  // kInternal for a tree with a read cache (a snapshot's): writes need a write transaction.
  Status writable() const;
  Status insert_time_order(const IndexItem& item);
  Status pick(const model::D3Range& range, bool by_time, TreePicks& picks) const;

  MDB_txn* txn_;
  TreeWriteCache* cache_;
  TreeReadCache* rcache_;
  MDB_dbi dbi_;
  model::NamespaceId ns_;
  TreeSalt salt_;
};

}  // namespace osier::store
