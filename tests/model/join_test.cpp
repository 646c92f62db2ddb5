#include "model/join.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "model_random.hpp"

namespace osier::model {
namespace {

using testing::path_of;

Entry entry_at(std::initializer_list<std::string_view> path, Timestamp t, std::uint8_t digest) {
  Entry e;
  e.path = path_of(path);
  e.timestamp = t;
  e.payload_digest.back() = digest;
  return e;
}

bool contains(const std::vector<Entry>& v, const Entry& e) {
  return std::find(v.begin(), v.end(), e) != v.end();
}

TEST(JoinTest, NewerPrefixPrunesOlderExtension) {
  const Entry song = entry_at({"ideas", "song"}, 120, 0);
  const Entry ideas = entry_at({"ideas"}, 130, 0);
  EXPECT_EQ(join(std::vector<Entry>{song, ideas}), std::vector<Entry>{ideas});
  // An older entry at a prefix coexists with newer entries below it.
  const Entry old_ideas = entry_at({"ideas"}, 110, 0);
  EXPECT_EQ(join(std::vector<Entry>{song, old_ideas}).size(), 2u);
}

// SPEC-NOTES: the four-step procedure keeps /a/b here (no strictly smaller timestamp, different
// paths), but the store definition says the equal-timestamp, greater-digest /a prunes it.
TEST(JoinTest, EqualTimestampGreaterDigestAtPrefixPrunes) {
  const Entry a = entry_at({"a"}, 5, 2);
  const Entry ab = entry_at({"a", "b"}, 5, 1);
  EXPECT_EQ(join(std::vector<Entry>{ab, a}), std::vector<Entry>{a});
  const Entry ab_greater = entry_at({"a", "b"}, 5, 3);
  EXPECT_EQ(join(std::vector<Entry>{ab_greater, a}).size(), 2u);
}

TEST(JoinTest, DuplicatesCollapse) {
  const Entry a = entry_at({"a"}, 5, 2);
  EXPECT_EQ(join(std::vector<Entry>{a, a, a}), std::vector<Entry>{a});
  EXPECT_FALSE(is_store(std::vector<Entry>{a, a}));
}

TEST(JoinTest, IsStore) {
  const Entry a = entry_at({"a"}, 5, 2);
  const Entry ab = entry_at({"a", "b"}, 5, 1);
  EXPECT_TRUE(is_store(std::vector<Entry>{}));
  EXPECT_TRUE(is_store(std::vector<Entry>{ab}));
  EXPECT_FALSE(is_store(std::vector<Entry>{a, ab}));
  Entry other_ns = ab;
  other_ns.namespace_id.fill(1);
  EXPECT_FALSE(is_store(std::vector<Entry>{a, other_ns}));  // one namespace per store
  Entry other_subspace = ab;
  other_subspace.subspace_id.fill(1);
  EXPECT_TRUE(is_store(std::vector<Entry>{a, other_subspace}));
}

class JoinPropertyTest : public ::testing::TestWithParam<int> {};

TEST_P(JoinPropertyTest, RandomEntrySets) {
  testing::ModelRandom rnd(static_cast<std::uint64_t>(GetParam()));
  std::vector<Entry> input;
  const std::size_t n = rnd.below(40);
  for (std::size_t i = 0; i < n; ++i) {
    input.push_back(rnd.entry());
    if (!input.empty() && rnd.below(8) == 0) input.push_back(input[rnd.below(input.size())]);
  }
  const std::vector<Entry> result = join(input);

  EXPECT_TRUE(is_store(result));
  EXPECT_TRUE(std::is_sorted(result.begin(), result.end(), canonical_less));
  for (const Entry& e : result) EXPECT_TRUE(contains(input, e));
  // Every input entry is kept or pruned by a kept one.
  for (const Entry& e : input) {
    const bool pruned =
        std::any_of(result.begin(), result.end(), [&](const Entry& k) { return prunes(k, e); });
    EXPECT_TRUE(contains(result, e) != pruned);
  }
  // Order independence.
  std::vector<Entry> shuffled = input;
  std::shuffle(shuffled.begin(), shuffled.end(), rnd.engine());
  EXPECT_EQ(join(shuffled), result);
  // Grouping independence: joining stores built from any split gives the same store.
  const std::size_t cut1 = rnd.below(shuffled.size() + 1);
  const std::size_t cut2 = cut1 + rnd.below(shuffled.size() - cut1 + 1);
  const std::span<const Entry> all(shuffled);
  const std::vector<Entry> a = join(all.subspan(0, cut1));
  const std::vector<Entry> b = join(all.subspan(cut1, cut2 - cut1));
  const std::vector<Entry> c = join(all.subspan(cut2));
  EXPECT_EQ(join(join(a, b), c), result);
  EXPECT_EQ(join(a, join(b, c)), result);
  // Joining one entry at a time (ingestion) gives the same store; idempotent.
  std::vector<Entry> store;
  for (const Entry& e : shuffled) store = join(store, std::vector<Entry>{e});
  EXPECT_EQ(store, result);
  EXPECT_EQ(join(result, result), result);
}

INSTANTIATE_TEST_SUITE_P(Seeds, JoinPropertyTest, ::testing::Range(0, 200));

}  // namespace
}  // namespace osier::model
