// MemoryStore and LmdbStore given the same input agree on everything sync sees: fingerprints,
// counts, sizes, splits and query results.
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
      const std::size_t k = 1 + rnd.below(6);
      EXPECT_EQ(mem.split(ns, r, k).value(), disk->split(ns, r, k).value());
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
