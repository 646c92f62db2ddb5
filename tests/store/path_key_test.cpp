// The path order key: round trips, its bytewise order is the path order, and the decoder takes
// nothing but canonic codes (every strict prefix of a code is refused or a different path).
#include "store/path_key.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <random>

namespace osier::store {
namespace {

model::Path random_path(std::mt19937_64& rng) {
  const std::size_t n = rng() % 4;
  std::vector<Bytes> comps;
  for (std::size_t i = 0; i < n; ++i) {
    Bytes c(rng() % 4);
    for (auto& b : c) b = static_cast<std::uint8_t>(std::vector<int>{0, 1, 0xff, 'a'}[rng() % 4]);
    comps.push_back(std::move(c));
  }
  std::vector<ByteView> views(comps.begin(), comps.end());
  return model::Path::from_components(views).value();
}

int bytes_cmp(const Bytes& a, const Bytes& b) {
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end())   ? -1
         : std::lexicographical_compare(b.begin(), b.end(), a.begin(), a.end()) ? 1
                                                                                : 0;
}

TEST(PathKey, RoundTripsAndOrdersAsPaths) {
  std::mt19937_64 rng(1);
  for (int i = 0; i < 20000; ++i) {
    const model::Path a = random_path(rng);
    const model::Path b = random_path(rng);
    const Bytes ka = path_key(a);
    const Bytes kb = path_key(b);
    auto back = decode_path_key(ka);
    ASSERT_TRUE(back) << back.status().to_string();
    ASSERT_EQ(*back, a);
    const int want = a < b ? -1 : (b < a ? 1 : 0);
    ASSERT_EQ(bytes_cmp(ka, kb), want) << a.to_string() << " vs " << b.to_string();
  }
}

TEST(PathKey, RefusesWhatNoPathEncodesTo) {
  for (const Bytes& bad : {Bytes{0x00}, Bytes{'a'}, Bytes{0x00, 0x02}, Bytes{'a', 0x00, 0x01, 'b'},
                           Bytes{0x00, 0x00}}) {
    auto p = decode_path_key(bad);
    ASSERT_FALSE(p);
    EXPECT_EQ(p.status().code(), ErrorCode::kCorrupt);
  }
  EXPECT_EQ(decode_path_key({}).value().component_count(), 0u);
}

}  // namespace
}  // namespace osier::store
