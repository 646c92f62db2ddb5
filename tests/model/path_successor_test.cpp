// Exhaustive check of the successor computations: under tiny limits, enumerate every path over
// the full byte alphabet, sort, and compare against the definitions.
#include "model/path_successor.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

namespace osier::model {
namespace {

using Components = std::vector<Bytes>;

// Every byte string of length at most max_length, ordered by length.
std::vector<Bytes> all_strings(std::size_t max_length) {
  std::vector<Bytes> out{Bytes{}};
  for (std::size_t begin = 0, len = 1; len <= max_length; ++len) {
    const std::size_t end = out.size();
    for (std::size_t i = begin; i < end; ++i) {
      if (out[i].size() != len - 1) continue;
      for (int b = 0; b < 256; ++b) {
        Bytes s = out[i];
        s.push_back(static_cast<std::uint8_t>(b));
        out.push_back(std::move(s));
      }
    }
    begin = end;
  }
  return out;
}

std::vector<Components> all_paths(const PathLimits& limits) {
  const std::vector<Bytes> strings = all_strings(limits.max_component_length);
  std::vector<Components> out{Components{}};
  std::vector<Components> frontier{Components{}};
  for (std::size_t count = 1; count <= limits.max_component_count; ++count) {
    std::vector<Components> next;
    for (const Components& p : frontier) {
      std::size_t total = 0;
      for (const Bytes& c : p) total += c.size();
      for (const Bytes& s : strings) {  // ordered by length
        if (total + s.size() > limits.max_path_length) break;
        Components q = p;
        q.push_back(s);
        next.push_back(q);
      }
    }
    out.insert(out.end(), next.begin(), next.end());
    frontier = std::move(next);
  }
  std::sort(out.begin(), out.end());  // vector<vector<uint8_t>> order = the path order
  return out;
}

Components apply(const Components& p, const PathStep& step) {
  Components q(p.begin(), p.begin() + static_cast<std::ptrdiff_t>(step.keep));
  q.push_back(step.last);
  return q;
}

bool is_prefix(const Components& p, const Components& q) {
  return p.size() <= q.size() && std::equal(p.begin(), p.end(), q.begin());
}

void check_limits(const PathLimits& limits) {
  const std::vector<Components> paths = all_paths(limits);
  SCOPED_TRACE(::testing::Message()
               << "limits " << limits.max_component_length << "/" << limits.max_component_count
               << "/" << limits.max_path_length << ", " << paths.size() << " paths");
  for (std::size_t i = 0; i < paths.size(); ++i) {
    const Components& p = paths[i];
    const std::vector<ByteView> views(p.begin(), p.end());

    const std::optional<PathStep> s = path_successor(views, limits);
    if (i + 1 < paths.size()) {
      ASSERT_TRUE(s);
      ASSERT_EQ(apply(p, *s), paths[i + 1]);
    } else {
      ASSERT_FALSE(s);
    }

    std::size_t j = i + 1;
    while (j < paths.size() && is_prefix(p, paths[j])) ++j;
    const std::optional<PathStep> g = path_greater_but_not_prefixed(views, limits);
    if (j < paths.size()) {
      ASSERT_TRUE(g);
      ASSERT_EQ(apply(p, *g), paths[j]);
    } else {
      ASSERT_FALSE(g);
    }
  }
}

// Each limit set has at most a few hundred thousand paths; each makes a different limit bind.
TEST(PathSuccessorTest, CountBinds) { check_limits({1, 1, 1}); }
TEST(PathSuccessorTest, ComponentLengthBinds) { check_limits({2, 1, 2}); }
TEST(PathSuccessorTest, ComponentLengthBindsBeforeTotal) { check_limits({1, 2, 2}); }
TEST(PathSuccessorTest, TotalBindsBeforeComponentLength) { check_limits({2, 2, 2}); }
TEST(PathSuccessorTest, TotalBindsBeforeCount) { check_limits({1, 3, 2}); }
TEST(PathSuccessorTest, TotalBindsOneComponent) { check_limits({2, 1, 1}); }

}  // namespace
}  // namespace osier::model
