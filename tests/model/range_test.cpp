#include "osier/model/range.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "model_random.hpp"

namespace osier::model {
namespace {

TEST(RangeTest, ClosedAndOpen) {
  const TimeRange closed{3, 7};
  EXPECT_FALSE(closed.includes(2));
  EXPECT_TRUE(closed.includes(3));
  EXPECT_TRUE(closed.includes(6));
  EXPECT_FALSE(closed.includes(7));
  const TimeRange open{3, std::nullopt};
  EXPECT_TRUE(open.includes(~Timestamp{0}));
  EXPECT_FALSE(open.includes(2));
  EXPECT_TRUE((TimeRange{3, 3}).is_empty());
  EXPECT_TRUE((TimeRange{4, 3}).is_empty());
  EXPECT_FALSE(open.is_empty());
  EXPECT_EQ(TimeRange::full(), (TimeRange{0, std::nullopt}));
  EXPECT_EQ(SubspaceRange::full().start, SubspaceId{});
  EXPECT_EQ(PathRange::full().start, Path{});
}

TEST(RangeTest, IntersectionExamples) {
  EXPECT_EQ((TimeRange{1, 5}).intersection(TimeRange{3, 9}), (TimeRange{3, 5}));
  EXPECT_EQ((TimeRange{1, 5}).intersection(TimeRange{3, std::nullopt}), (TimeRange{3, 5}));
  EXPECT_EQ((TimeRange{1, std::nullopt}).intersection(TimeRange{3, std::nullopt}),
            (TimeRange{3, std::nullopt}));
  EXPECT_EQ((TimeRange{1, 3}).intersection(TimeRange{3, 5}), std::nullopt);
}

// Every value in a small domain, for brute-force comparison.
std::vector<Timestamp> small_times() {
  std::vector<Timestamp> v;
  for (Timestamp t = 0; t < 8; ++t) v.push_back(t);
  v.push_back(~Timestamp{0});
  return v;
}

TEST(RangeTest, TimeRangePropertiesAgainstBruteForce) {
  testing::ModelRandom rnd(11);
  const std::vector<Timestamp> domain = small_times();
  for (int round = 0; round < 2000; ++round) {
    const TimeRange a = rnd.time_range();
    const TimeRange b = rnd.time_range();
    const std::optional<TimeRange> i = a.intersection(b);
    bool any_in_both = false;
    bool b_subset_of_a = true;
    for (Timestamp t : domain) {
      const bool both = a.includes(t) && b.includes(t);
      any_in_both |= both;
      EXPECT_EQ(i && i->includes(t), both);
      if (b.includes(t) && !a.includes(t)) b_subset_of_a = false;
    }
    // The random bounds all lie in the domain, so the domain witnesses any difference.
    EXPECT_EQ(i.has_value(), any_in_both);
    if (i) {
      EXPECT_FALSE(i->is_empty());
    }
    EXPECT_EQ(a.includes_range(b), b_subset_of_a);
    EXPECT_EQ(a.is_empty(), std::none_of(domain.begin(), domain.end(),
                                         [&](Timestamp t) { return a.includes(t); }));
  }
}

TEST(RangeTest, PathAndSubspaceRangeIntersection) {
  testing::ModelRandom rnd(12);
  for (int round = 0; round < 500; ++round) {
    const PathRange a = rnd.path_range();
    const PathRange b = rnd.path_range();
    const auto i = a.intersection(b);
    const SubspaceRange sa = rnd.subspace_range();
    const SubspaceRange sb = rnd.subspace_range();
    const auto si = sa.intersection(sb);
    for (int k = 0; k < 30; ++k) {
      const Path p = rnd.path();
      EXPECT_EQ(i && i->includes(p), a.includes(p) && b.includes(p));
      if (a.includes_range(b) && b.includes(p)) {
        EXPECT_TRUE(a.includes(p));
      }
      const SubspaceId s = rnd.subspace_id();
      EXPECT_EQ(si && si->includes(s), sa.includes(s) && sb.includes(s));
    }
  }
}

TEST(D3RangeTest, IncludesAndIntersectionOnRandomEntries) {
  testing::ModelRandom rnd(13);
  for (int round = 0; round < 500; ++round) {
    const D3Range a = rnd.d3_range();
    const D3Range b = rnd.d3_range();
    const std::optional<D3Range> i = a.intersection(b);
    if (i) {
      EXPECT_FALSE(i->is_empty());
    }
    for (int k = 0; k < 40; ++k) {
      const Entry e = rnd.entry();
      EXPECT_EQ(a.includes(e), a.subspaces.includes(e.subspace_id) && a.paths.includes(e.path) &&
                                   a.times.includes(e.timestamp));
      EXPECT_EQ(i && i->includes(e), a.includes(e) && b.includes(e));
      if (a.includes_range(b) && b.includes(e)) {
        EXPECT_TRUE(a.includes(e));
      }
      if (a.is_empty()) {
        EXPECT_FALSE(a.includes(e));
      }
      EXPECT_TRUE(D3Range::full().includes(e));
    }
  }
}

TEST(D3RangeTest, IncludesRange) {
  const D3Range full = D3Range::full();
  D3Range box{SubspaceRange{SubspaceId{}, SubspaceId{1}}, PathRange::full(), TimeRange{2, 4}};
  EXPECT_TRUE(full.includes_range(box));
  EXPECT_FALSE(box.includes_range(full));
  D3Range empty = box;
  empty.times = TimeRange{4, 4};
  EXPECT_TRUE(box.includes_range(empty));
  EXPECT_TRUE(empty.includes_range(empty));
  EXPECT_FALSE(empty.includes_range(box));
  SubspaceId least{};
  least.fill(9);
  EXPECT_EQ(D3Range::full(least).subspaces.start, least);
}

}  // namespace
}  // namespace osier::model
