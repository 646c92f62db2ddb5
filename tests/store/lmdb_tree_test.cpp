// LmdbTree against the vector oracle: random inserts, erases and updates of thousands of items
// (deep enough for several levels), then random 3d ranges — time restrictions included — whose
// summaries, selections, scans, newest-first orders and splits must equal brute force, with
// the tree's own structural check after every phase.
#include "store/lmdb_tree.hpp"

#include <gtest/gtest.h>
#include <lmdb.h>

#include <random>
#include <set>
#include <tuple>

#include "store/vector_index.hpp"
#include "support/sanitizers.hpp"
#include "support/temp_dir.hpp"

namespace osier::store {
namespace {

using model::D3Range;
using model::Path;
using model::SubspaceId;

class Env {
 public:
  explicit Env(const std::string& dir) {
    EXPECT_EQ(mdb_env_create(&env_), 0);
    mdb_env_set_maxdbs(env_, 2);
    mdb_env_set_mapsize(env_, std::size_t{1} << 30);
    EXPECT_EQ(mdb_env_open(env_, dir.c_str(), MDB_NOSYNC, 0600), 0);
    EXPECT_EQ(mdb_txn_begin(env_, nullptr, 0, &txn_), 0);
    EXPECT_EQ(mdb_dbi_open(txn_, "tree", MDB_CREATE, &dbi_), 0);
  }
  ~Env() {
    if (txn_) mdb_txn_abort(txn_);
    mdb_env_close(env_);
  }
  MDB_txn* txn() const { return txn_; }
  MDB_dbi dbi() const { return dbi_; }
  std::size_t records() const {
    MDB_stat st{};
    mdb_stat(txn_, dbi_, &st);
    return st.ms_entries;
  }

 private:
  MDB_env* env_ = nullptr;
  MDB_txn* txn_ = nullptr;
  MDB_dbi dbi_ = 0;
};

class Gen {
 public:
  explicit Gen(std::uint64_t seed) : rng_(seed) {}
  std::uint64_t below(std::uint64_t n) {
    return std::uniform_int_distribution<std::uint64_t>(0, n - 1)(rng_);
  }

  SubspaceId subspace() {
    SubspaceId s{};
    switch (below(5)) {
      case 0:
        break;
      case 1:
        s.fill(0xff);
        break;
      default:
        s.fill(0x40);
        s.back() = static_cast<std::uint8_t>(below(4));
        break;
    }
    return s;
  }
  Path path() {
    const std::size_t n = below(4);
    std::vector<Bytes> comps;
    for (std::size_t i = 0; i < n; ++i) {
      // Mostly short components from a small alphabet (shared prefixes, equal keys); now and
      // then a long one (keys longer than LMDB's key limit).
      const std::size_t len = below(40) == 0 ? 600 + below(200) : below(3);
      Bytes c(len);
      for (auto& b : c) b = static_cast<std::uint8_t>('a' + below(3));
      comps.push_back(std::move(c));
    }
    std::vector<ByteView> views(comps.begin(), comps.end());
    return Path::from_components(views).value();
  }
  model::Timestamp time() { return below(20) == 0 ? ~model::Timestamp{0} : below(1000); }

  IndexItem item(const model::NamespaceId& ns) {
    IndexItem it;
    it.entry.namespace_id = ns;
    it.entry.subspace_id = subspace();
    it.entry.path = path();
    it.entry.timestamp = time();
    it.entry.payload_length = below(100000);
    it.entry.payload_digest[0] = static_cast<std::uint8_t>(below(256));
    it.available = below(it.entry.payload_length + 1);
    it.hash = random_hash();
    return it;
  }
  Fp256 random_hash() {
    ByteArray<32> b{};
    for (auto& x : b) x = static_cast<std::uint8_t>(below(256));
    return Fp256::from_bytes(b);
  }
  D3Range range() {
    D3Range r = D3Range::full();
    if (below(3) != 0) {
      r.subspaces.start = subspace();
      if (below(2) == 0) {
        r.subspaces.end = model::subspace_successor(r.subspaces.start);  // one subspace
      } else if (below(2) == 0) {
        r.subspaces.end = subspace();
      }
    }
    if (below(2) == 0) {
      r.paths.start = path();
      if (below(2) == 0) r.paths.end = path();
      if (below(2) == 0) r.paths.end = r.paths.start.greater_but_not_prefixed();  // a prefix
    }
    if (below(2) == 0) {
      r.times.start = below(1000);
      if (below(2) == 0) r.times.end = r.times.start + below(500);
      // One timestamp: with any paths, still one interval of the time order per subspace.
      if (below(5) == 0) r.times.end = r.times.start + 1;
    }
    return r;
  }

 private:
  std::mt19937_64 rng_;
};

std::vector<IndexItem> scan(const IndexView& v, const D3Range& r) {
  std::vector<IndexItem> out;
  EXPECT_TRUE(v.visit(r, [&](const IndexItem& i) {
    out.push_back(i);
    return true;
  }));
  return out;
}

bool same(const IndexItem& a, const IndexItem& b) {
  return a.entry == b.entry && a.available == b.available && a.hash == b.hash;
}

// Several ranks in one descent (select_pairs), in both orders, against the oracle's one pair at
// a time: random ascending ranks, neighbours among them, and ranks past the range's items.
void expect_same_pairs(const LmdbTree& tree, const testing::VectorIndex& oracle, Gen& g,
                       const D3Range& r, std::uint64_t count) {
  std::vector<std::uint64_t> ranks;
  for (std::uint64_t i = 1 + g.below(3); i <= count + 1; i += 1 + g.below(1 + count / 4)) {
    ranks.push_back(i);
  }
  for (const bool by_time : {false, true}) {
    const auto got = tree.select_pairs(r, ranks, by_time);
    ASSERT_TRUE(got) << got.status().to_string();
    ASSERT_EQ(got->size(), ranks.size());
    for (std::size_t q = 0; q < ranks.size(); ++q) {
      SCOPED_TRACE(ranks[q]);
      const SelectedPair want = by_time ? oracle.select_pair_by_time(r, ranks[q]).value()
                                        : oracle.select_pair(r, ranks[q]).value();
      const SelectedPair& p = (*got)[q];
      ASSERT_EQ(p.at.has_value(), want.at.has_value());
      ASSERT_EQ(p.before.has_value(), want.before.has_value());
      if (!want.at) continue;
      ASSERT_TRUE(same(*p.at, *want.at) && same(*p.before, *want.before));
      ASSERT_EQ(p.below, want.below);
    }
  }
}

void expect_same_answers(const LmdbTree& tree, const testing::VectorIndex& oracle, Gen& g,
                         int queries) {
  for (int q = 0; q < queries; ++q) {
    const D3Range r = g.range();
    SCOPED_TRACE(q);
    const RangeSummary want = oracle.summarise(r).value();
    const auto got = tree.summarise(r);
    ASSERT_TRUE(got) << got.status().to_string();
    ASSERT_EQ(*got, want);
    ASSERT_EQ(tree.holds_any(r).value(), want.count > 0);
    {
      // A key interval (one subspace, all times), as ingest asks below a new entry's path.
      D3Range keys = r;
      keys.subspaces.end = model::subspace_successor(keys.subspaces.start);
      keys.times = model::TimeRange::full();
      if (g.below(2) == 0) keys.paths.end = keys.paths.start.greater_but_not_prefixed();
      ASSERT_EQ(tree.holds_any(keys).value(), oracle.summarise(keys).value().count > 0);
    }
    // Scans, in key order.
    const auto a = scan(tree, r);
    const auto b = scan(oracle, r);
    ASSERT_EQ(a.size(), b.size());
    for (std::size_t i = 0; i < a.size(); ++i) ASSERT_TRUE(same(a[i], b[i])) << i;
    // Resumed after one of them (or after a key the range does not hold).
    if (!b.empty()) {
      const std::size_t from = g.below(b.size());
      const IndexItem& at = g.below(4) == 0 ? g.item(b[from].entry.namespace_id) : b[from];
      std::vector<IndexItem> rest;
      ASSERT_TRUE(tree.visit_after(r, at.entry.subspace_id, at.entry.path, [&](const IndexItem& i) {
        rest.push_back(i);
        return true;
      }));
      std::vector<IndexItem> want_rest;
      ASSERT_TRUE(
          oracle.visit_after(r, at.entry.subspace_id, at.entry.path, [&](const IndexItem& i) {
            want_rest.push_back(i);
            return true;
          }));
      ASSERT_EQ(rest.size(), want_rest.size());
      for (std::size_t i = 0; i < rest.size(); ++i) ASSERT_TRUE(same(rest[i], want_rest[i])) << i;
      std::size_t after = 0;
      for (const IndexItem& i : b) {
        after += testing::VectorIndex::key_less(at, i) ? 1 : 0;
      }
      ASSERT_EQ(rest.size(), after);
    }
    // Selection.
    if (want.count > 0) {
      for (std::uint64_t i : {std::uint64_t{0}, want.count / 2, want.count - 1}) {
        auto x = tree.select(r, i).value();
        ASSERT_TRUE(x.has_value());
        ASSERT_TRUE(same(*x, b[i]));
      }
    }
    ASSERT_FALSE(tree.select(r, want.count).value().has_value());
    // Pairs of neighbours, found in one descent.
    if (want.count > 1) {
      for (std::uint64_t i : {std::uint64_t{1}, want.count / 2, want.count - 1}) {
        if (i == 0) continue;
        const SelectedPair sel = tree.select_pair(r, i).value();
        ASSERT_TRUE(sel.at.has_value() && sel.before.has_value());
        ASSERT_TRUE(same(*sel.before, b[i - 1]));
        ASSERT_TRUE(same(*sel.at, b[i]));
        // What lies below them: the oracle's own (two summaries), and a sum of the items.
        ASSERT_EQ(sel.below, oracle.select_pair(r, i).value().below);
        Fp256 below_fp;
        for (std::uint64_t j = 0; j < i; ++j) below_fp += b[j].hash;
        ASSERT_EQ(sel.below.count, i);
        ASSERT_EQ(sel.below.fingerprint, below_fp.to_bytes());
      }
    }
    {
      const SelectedPair sel = tree.select_pair(r, std::max<std::uint64_t>(want.count, 1)).value();
      ASSERT_FALSE(sel.at.has_value() || sel.before.has_value());
    }
    ASSERT_NO_FATAL_FAILURE(expect_same_pairs(tree, oracle, g, r, want.count));
    // Newest first: the first few, in newer_than order.
    std::vector<IndexItem> na, nb;
    ASSERT_TRUE(tree.visit_newest_first(r, [&](const IndexItem& i) {
      na.push_back(i);
      return na.size() < 20;
    }));
    ASSERT_TRUE(oracle.visit_newest_first(r, [&](const IndexItem& i) {
      nb.push_back(i);
      return nb.size() < 20;
    }));
    ASSERT_EQ(na.size(), nb.size());
    for (std::size_t i = 0; i < na.size(); ++i) {
      ASSERT_TRUE(same(na[i], nb[i])) << i;  // newer_than order, ties by ascending key
    }
    // Splits: disjoint parts inside the range, together holding exactly its items.
    const std::size_t k = 1 + g.below(9);
    auto summarised = split_range_summarised(tree, r, k);
    ASSERT_TRUE(summarised);
    std::vector<D3Range> ranges;
    for (const RangePart& p : *summarised) {
      ranges.push_back(p.range);
      // Each part's summary (differences of what lay below the cuts) is its own.
      ASSERT_EQ(p.summary, oracle.summarise(p.range).value());
    }
    const auto* parts = &ranges;
    // The same parts as splitting the oracle (whose pairs are two selects and two summaries).
    ASSERT_EQ(*parts, split_range(oracle, r, k).value());
    ASSERT_GE(parts->size(), 1u);
    ASSERT_LE(parts->size(), std::max<std::size_t>(k, 1));
    std::uint64_t sum = 0;
    Fp256 fp;
    for (const D3Range& p : *parts) {
      ASSERT_TRUE(r.includes_range(p) || p.is_empty());
      const RangeSummary s = tree.summarise(p).value();
      ASSERT_EQ(s, oracle.summarise(p).value());
      sum += s.count;
      fp += Fp256::from_bytes(s.fingerprint);
    }
    ASSERT_EQ(sum, want.count);
    ASSERT_EQ(fp.to_bytes(), want.fingerprint);
    for (std::size_t i = 0; i < parts->size(); ++i) {
      for (std::size_t j = i + 1; j < parts->size(); ++j) {
        ASSERT_FALSE((*parts)[i].intersection((*parts)[j]).has_value() &&
                     !(*parts)[i].intersection((*parts)[j])->is_empty());
      }
    }
  }
}

void expect_checked(const LmdbTree& tree, const testing::VectorIndex& oracle) {
  auto n = tree.check();
  ASSERT_TRUE(n) << n.status().to_string();
  EXPECT_EQ(*n, oracle.items().size());
  for (const IndexItem& i : oracle.items()) {
    auto got = tree.find(i.entry.subspace_id, i.entry.path).value();
    ASSERT_TRUE(got.has_value());
    ASSERT_TRUE(same(*got, i));
  }
}

// A tree with a write cache in a fresh environment, and the oracle to compare it with (which
// splits as the tree does).
struct CachedTree {
  explicit CachedTree(std::uint64_t seed) : env(dir.path()), g(seed) {
    oracle.set_time_order(true);
  }
  osier::testing::TempDir dir;
  Env env;
  Gen g;
  model::NamespaceId ns{};
  TreeSalt salt{};
  TreeWriteCache cache;
  LmdbTree tree{env.txn(), env.dbi(), ns, salt, &cache};
  testing::VectorIndex oracle;
};

// (seed, with a write cache): with one, nodes are changed decoded in the cache and flushed
// only now and then (as LmdbStore's batches do), and queries read through it before a flush.
class LmdbTreeRandom : public ::testing::TestWithParam<std::tuple<std::uint64_t, bool>> {};

TEST_P(LmdbTreeRandom, AnswersAsBruteForceThroughInsertsErasesAndUpdates) {
  const std::uint64_t seed = std::get<0>(GetParam());
  const bool cached = std::get<1>(GetParam());
  osier::testing::TempDir dir;
  Env env(dir.path());
  Gen g(seed);
  model::NamespaceId ns{};
  ns[0] = 7;
  TreeSalt salt{};
  salt[0] = static_cast<std::uint8_t>(seed);
  TreeWriteCache cache;
  LmdbTree tree(env.txn(), env.dbi(), ns, salt, cached ? &cache : nullptr);
  testing::VectorIndex oracle;
  oracle.set_time_order(true);  // splits as the tree does
  // check() compares the records in LMDB with the nodes it reaches: flush first.
  auto flush_now_and_then = [&](int i) {
    if (cached && i % 700 == 699) {
      ASSERT_TRUE(cache.flush(env.txn(), env.dbi()));
    }
  };
  auto flush = [&] { ASSERT_TRUE(cache.flush(env.txn(), env.dbi())); };

  // Inserts (a key stored already is refused, and changes nothing).
  for (int i = 0; i < 3000; ++i) {
    ASSERT_NO_FATAL_FAILURE(flush_now_and_then(i));
    const IndexItem it = g.item(ns);
    const bool have = oracle.find(it.entry.subspace_id, it.entry.path).value().has_value();
    const Status st = tree.insert(it);
    if (have) {
      ASSERT_FALSE(st);
      ASSERT_EQ(st.code(), ErrorCode::kInvalidArgument);
    } else {
      ASSERT_TRUE(st) << st.to_string();
      oracle.put(it);
    }
  }
  ASSERT_NO_FATAL_FAILURE(expect_same_answers(tree, oracle, g, 150));
  ASSERT_NO_FATAL_FAILURE(flush());
  ASSERT_NO_FATAL_FAILURE(expect_checked(tree, oracle));

  // Updates and erases, of stored keys and of absent ones.
  for (int i = 0; i < 1500; ++i) {
    ASSERT_NO_FATAL_FAILURE(flush_now_and_then(i));
    const auto& items = oracle.items();
    IndexItem target = g.below(5) == 0 || items.empty() ? g.item(ns) : items[g.below(items.size())];
    const bool have = oracle.find(target.entry.subspace_id, target.entry.path).value().has_value();
    if (g.below(2) == 0) {
      target.available = g.below(target.entry.payload_length + 1);
      target.hash = g.random_hash();
      auto done = tree.update_available(target.entry.subspace_id, target.entry.path,
                                        target.available, target.hash);
      ASSERT_TRUE(done);
      ASSERT_EQ(*done, have);
      if (have) {
        IndexItem stored = oracle.find(target.entry.subspace_id, target.entry.path).value().value();
        stored.available = target.available;
        stored.hash = target.hash;
        oracle.put(stored);
      }
    } else {
      auto gone = tree.erase(target.entry.subspace_id, target.entry.path);
      ASSERT_TRUE(gone) << gone.status().to_string();
      ASSERT_EQ(gone->has_value(), have);
      if (have) {
        ASSERT_TRUE(
            same(**gone, oracle.find(target.entry.subspace_id, target.entry.path).value().value()));
        oracle.erase(target.entry.subspace_id, target.entry.path);
      }
    }
  }
  ASSERT_NO_FATAL_FAILURE(expect_same_answers(tree, oracle, g, 150));
  ASSERT_NO_FATAL_FAILURE(flush());
  ASSERT_NO_FATAL_FAILURE(expect_checked(tree, oracle));

  // Erasing everything leaves no node behind.
  const std::vector<IndexItem> all = oracle.items();
  for (const IndexItem& it : all) {
    auto gone = tree.erase(it.entry.subspace_id, it.entry.path);
    ASSERT_TRUE(gone && gone->has_value());
  }
  EXPECT_EQ(tree.total().value().count, 0u);
  ASSERT_NO_FATAL_FAILURE(flush());
  EXPECT_EQ(env.records(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Seeds, LmdbTreeRandom,
                         ::testing::Combine(::testing::Values(1, 2, 3), ::testing::Bool()));

// A read cache points into a read-only transaction's map (a snapshot's), so a tree that has
// one refuses every write and changes nothing.
TEST(LmdbTree, ATreeWithAReadCacheRefusesWrites) {
  osier::testing::TempDir dir;
  Env env(dir.path());
  Gen g(3);
  model::NamespaceId ns{};
  TreeSalt salt{};
  TreeReadCache nodes;
  LmdbTree tree(env.txn(), env.dbi(), ns, salt, nullptr, &nodes);
  const IndexItem it = g.item(ns);
  EXPECT_EQ(tree.insert(it).code(), ErrorCode::kInternal);
  EXPECT_EQ(tree.erase(it.entry.subspace_id, it.entry.path).status().code(), ErrorCode::kInternal);
  EXPECT_EQ(tree.update_available(it.entry.subspace_id, it.entry.path, 0, it.hash).status().code(),
            ErrorCode::kInternal);
  EXPECT_EQ(tree.build_time_order().code(), ErrorCode::kInternal);
  EXPECT_EQ(LmdbTree(env.txn(), env.dbi(), ns, salt).total().value().count, 0u);
}

// Time restrictions at the edges: items at a few timestamps (the extremes included), ranges
// whose bounds equal item timestamps exactly, empty and open-ended, over subtrees whose time
// spans they contain, cut or miss.
TEST(LmdbTree, TimeBoundsEqualToItemTimes) {
  osier::testing::TempDir dir;
  Env env(dir.path());
  Gen g(11);
  model::NamespaceId ns{};
  TreeSalt salt{};
  LmdbTree tree(env.txn(), env.dbi(), ns, salt);
  testing::VectorIndex oracle;
  const model::Timestamp kMax = ~model::Timestamp{0};
  const std::vector<model::Timestamp> times = {0, 1, 5, 9, kMax - 1, kMax};
  for (int i = 0; i < 1500; ++i) {
    IndexItem it = g.item(ns);
    // Runs of equal times (whole subtrees of one timestamp) and mixed stretches.
    it.entry.timestamp = i % 600 < 300 ? times[static_cast<std::size_t>(i / 100) % times.size()]
                                       : times[g.below(times.size())];
    if (oracle.find(it.entry.subspace_id, it.entry.path).value()) continue;
    ASSERT_TRUE(tree.insert(it));
    oracle.put(it);
  }
  ASSERT_NO_FATAL_FAILURE(expect_checked(tree, oracle));
  std::vector<std::optional<model::Timestamp>> ends(times.begin(), times.end());
  ends.push_back(std::nullopt);
  for (int spatial = 0; spatial < 3; ++spatial) {
    for (model::Timestamp start : times) {
      for (const auto& end : ends) {
        D3Range r = spatial == 0 ? D3Range::full() : g.range();
        r.times = model::TimeRange{start, end};
        SCOPED_TRACE(start);
        const RangeSummary want = oracle.summarise(r).value();
        ASSERT_EQ(tree.summarise(r).value(), want);
        const auto a = scan(tree, r);
        ASSERT_EQ(a.size(), want.count);
        if (want.count > 0) {
          auto x = tree.select(r, want.count - 1).value();
          ASSERT_TRUE(x && same(*x, scan(oracle, r).back()));
        }
        ASSERT_FALSE(tree.select(r, want.count).value().has_value());
      }
    }
  }
}

// Ranges of all paths are cut by time, and their parts keep all paths (so the time order answers
// them too); where the items at the split point share a timestamp, the cut falls beside it, and
// a range whose items all share one timestamp is cut by path within it, with the times on either
// side as parts without items when k leaves room for them.
TEST(LmdbTree, SplitsRangesOfAllPathsByTime) {
  osier::testing::TempDir dir;
  Env env(dir.path());
  Gen g(5);
  model::NamespaceId ns{};
  TreeSalt salt{};
  LmdbTree tree(env.txn(), env.dbi(), ns, salt);
  testing::VectorIndex oracle;
  oracle.set_time_order(true);
  SubspaceId s{};
  s.fill(0x40);
  for (int i = 0; i < 400; ++i) {
    IndexItem it = g.item(ns);
    it.entry.subspace_id = s;
    it.entry.path = Path::from_strings({"p", std::to_string(i * 7919 % 400)}).value();
    it.entry.timestamp = i < 200 ? 500 : 1000 + g.below(100);  // half of them at 500
    ASSERT_TRUE(tree.insert(it));
    oracle.put(it);
  }
  auto expect_partition = [&](const D3Range& r, const std::vector<RangePart>& parts,
                              std::size_t k) {
    ASSERT_GE(parts.size(), 1u);
    ASSERT_LE(parts.size(), k);
    std::uint64_t count = 0;
    for (const RangePart& p : parts) {
      ASSERT_EQ(p.summary, oracle.summarise(p.range).value());
      ASSERT_TRUE(r.includes_range(p.range));
      count += p.summary.count;
    }
    ASSERT_EQ(count, oracle.summarise(r).value().count);
    ASSERT_EQ(parts, split_range_summarised(oracle, r, k).value());
  };
  const D3Range all = D3Range::full();
  const auto parts = split_range_summarised(tree, all, 2).value();
  ASSERT_NO_FATAL_FAILURE(expect_partition(all, parts, 2));
  ASSERT_EQ(parts.size(), 2u);
  for (const RangePart& p : parts) {
    EXPECT_EQ(p.range.paths, model::PathRange::full());  // cut by time only
    EXPECT_EQ(p.summary.count, 200u);                    // between 500 and the rest
  }
  // Only the items at 500: cut by path within that timestamp.
  D3Range around = D3Range::full();
  around.times = model::TimeRange{400, 900};
  for (std::size_t k : {2, 3, 4, 8}) {
    SCOPED_TRACE(k);
    const auto cut = split_range_summarised(tree, around, k).value();
    ASSERT_NO_FATAL_FAILURE(expect_partition(around, cut, k));
    if (k >= 4) {
      // [400, 500) and [501, 900) hold nothing; the rest is 500 alone, cut by path.
      EXPECT_EQ(cut.front().summary.count, 0u);
      EXPECT_EQ(cut.back().summary.count, 0u);
      EXPECT_EQ(cut[1].range.times, (model::TimeRange{500, 501}));
    } else {
      for (const RangePart& p : cut) EXPECT_EQ(p.range.times, around.times);  // by path
    }
  }
}

// A range of one subspace cut in k > 2 parts: the tree finds every cut in one search
// (select_pairs), the oracle one cut after the other; the same parts, in the path order and in
// the time order.
TEST(LmdbTree, SplitsInOneSubspaceAreThoseOfHalving) {
  osier::testing::TempDir dir;
  Env env(dir.path());
  Gen g(11);
  model::NamespaceId ns{};
  TreeSalt salt{};
  salt.fill(3);
  LmdbTree tree(env.txn(), env.dbi(), ns, salt);
  testing::VectorIndex oracle;
  oracle.set_time_order(true);
  for (int i = 0; i < 2000; ++i) {
    IndexItem it = g.item(ns);
    it.entry.subspace_id.fill(0x40);
    it.entry.subspace_id.back() = static_cast<std::uint8_t>(i % 3);
    it.entry.path = Path::from_strings({"p", std::to_string(i * 7919 % 2000)}).value();
    // Mostly distinct; every fifth item may share its timestamp with another, so that some time
    // cuts fall between two items of one timestamp (halving cuts those otherwise: the one
    // search is not used there).
    const auto x = static_cast<model::Timestamp>(i * 104729 % 2000);
    it.entry.timestamp = 10 + 3 * (i % 5 == 0 ? x / 2 : x);
    ASSERT_TRUE(tree.insert(it));
    oracle.put(it);
  }
  for (int q = 0; q < 60; ++q) {
    SCOPED_TRACE(q);
    D3Range r = D3Range::full();
    r.subspaces.start.fill(0x40);
    r.subspaces.start.back() = static_cast<std::uint8_t>(g.below(3));
    r.subspaces.end = model::subspace_successor(r.subspaces.start);
    if (q % 3 != 0) {  // else all paths: cut by time
      const std::uint64_t p0 = g.below(2000), p1 = p0 + 1 + g.below(2000);
      r.paths = {Path::from_strings({"p", std::to_string(p0)}).value(),
                 Path::from_strings({"p", std::to_string(p1)}).value()};
      if (*r.paths.end <= r.paths.start) r.paths.end.reset();
    }
    if (q % 2 == 0) {
      const model::Timestamp t0 = g.below(6000);
      r.times = {t0, t0 + 1 + g.below(6000)};
    }
    for (std::size_t k = 3; k <= 12; ++k) {
      SCOPED_TRACE(k);
      const auto parts = split_range_summarised(tree, r, k);
      ASSERT_TRUE(parts) << parts.status().to_string();
      ASSERT_EQ(*parts, split_range_summarised(oracle, r, k).value());
      ASSERT_LE(parts->size(), k);
    }
  }
}

// Newest first within one subspace reads the time order backwards, a timestamp at a time; a
// timestamp shared by more items than it sorts at once hands over to the best-first search of
// the path order, which goes on after the items given so far.
TEST(LmdbTree, NewestFirstInOneSubspaceThroughALargeTimestamp) {
  CachedTree t(31);
  SubspaceId s{};
  s.fill(0x40);
  const std::size_t crowd = LmdbTree::kSortedVisitMax + 100;
  for (std::size_t i = 0; i < crowd + 300; ++i) {
    IndexItem it = t.g.item(t.ns);
    it.entry.subspace_id = i % 7 == 0 && i >= 150 + crowd ? SubspaceId{} : s;  // a few elsewhere
    it.entry.path = Path::from_strings({"n", std::to_string(i * 7919 % 10007)}).value();
    // Newer ones, then a crowd at one timestamp, then older ones.
    it.entry.timestamp = i < 150 ? 1000 + i : (i < 150 + crowd ? 500 : t.g.below(500));
    ASSERT_TRUE(t.tree.insert(it));
    t.oracle.put(it);
  }
  D3Range r = D3Range::full();
  r.subspaces = {s, model::subspace_successor(s)};
  D3Range at_crowd = r;
  at_crowd.times = model::TimeRange{500, 501};
  ASSERT_GT(t.oracle.summarise(at_crowd).value().count, LmdbTree::kSortedVisitMax);
  for (std::size_t stop_after :
       {std::size_t{10}, std::size_t{150}, std::size_t{2000}, std::size_t{100000}}) {
    SCOPED_TRACE(stop_after);
    std::vector<IndexItem> a, b;
    ASSERT_TRUE(t.tree.visit_newest_first(r, [&](const IndexItem& i) {
      a.push_back(i);
      return a.size() < stop_after;
    }));
    ASSERT_TRUE(t.oracle.visit_newest_first(r, [&](const IndexItem& i) {
      b.push_back(i);
      return b.size() < stop_after;
    }));
    ASSERT_EQ(a.size(), b.size());
    for (std::size_t i = 0; i < a.size(); ++i) ASSERT_TRUE(same(a[i], b[i])) << i;
  }
}

// The shape is a function of the set of keys: inserting in any order gives the same records.
TEST(LmdbTree, ShapeDoesNotDependOnInsertionOrder) {
  Gen g(9);
  model::NamespaceId ns{};
  TreeSalt salt{};
  std::vector<IndexItem> items;
  std::set<std::pair<SubspaceId, Path>> keys;
  while (items.size() < 800) {
    IndexItem it = g.item(ns);
    if (keys.insert({it.entry.subspace_id, it.entry.path}).second) items.push_back(it);
  }
  auto dump = [&](const std::vector<IndexItem>& order) {
    osier::testing::TempDir dir;
    Env env(dir.path());
    LmdbTree tree(env.txn(), env.dbi(), ns, salt);
    for (const IndexItem& it : order) EXPECT_TRUE(tree.insert(it));
    std::vector<std::pair<Bytes, Bytes>> out;
    MDB_cursor* c = nullptr;
    EXPECT_EQ(mdb_cursor_open(env.txn(), env.dbi(), &c), 0);
    MDB_val k{}, v{};
    while (mdb_cursor_get(c, &k, &v, MDB_NEXT) == 0) {
      const auto* kp = static_cast<const std::uint8_t*>(k.mv_data);
      const auto* vp = static_cast<const std::uint8_t*>(v.mv_data);
      out.emplace_back(Bytes(kp, kp + k.mv_size), Bytes(vp, vp + v.mv_size));
    }
    mdb_cursor_close(c);
    return out;
  };
  const auto first = dump(items);
  std::reverse(items.begin(), items.end());
  EXPECT_EQ(dump(items), first);
  EXPECT_GT(first.size(), 20u);  // several levels of nodes
}

// Edge timestamps (0, 1, 2^64 - 2, 2^64 - 1 and a few small ones, so many items share one): every
// query of the time order and every split against the oracle, before and after erases and
// updates. (From an independent review of the time order.)
namespace edges {

constexpr model::Timestamp kMaxT = ~model::Timestamp{0};

model::Timestamp edge_time(Gen& g) {
  static const model::Timestamp ts[] = {0, 1, 2, 3, kMaxT - 1, kMaxT};
  return g.below(3) == 0 ? g.below(6) : ts[g.below(6)];
}

D3Range edge_range(Gen& g) {
  D3Range r = g.range();
  switch (g.below(6)) {
    case 0:
      r.times = model::TimeRange::full();
      break;
    case 1: {
      const model::Timestamp s = edge_time(g);
      r.times = model::TimeRange{s, s == kMaxT ? std::nullopt : std::optional(s + 1)};
      break;
    }
    case 2:
      r.times = model::TimeRange{edge_time(g), std::nullopt};
      break;
    case 3: {
      const model::Timestamp s = edge_time(g);
      model::Timestamp e = edge_time(g);
      r.times = model::TimeRange{s, e};
      break;
    }
    default:
      break;
  }
  return r;
}

void check_range(const LmdbTree& tree, const testing::VectorIndex& oracle, Gen& g,
                 const D3Range& r) {
  const RangeSummary want = oracle.summarise(r).value();
  ASSERT_EQ(tree.summarise(r).value(), want);
  const auto a = scan(tree, r);
  const auto b = scan(oracle, r);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) ASSERT_TRUE(same(a[i], b[i])) << i;
  for (std::uint64_t i = 0; i < b.size(); i += 1 + b.size() / 7) {
    auto x = tree.select(r, i).value();
    ASSERT_TRUE(x && same(*x, b[i]));
    if (i > 0) {
      const SelectedPair p = tree.select_pair(r, i).value();
      ASSERT_TRUE(p.at && same(*p.at, b[i]) && same(*p.before, b[i - 1]));
      ASSERT_EQ(p.below, oracle.select_pair(r, i).value().below);
      const SelectedPair q = tree.select_pair_by_time(r, i).value();
      const SelectedPair w = oracle.select_pair_by_time(r, i).value();
      ASSERT_TRUE(q.at && w.at && same(*q.at, *w.at) && same(*q.before, *w.before));
      ASSERT_EQ(q.below, w.below);
    }
  }
  ASSERT_NO_FATAL_FAILURE(expect_same_pairs(tree, oracle, g, r, b.size()));
  ASSERT_FALSE(tree.select(r, b.size()).value().has_value());
  // Resumed scans after each of a few keys.
  for (int t = 0; t < 3 && !b.empty(); ++t) {
    const IndexItem at = g.below(3) == 0 ? g.item(b[0].entry.namespace_id) : b[g.below(b.size())];
    std::vector<IndexItem> rest, want_rest;
    ASSERT_TRUE(tree.visit_after(r, at.entry.subspace_id, at.entry.path, [&](const IndexItem& i) {
      rest.push_back(i);
      return true;
    }));
    for (const IndexItem& i : b) {
      if (testing::VectorIndex::key_less(at, i)) want_rest.push_back(i);
    }
    ASSERT_EQ(rest.size(), want_rest.size());
    for (std::size_t i = 0; i < rest.size(); ++i) ASSERT_TRUE(same(rest[i], want_rest[i])) << i;
  }
  // Splits: a partition of the range, at most k parts, summaries right.
  for (std::size_t k :
       {std::size_t{2}, std::size_t{3}, std::size_t{4}, std::size_t{1 + g.below(12)}}) {
    SCOPED_TRACE(k);
    auto parts = split_range_summarised(tree, r, k);
    ASSERT_TRUE(parts) << parts.status().to_string();
    ASSERT_GE(parts->size(), 1u);
    ASSERT_LE(parts->size(), k);
    std::uint64_t count = 0;
    for (const RangePart& p : *parts) {
      ASSERT_EQ(p.summary, oracle.summarise(p.range).value());
      ASSERT_TRUE(r.includes_range(p.range) || p.range.is_empty());
      count += p.summary.count;
    }
    ASSERT_EQ(count, want.count);
    for (std::size_t i = 0; i < parts->size(); ++i)
      for (std::size_t j = i + 1; j < parts->size(); ++j) {
        auto x = (*parts)[i].range.intersection((*parts)[j].range);
        ASSERT_FALSE(x && !x->is_empty()) << i << " " << j;
      }
    // Coverage: every item of the range in exactly one part (also items not stored: probes).
    for (int probe = 0; probe < 50; ++probe) {
      IndexItem it = g.item(model::NamespaceId{});
      it.entry.timestamp = edge_time(g);
      if (!r.includes(it.entry)) continue;
      int in = 0;
      for (const RangePart& p : *parts) in += p.range.includes(it.entry) ? 1 : 0;
      ASSERT_EQ(in, 1);
    }
  }
}

}  // namespace edges

class LmdbTreeEdges : public ::testing::TestWithParam<std::tuple<std::uint64_t, bool>> {};

TEST_P(LmdbTreeEdges, EdgeTimesAgainstOracle) {
  const std::uint64_t seed = std::get<0>(GetParam());
  const bool cached = std::get<1>(GetParam());
  osier::testing::TempDir dir;
  Env env(dir.path());
  Gen g(seed);
  model::NamespaceId ns{};
  TreeSalt salt{};
  salt[1] = static_cast<std::uint8_t>(seed);
  TreeWriteCache cache;
  LmdbTree tree(env.txn(), env.dbi(), ns, salt, cached ? &cache : nullptr);
  testing::VectorIndex oracle;
  oracle.set_time_order(true);
  for (int i = 0; i < 1500; ++i) {
    IndexItem it = g.item(ns);
    it.entry.timestamp = edges::edge_time(g);
    const bool have = oracle.find(it.entry.subspace_id, it.entry.path).value().has_value();
    const Status st = tree.insert(it);
    if (have) {
      ASSERT_FALSE(st);
    } else {
      ASSERT_TRUE(st) << st.to_string();
      oracle.put(it);
    }
  }
  for (int q = 0; q < 300; ++q) {
    SCOPED_TRACE(q);
    ASSERT_NO_FATAL_FAILURE(edges::check_range(tree, oracle, g, edges::edge_range(g)));
  }
  for (int i = 0; i < 600; ++i) {
    const auto& items = oracle.items();
    IndexItem target = items[g.below(items.size())];
    if (g.below(2) == 0) {
      auto done =
          tree.update_available(target.entry.subspace_id, target.entry.path, 1, g.random_hash());
      ASSERT_TRUE(done && *done);
      target.available = 1;
      // re-read from tree to keep the oracle in step
      target = tree.find(target.entry.subspace_id, target.entry.path).value().value();
      oracle.put(target);
    } else {
      auto gone = tree.erase(target.entry.subspace_id, target.entry.path);
      ASSERT_TRUE(gone && gone->has_value());
      oracle.erase(target.entry.subspace_id, target.entry.path);
    }
  }
  if (cached) {
    ASSERT_TRUE(cache.flush(env.txn(), env.dbi()));
  }
  ASSERT_NO_FATAL_FAILURE(expect_checked(tree, oracle));
  for (int q = 0; q < 300; ++q) {
    SCOPED_TRACE(q);
    ASSERT_NO_FATAL_FAILURE(edges::check_range(tree, oracle, g, edges::edge_range(g)));
  }
}

// build_time_order() reading the path order in batches: more than a batch in one subspace, a
// batch ending exactly at a subspace's last item, the greatest subspace.
void drop_time_order(const Env& env) {
  MDB_cursor* c = nullptr;
  ASSERT_EQ(mdb_cursor_open(env.txn(), env.dbi(), &c), 0);
  MDB_val k{}, v{};
  int rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
  while (rc == 0) {
    if (k.mv_size > 32 && (static_cast<const std::uint8_t*>(k.mv_data)[32] & 0x80) != 0) {
      ASSERT_EQ(mdb_cursor_del(c, 0), 0);
      rc = mdb_cursor_get(c, &k, &v, MDB_GET_CURRENT);
      if (rc == MDB_NOTFOUND) rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
      continue;
    }
    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
  }
  mdb_cursor_close(c);
}

// A store whose time order lost items (damage, or a bug) is corrupt, not silently divergent:
// erasing or updating an item the time order lacks says so, and check() finds it.
TEST(LmdbTree, OrdersThatDisagreeAreCorrupt) {
  osier::testing::TempDir dir;
  Env env(dir.path());
  Gen g(13);
  model::NamespaceId ns{};
  TreeSalt salt{};
  LmdbTree tree(env.txn(), env.dbi(), ns, salt);
  std::vector<IndexItem> items;
  for (int i = 0; i < 200; ++i) {
    IndexItem it = g.item(ns);
    it.entry.path = Path::from_strings({"d", std::to_string(i)}).value();
    ASSERT_TRUE(tree.insert(it));
    items.push_back(it);
  }
  ASSERT_NO_FATAL_FAILURE(drop_time_order(env));
  const auto checked = tree.check();
  ASSERT_FALSE(checked);
  EXPECT_EQ(checked.status().code(), ErrorCode::kCorrupt);
  const auto updated =
      tree.update_available(items[0].entry.subspace_id, items[0].entry.path, 0, g.random_hash());
  ASSERT_FALSE(updated);
  EXPECT_EQ(updated.status().code(), ErrorCode::kCorrupt);
  const auto erased = tree.erase(items[1].entry.subspace_id, items[1].entry.path);
  ASSERT_FALSE(erased);
  EXPECT_EQ(erased.status().code(), ErrorCode::kCorrupt);
}

class LmdbTreeBuild : public ::testing::TestWithParam<int> {};

TEST_P(LmdbTreeBuild, BuildsTheTimeOrderInBatches) {
  osier::testing::TempDir dir;
  Env env(dir.path());
  Gen g(77);
  model::NamespaceId ns{};
  TreeSalt salt{};
  LmdbTree tree(env.txn(), env.dbi(), ns, salt);
  testing::VectorIndex oracle;
  auto add = [&](const SubspaceId& s, int n) {
    for (int i = 0; i < n; ++i) {
      IndexItem it = g.item(ns);
      it.entry.subspace_id = s;
      it.entry.path = Path::from_strings({"q", std::to_string(i)}).value();
      ASSERT_TRUE(tree.insert(it));
      oracle.put(it);
    }
  };
  SubspaceId a{}, b{}, c{};
  b.fill(0x40);
  c.fill(0xff);
  const int batch = static_cast<int>(LmdbTree::kBuildBatch);
  switch (GetParam()) {
    case 0:
      add(a, 2 * batch + 5);
      break;
    case 1:
      add(a, batch);
      add(b, 10);
      break;
    case 2:
      add(a, batch - 1);
      add(b, 1);
      add(c, batch + 3);
      break;
    case 3:
      add(c, 2 * batch);
      break;
    case 4:
      add(b, 3 * batch + 1);
      break;
    case 5:
      add(a, 1);
      add(c, batch);
      break;
  }
  ASSERT_TRUE(tree.check());
  ASSERT_NO_FATAL_FAILURE(drop_time_order(env));
  ASSERT_FALSE(tree.check());
  TreeWriteCache cache;
  LmdbTree cached(env.txn(), env.dbi(), ns, salt, &cache);
  const Status st = GetParam() % 2 ? cached.build_time_order() : tree.build_time_order();
  ASSERT_TRUE(st) << st.to_string();
  ASSERT_TRUE(cache.flush(env.txn(), env.dbi()));
  auto n = tree.check();
  ASSERT_TRUE(n) << n.status().to_string();
  EXPECT_EQ(*n, oracle.items().size());
}

// Ranges of the time order larger than LmdbTree::kSortedVisitMax are scanned in the path order.
TEST(LmdbTree, LargeByTimeRangesAgainstOracle) {
  CachedTree t(99);
  Gen& g = t.g;
  LmdbTree& tree = t.tree;
  testing::VectorIndex& oracle = t.oracle;
  const model::NamespaceId& ns = t.ns;
  for (int i = 0; i < 12000; ++i) {
    IndexItem it = g.item(ns);
    it.entry.path = Path::from_strings({std::to_string(g.below(3)), std::to_string(i)}).value();
    it.entry.timestamp = edges::edge_time(g);
    if (oracle.find(it.entry.subspace_id, it.entry.path).value()) continue;
    ASSERT_TRUE(tree.insert(it));
    oracle.put(it);
  }
  // Under a sanitizer, a third of the ranges (the tree is as large: past kSortedVisitMax).
  for (int q = 0; q < 40; q += osier::testing::kUnderSanitizer ? 3 : 1) {
    SCOPED_TRACE(q);
    D3Range r = edges::edge_range(g);
    if (q % 2 == 0) {
      r.paths = model::PathRange::full();
    }
    ASSERT_NO_FATAL_FAILURE(edges::check_range(tree, oracle, g, r));
  }
  for (auto times : {model::TimeRange{0, 3}, model::TimeRange{1, std::nullopt},
                     model::TimeRange{0, 1}, model::TimeRange{edges::kMaxT - 1, std::nullopt},
                     model::TimeRange{edges::kMaxT, std::nullopt}}) {
    D3Range r = D3Range::full();
    r.times = times;
    ASSERT_NO_FATAL_FAILURE(edges::check_range(tree, oracle, g, r));
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, LmdbTreeBuild, ::testing::Values(0, 1, 2, 3, 4, 5));

INSTANTIATE_TEST_SUITE_P(Seeds, LmdbTreeEdges,
                         ::testing::Combine(::testing::Range<std::uint64_t>(21, 27),
                                            ::testing::Bool()));

}  // namespace
}  // namespace osier::store
