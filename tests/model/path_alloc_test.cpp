// Copying, comparing and taking prefixes of a Path must not allocate: this file replaces the
// global allocation functions of the test binary with counting ones.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "osier/model/path.hpp"

namespace {
std::atomic<std::size_t> g_allocations{0};
}  // namespace

void* operator new(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
// Not inlined: g++ would otherwise pair new-expressions with the free() and warn.
[[gnu::noinline]] void operator delete(void* p) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace osier::model {
namespace {

TEST(PathAllocTest, CopyCompareAndPrefixDoNotAllocate) {
  const Path p = Path::from_strings({"blog", "ideas", "fun"}).value();
  const Path q = Path::from_strings({"blog", "ideas", "funny"}).value();
  const std::size_t before = g_allocations.load();
  {
    Path copy = p;
    Path moved = std::move(copy);
    Path pre = p.prefix(2);
    EXPECT_TRUE(pre.is_prefix_of(moved));
    EXPECT_LT(p, q);
    EXPECT_NE(p, q);
    EXPECT_EQ(moved, p);
    EXPECT_EQ(p.common_prefix_count(q), 2u);
    EXPECT_EQ(p.longest_common_prefix(q), pre);
    EXPECT_EQ(p.component(2).size(), 3u);
  }
  EXPECT_EQ(g_allocations.load(), before);
}

}  // namespace
}  // namespace osier::model
