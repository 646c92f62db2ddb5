// OpenRanges: the index of one RBSR root's unanswered ranges. Hand cases, then random honest
// reconciliations (nested splits in every dimension) against the plain scan it replaced: the
// smallest open range that includes each received range.
#include "sync/open_ranges.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

namespace osier::sync {
namespace {

using model::D3Range;

// A box over subspaces [s0, s1) (first byte), the full path range and times [t0, t1).
D3Range box(std::uint8_t s0, std::uint8_t s1, std::uint64_t t0, std::uint64_t t1) {
  D3Range r = D3Range::full();
  r.subspaces.start[0] = s0;
  r.subspaces.end = model::SubspaceId{};
  (*r.subspaces.end)[0] = s1;
  r.times = model::TimeRange{t0, t1};
  return r;
}

TEST(OpenRangesTest, TwoHalvesCoverARange) {
  OpenRanges open;
  open.add(box(0, 10, 0, 100));
  EXPECT_EQ(open.open_count(), 1U);
  EXPECT_EQ(*open.cover(box(0, 10, 0, 50), 8), false);
  EXPECT_EQ(*open.cover(box(0, 10, 50, 100), 8), true);
  EXPECT_TRUE(open.empty());
  EXPECT_EQ(open.node_count(), 0U);
}

TEST(OpenRangesTest, ARangeCountsAgainstTheSmallestOpenRangeIncludingIt) {
  OpenRanges open;
  open.add(box(0, 10, 0, 100));
  ASSERT_FALSE(*open.cover(box(0, 10, 0, 50), 8));  // the peer's first part
  open.add(box(0, 5, 0, 50));                       // our split of it
  open.add(box(5, 10, 0, 50));
  // The peer answers our first sub-range whole: that closes it, not the outer range.
  EXPECT_TRUE(*open.cover(box(0, 5, 0, 50), 8));
  EXPECT_EQ(open.open_count(), 2U);
  // The outer range's second half closes the outer range; our open sub-range keeps it as a
  // container.
  EXPECT_TRUE(*open.cover(box(0, 10, 50, 100), 8));
  EXPECT_EQ(open.open_count(), 1U);
  EXPECT_EQ(open.node_count(), 2U);
  EXPECT_TRUE(*open.cover(box(5, 10, 0, 50), 8));
  EXPECT_TRUE(open.empty());
  EXPECT_EQ(open.node_count(), 0U);
}

// Our split of the peer's range: the parts hang under a container of the peer's range, which
// answers nothing itself and goes with its last part.
TEST(OpenRangesTest, ASplitsPartsSitUnderAContainerOfThePeersRange) {
  OpenRanges open;
  open.add_split(box(0, 10, 0, 100), {box(0, 5, 0, 100), box(5, 10, 0, 100)});
  EXPECT_EQ(open.open_count(), 2U);
  EXPECT_EQ(open.node_count(), 3U);
  EXPECT_EQ(open.box_count(), 2U);
  // The peer's range itself is not open: neither its announcement nor its fingerprint answers.
  EXPECT_FALSE(open.answer_exactly(box(0, 10, 0, 100)));
  EXPECT_FALSE(*open.cover(box(0, 10, 0, 100), 8));
  EXPECT_EQ(open.open_count(), 2U);
  // The peer's parts of our second part close it with the second.
  EXPECT_FALSE(*open.cover(box(5, 10, 0, 50), 8));
  EXPECT_TRUE(*open.cover(box(5, 10, 50, 100), 8));
  EXPECT_EQ(open.node_count(), 2U);
  EXPECT_TRUE(open.answer_exactly(box(0, 5, 0, 100)));
  EXPECT_TRUE(open.empty());
  EXPECT_EQ(open.node_count(), 0U);
  EXPECT_EQ(open.box_count(), 0U);
}

TEST(OpenRangesTest, AnAnnouncementOfExactlyAnOpenRangeAnswersIt) {
  OpenRanges open;
  open.add(box(0, 10, 0, 100));
  EXPECT_FALSE(open.answer_exactly(box(0, 10, 0, 50)));
  EXPECT_FALSE(open.answer_exactly(box(0, 11, 0, 100)));
  EXPECT_TRUE(open.answer_exactly(box(0, 10, 0, 100)));
  EXPECT_FALSE(open.answer_exactly(box(0, 10, 0, 100)));
  EXPECT_TRUE(open.empty());
}

TEST(OpenRangesTest, ARangeNothingOpenIncludesChangesNothing) {
  OpenRanges open;
  open.add(box(0, 10, 0, 100));
  EXPECT_FALSE(*open.cover(box(0, 11, 0, 100), 8));
  EXPECT_FALSE(*open.cover(box(20, 30, 0, 100), 8));
  EXPECT_TRUE(*open.cover(box(0, 10, 0, 100), 8));
}

TEST(OpenRangesTest, FragmentingARangeBeyondTheBoxLimitIsAnError) {
  OpenRanges open;
  open.add(box(0, 10, 0, 100));
  // A hole in the middle of both dimensions leaves four boxes.
  auto r = open.cover(box(2, 4, 10, 20), 3);
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_FALSE(*open.cover(box(2, 4, 10, 20), 4));
}

TEST(OpenRangesTest, DroppedNodesAreReused) {
  OpenRanges open;
  for (int round = 0; round < 100; ++round) {
    open.add(box(0, 10, 0, 100));
    ASSERT_TRUE(open.answer_exactly(box(0, 10, 0, 100)));
  }
  EXPECT_EQ(open.node_count(), 0U);
}

// The scan OpenRanges replaced: the smallest open range including the received one.
struct PlainOpenRanges {
  struct Open {
    D3Range range;
    std::vector<D3Range> uncovered;
  };
  std::vector<Open> open;

  bool cover(const D3Range& range) {
    Open* best = nullptr;
    for (auto& o : open) {
      if (o.range.includes_range(range) && (!best || best->range.includes_range(o.range))) {
        best = &o;
      }
    }
    if (best == nullptr) return false;
    std::vector<D3Range> left;
    for (const auto& b : best->uncovered) {
      for (auto& part : subtract_d3_range(b, range)) left.push_back(part);
    }
    best->uncovered = std::move(left);
    if (!best->uncovered.empty()) return false;
    open.erase(open.begin() + (best - open.data()));
    return true;
  }
};

// `r` cut into `k` parts along its time dimension or its subspace dimension.
std::vector<D3Range> split(const D3Range& r, std::size_t k, std::mt19937_64& rng) {
  std::vector<D3Range> parts;
  const std::uint64_t t0 = r.times.start;
  const std::uint64_t t1 = *r.times.end;
  const std::uint8_t s0 = r.subspaces.start[0];
  const std::uint8_t s1 = (*r.subspaces.end)[0];
  const bool by_time = (rng() % 2 == 0 && t1 - t0 >= k) || static_cast<std::size_t>(s1 - s0) < k;
  if (by_time && t1 - t0 < k) return {r};
  for (std::size_t i = 0; i < k; ++i) {
    D3Range p = r;
    if (by_time) {
      p.times = model::TimeRange{t0 + (t1 - t0) * i / k, t0 + (t1 - t0) * (i + 1) / k};
    } else {
      p.subspaces.start[0] = static_cast<std::uint8_t>(s0 + (s1 - s0) * i / k);
      (*p.subspaces.end)[0] = static_cast<std::uint8_t>(s0 + (s1 - s0) * (i + 1) / k);
    }
    parts.push_back(p);
  }
  return parts;
}

TEST(OpenRangesTest, RandomHonestReconciliationsAgreeWithThePlainScan) {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    std::mt19937_64 rng(seed);
    OpenRanges open;
    PlainOpenRanges plain;
    auto add = [&](const D3Range& r) {
      open.add(r);
      plain.open.push_back({r, {r}});
    };
    add(box(0, 64, 0, 1 << 20));
    // What happens next, usually in order (FIFO), sometimes not: the peer answers one of our
    // ranges (whole, by an announcement, or by splitting it into fingerprints), or one of the
    // peer's fingerprints arrives (we count it, and sometimes split it in turn).
    struct Step {
      bool peer_part = false;  // false: the peer answers our `range`
      D3Range range;
    };
    std::vector<Step> steps{{false, box(0, 64, 0, 1 << 20)}};
    std::vector<D3Range> pending;  // ours the peer answered whole at the end
    for (std::size_t n = 0; !steps.empty() && n < 2000; ++n) {
      const std::size_t pick = rng() % 4 == 0 ? rng() % steps.size() : 0;
      const Step step = steps[pick];
      steps.erase(steps.begin() + static_cast<std::ptrdiff_t>(pick));
      if (!step.peer_part && rng() % 5 == 0) {
        const bool closed = open.answer_exactly(step.range);
        auto it = std::find_if(plain.open.begin(), plain.open.end(),
                               [&](const auto& o) { return o.range == step.range; });
        ASSERT_EQ(closed, it != plain.open.end()) << "seed " << seed;
        if (it != plain.open.end()) plain.open.erase(it);
      } else if (!step.peer_part) {
        for (const auto& part : split(step.range, 2 + rng() % 7, rng)) {
          steps.push_back({true, part});
        }
      } else {
        auto closed = open.cover(step.range, 64);
        ASSERT_TRUE(closed.is_ok());
        ASSERT_EQ(*closed, plain.cover(step.range)) << "seed " << seed;
        // At most a few hundred ranges open, which the plain scan can follow.
        if (rng() % 3 != 0 && plain.open.size() < 400) {
          for (const auto& ours : split(step.range, 2 + rng() % 7, rng)) {
            if (ours == step.range) continue;
            add(ours);
            steps.push_back({false, ours});
          }
        }
      }
      ASSERT_EQ(open.open_count(), plain.open.size()) << "seed " << seed;
    }
    for (const auto& step : steps) {
      if (step.peer_part) {
        auto closed = open.cover(step.range, 64);
        ASSERT_TRUE(closed.is_ok());
        ASSERT_EQ(*closed, plain.cover(step.range)) << "seed " << seed;
      } else {
        pending.push_back(step.range);
      }
    }
    // Every pending range answered: nothing stays open, nothing stays indexed.
    for (const auto& r : pending) ASSERT_TRUE(open.answer_exactly(r)) << "seed " << seed;
    EXPECT_TRUE(open.empty()) << "seed " << seed;
    EXPECT_EQ(open.node_count(), 0U) << "seed " << seed;
    EXPECT_EQ(open.box_count(), 0U) << "seed " << seed;
    EXPECT_EQ(open.bytes(), 0U) << "seed " << seed;
  }
}

// bytes() counts each node's record and paths and each box's: the peer's long paths count as
// often as they bound a node or a box, and nothing is left once every range is answered.
TEST(OpenRangesTest, BytesCountTheNodesAndBoxesWithTheirPaths) {
  const model::Path a = model::Path::from_strings({std::string(3000, 'a')}).value();
  const model::Path z = model::Path::from_strings({std::string(3000, 'z')}).value();
  const model::Path m = model::Path::from_strings({std::string(3000, 'm')}).value();
  D3Range whole = D3Range::full();
  whole.paths = model::PathRange{a, z};
  OpenRanges open;
  open.add(whole);
  EXPECT_GT(open.bytes(), 2 * range_bytes(whole));  // the node and its one box
  const std::size_t one = open.bytes();
  // The peer's part [a, m) leaves the box [m, z): two long bounds again.
  D3Range part = whole;
  part.paths = model::PathRange{a, m};
  ASSERT_FALSE(*open.cover(part, 8));
  EXPECT_EQ(open.box_count(), 1U);
  EXPECT_EQ(open.bytes(), one);
  // A slab [successor(m), n) cuts it in two: [m, successor(m)) and [n, z), one more long bound.
  D3Range slab = whole;
  slab.paths = model::PathRange{*m.successor(), model::Path::from_strings({"n"}).value()};
  ASSERT_FALSE(*open.cover(slab, 8));
  EXPECT_EQ(open.box_count(), 2U);
  EXPECT_GT(open.bytes(), one + 3000);
  // Our split of a range of the peer's inside it: a container and two parts.
  D3Range peer = whole;
  peer.paths = model::PathRange{m, z};
  D3Range low = peer, high = peer;
  low.paths.end = model::Path::from_strings({"n"}).value();
  high.paths.start = *low.paths.end;
  const std::size_t before = open.bytes();
  open.add_split(peer, {low, high});
  EXPECT_GT(open.bytes(), before + range_bytes(peer) + range_bytes(low) + range_bytes(high));
  ASSERT_TRUE(open.answer_exactly(low));
  ASSERT_TRUE(open.answer_exactly(high));
  EXPECT_EQ(open.bytes(), before);  // the container went with its last part
  ASSERT_TRUE(open.answer_exactly(whole));
  EXPECT_EQ(open.bytes(), 0U);
  EXPECT_EQ(open.node_count(), 0U);
}

TEST(OpenRangesTest, TheRangeOrderIsStrictAndSeesEveryBound) {
  const D3RangeLess less;
  const D3Range a = box(0, 10, 0, 100);
  D3Range open_end = a;
  open_end.times.end.reset();
  EXPECT_FALSE(less(a, a));
  EXPECT_TRUE(less(a, open_end));
  EXPECT_FALSE(less(open_end, a));
  EXPECT_TRUE(less(a, box(0, 10, 0, 101)));
  EXPECT_TRUE(less(a, box(0, 11, 0, 100)));
  D3Range longer_path = a;
  longer_path.paths.start = model::Path::from_strings({"a"}).value();
  EXPECT_TRUE(less(a, longer_path));
  RangeMultiset set;
  set.add(a);
  set.add(a);
  set.add(open_end);
  EXPECT_EQ(set.size(), 3U);
  EXPECT_TRUE(set.remove(a));
  EXPECT_TRUE(set.remove(a));
  EXPECT_FALSE(set.remove(a));
  EXPECT_TRUE(set.remove(open_end));
  EXPECT_TRUE(set.empty());
}

}  // namespace
}  // namespace osier::sync
