// MemoryStore and LmdbStore given the same input agree on everything sync sees: fingerprints,
// counts, sizes, query results, and splits into parts that partition the range in both.
#include <gtest/gtest.h>

#include "store/lmdb_store.hpp"
#include "store/memory_store.hpp"
#include "store/store_factories.hpp"
#include "store/store_random.hpp"

namespace osier::store {
namespace {

TEST(StoreCross, MemoryAndLmdbAgree) {
  testing::TempDir dir;
  LmdbStoreOptions o;
  o.authoriser = testing::test_authoriser();
  o.sync_commits = false;
  auto disk = LmdbStore::open(dir.path(), o).value();
  MemoryStore mem(testing::test_authoriser());
  testing::StoreRandom rnd(2024);
  for (int round = 0; round < 5; ++round) {
    std::vector<AuthorisedEntry> batch;
    for (int i = 0; i < 200; ++i) batch.push_back(rnd.authorised(rnd.namespace_id()));
    auto a = mem.ingest_batch(batch, Trust::kAlreadyVerified);
    auto b = disk->ingest_batch(batch, Trust::kAlreadyVerified);
    ASSERT_TRUE(a && b);
    for (std::size_t i = 0; i < batch.size(); ++i) {
      EXPECT_EQ((*a)[i].outcome, (*b)[i].outcome);
      EXPECT_EQ((*a)[i].pruned, (*b)[i].pruned);
    }
    for (int q = 0; q < 100; ++q) {
      const auto ns = rnd.namespace_id();
      const auto r = rnd.d3_range();
      EXPECT_EQ(mem.summarise(ns, r).value(), disk->summarise(ns, r).value());
      // Splits may differ (LmdbStore cuts ranges of all paths by time, MemoryStore by path),
      // but each store's parts are parts of the other's entries too: together exactly the
      // range's, and as many of each in both stores.
      const std::size_t k = 1 + rnd.below(6);
      const RangeSummary whole = mem.summarise(ns, r).value();
      for (Store* s : {static_cast<Store*>(&mem), static_cast<Store*>(disk.get())}) {
        const auto parts = s->split(ns, r, k).value();
        ASSERT_GE(parts.size(), 1u);
        ASSERT_LE(parts.size(), k);
        std::uint64_t count = 0;
        Fp256 fp;
        for (std::size_t i = 0; i < parts.size(); ++i) {
          EXPECT_TRUE(r.includes_range(parts[i]) || parts[i].is_empty());
          const RangeSummary a = mem.summarise(ns, parts[i]).value();
          EXPECT_EQ(a, disk->summarise(ns, parts[i]).value());
          count += a.count;
          fp += Fp256::from_bytes(a.fingerprint);
          for (std::size_t j = i + 1; j < parts.size(); ++j) {
            const auto both = parts[i].intersection(parts[j]);
            EXPECT_TRUE(!both || both->is_empty());
          }
        }
        EXPECT_EQ(count, whole.count);
        EXPECT_EQ(fp.to_bytes(), whole.fingerprint);
      }
      std::vector<LengthyAuthorisedEntry> x, y;
      const QueryOptions opts{rnd.coin() ? QueryOrder::kNewestFirst : QueryOrder::kSubspacePathTime,
                              rnd.below(20)};
      ASSERT_TRUE(mem.query(ns, r, opts, [&](const LengthyAuthorisedEntry& e) {
        x.push_back(e);
        return true;
      }));
      ASSERT_TRUE(disk->query(ns, r, opts, [&](const LengthyAuthorisedEntry& e) {
        y.push_back(e);
        return true;
      }));
      EXPECT_EQ(x, y);
    }
  }
  EXPECT_EQ(mem.namespaces().value(), disk->namespaces().value());
  EXPECT_EQ(mem.last_sequence().value(), disk->last_sequence().value());
}

}  // namespace
}  // namespace osier::store
