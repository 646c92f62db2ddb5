#include "osier/model/area.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "model_random.hpp"

namespace osier::model {
namespace {

using testing::path_of;

Entry entry_of(const SubspaceId& s, const Path& p, Timestamp t) {
  Entry e;
  e.subspace_id = s;
  e.path = p;
  e.timestamp = t;
  return e;
}

SubspaceId id_of(std::uint8_t b) {
  SubspaceId s{};
  s.fill(b);
  return s;
}

// Entries around the areas: inside and just outside each in every dimension, and combinations
// of those coordinates, plus random ones.
std::vector<Entry> probes(testing::ModelRandom& rnd, std::initializer_list<const Area*> areas) {
  std::vector<SubspaceId> subspaces = {id_of(0), id_of(0xff), id_of(0x42), rnd.subspace_id()};
  std::vector<Path> paths = {Path{}, rnd.path()};
  std::vector<Timestamp> times = {0, 1, 2, 3, 4, 5, 6, ~Timestamp{0}};
  for (const Area* area : areas) {
    if (area->subspace) {
      subspaces.push_back(*area->subspace);
      if (auto next = subspace_successor(*area->subspace)) subspaces.push_back(*next);
    }
    paths.push_back(area->path);
    paths.push_back(area->path.prefix(area->path.component_count() / 2));
    if (auto r = area->path.concat(rnd.path(2))) paths.push_back(*r);
    if (auto g = area->path.greater_but_not_prefixed()) {
      paths.push_back(*g);
      if (auto s = g->successor()) paths.push_back(*s);
    }
    times.push_back(area->times.start);
    if (area->times.start > 0) times.push_back(area->times.start - 1);
    if (area->times.end) {
      times.push_back(*area->times.end);
      if (*area->times.end > 0) times.push_back(*area->times.end - 1);
    }
  }
  std::vector<Entry> out;
  for (const SubspaceId& s : subspaces) {
    for (const Path& p : paths) {
      for (Timestamp t : times) out.push_back(entry_of(s, p, t));
    }
  }
  return out;
}

TEST(AreaTest, IncludesExamples) {
  const Area a{id_of(1), path_of({"blog"}), TimeRange{10, 20}};
  EXPECT_TRUE(a.includes(entry_of(id_of(1), path_of({"blog"}), 10)));
  EXPECT_TRUE(a.includes(entry_of(id_of(1), path_of({"blog", "x"}), 19)));
  EXPECT_FALSE(a.includes(entry_of(id_of(1), path_of({"blogs"}), 15)));
  EXPECT_FALSE(a.includes(entry_of(id_of(2), path_of({"blog"}), 15)));
  EXPECT_FALSE(a.includes(entry_of(id_of(1), path_of({"blog"}), 20)));
  EXPECT_FALSE(a.includes(entry_of(id_of(1), path_of({}), 15)));
  const Area any{std::nullopt, path_of({"blog"}), TimeRange{10, 20}};
  EXPECT_TRUE(any.includes(entry_of(id_of(2), path_of({"blog"}), 15)));
  EXPECT_TRUE(Area::full().includes(entry_of(id_of(0xff), path_of({"x"}), ~Timestamp{0})));
  EXPECT_TRUE(Area::subspace_area(id_of(3)).includes(entry_of(id_of(3), path_of({"x"}), 5)));
  EXPECT_FALSE(Area::subspace_area(id_of(3)).includes(entry_of(id_of(4), path_of({"x"}), 5)));
}

TEST(AreaTest, IntersectionExamples) {
  const Area a{std::nullopt, path_of({"a"}), TimeRange{0, 10}};
  const Area b{id_of(1), path_of({"a", "b"}), TimeRange{5, std::nullopt}};
  EXPECT_EQ(a.intersection(b), (Area{id_of(1), path_of({"a", "b"}), TimeRange{5, 10}}));
  EXPECT_EQ(a.intersection(Area{std::nullopt, path_of({"b"}), TimeRange::full()}), std::nullopt);
  EXPECT_EQ(b.intersection(Area{id_of(2), path_of({}), TimeRange::full()}), std::nullopt);
  EXPECT_EQ(a.intersection(Area{std::nullopt, path_of({}), TimeRange{10, 20}}), std::nullopt);
}

TEST(AreaTest, RandomIntersectionInclusionAndRange) {
  testing::ModelRandom rnd(21);
  for (int round = 0; round < 1500; ++round) {
    const Area a = rnd.area();
    const Area b = rnd.area();
    const std::optional<Area> i = a.intersection(b);
    const D3Range ra = area_to_range(a);
    const std::vector<Entry> es = probes(rnd, {&a, &b});

    bool any_in_both = false;
    bool b_in_a = true;
    for (const Entry& e : es) {
      const bool both = a.includes(e) && b.includes(e);
      any_in_both |= both;
      ASSERT_EQ(i && i->includes(e), both);
      if (b.includes(e) && !a.includes(e)) b_in_a = false;
      ASSERT_EQ(ra.includes(e), a.includes(e)) << a.path.to_string();
      if (a.is_empty()) {
        ASSERT_FALSE(a.includes(e));
      }
    }
    // The probes around b witness every way in which b can stick out of a, and any overlap.
    EXPECT_EQ(i.has_value(), any_in_both);
    EXPECT_EQ(a.includes_area(b), b_in_a);
    EXPECT_TRUE(a.includes_area(a));
    EXPECT_TRUE(Area::full().includes_area(a));
    if (i) {
      EXPECT_TRUE(a.includes_area(*i));
      EXPECT_TRUE(b.includes_area(*i));
    }
  }
}

TEST(AreaTest, AreaToRangeBounds) {
  const D3Range full = area_to_range(Area::full());
  EXPECT_EQ(full, D3Range::full());

  const Area a{id_of(0x42), path_of({"a"}), TimeRange{1, 2}};
  const D3Range r = area_to_range(a);
  SubspaceId next = id_of(0x42);
  next.back() = 0x43;
  EXPECT_EQ(r.subspaces, (SubspaceRange{id_of(0x42), next}));
  EXPECT_EQ(r.paths, (PathRange{path_of({"a"}), path_of({std::string_view("a\0", 2)})}));
  EXPECT_EQ(r.times, a.times);

  // No greater subspace id or path that is not an extension: the range ends are open.
  const Path greatest =
      Path::from_components(std::vector<ByteView>{Bytes(kMaxPathLength, 0xff)}).value();
  const D3Range open = area_to_range(Area{id_of(0xff), greatest, TimeRange::full()});
  EXPECT_EQ(open.subspaces.end, std::nullopt);
  EXPECT_EQ(open.paths.end, std::nullopt);
  EXPECT_TRUE(open.includes(entry_of(id_of(0xff), greatest.append(ByteView{}).value(), 0)));
}

TEST(AreaOfInterestTest, Intersection) {
  const AreaOfInterest a{Area{std::nullopt, path_of({"a"}), TimeRange::full()}, 10,
                         AreaOfInterest::kNoLimit};
  const AreaOfInterest b{Area{id_of(1), path_of({}), TimeRange{5, 6}}, AreaOfInterest::kNoLimit,
                         100};
  const auto i = a.intersection(b);
  ASSERT_TRUE(i);
  EXPECT_EQ(i->area, (Area{id_of(1), path_of({"a"}), TimeRange{5, 6}}));
  EXPECT_EQ(i->max_count, 10u);
  EXPECT_EQ(i->max_size, 100u);
  const AreaOfInterest c{Area{std::nullopt, path_of({"b"}), TimeRange::full()}, 1, 1};
  EXPECT_EQ(a.intersection(c), std::nullopt);
  EXPECT_EQ(AreaOfInterest{}.max_count, ~std::uint64_t{0});
}

}  // namespace
}  // namespace osier::model
