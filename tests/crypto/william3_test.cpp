#include "crypto/william3.hpp"

#include <gtest/gtest.h>

#include <random>

#include "base/hex.hpp"
#include "crypto/william3_impl.hpp"
#include "support/vectors.hpp"
#include "support/william3_reference.hpp"

namespace osier::crypto {
namespace {

using namespace w3;

using osier::testing::random_bytes;
using osier::testing::william3_keyed_reference;
using osier::testing::william3_reference;

TEST(William3, SpecVectors) {
  for (const auto& v : osier::testing::willow25_vectors()["william3"]) {
    Bytes input;
    if (v.contains("input_hex")) {
      input = *from_hex(v["input_hex"].get<std::string>());
    } else {
      auto s = v["input_ascii"].get<std::string>();
      input.assign(s.begin(), s.end());
    }
    EXPECT_EQ(to_hex(william3(input)), v["digest_hex"].get<std::string>()) << v["source"];
  }
}

TEST(William3, IvMatchesVectors) {
  const auto& words = osier::testing::willow25_vectors()["william3_iv_words"];
  ASSERT_EQ(words.size(), 8u);
  for (int i = 0; i < 8; ++i)
    EXPECT_EQ(kIv[i], std::stoul(words[i].get<std::string>(), nullptr, 16));
}

TEST(William3, SupersededDefinitionDoesNotMatch) {
  auto old = osier::testing::willow25_vectors()["william3_superseded"]["old_empty_digest_hex"];
  EXPECT_NE(to_hex(william3({})), old.get<std::string>());
}

TEST(William3, OneShotMatchesDefinition) {
  for (std::size_t len : {0, 1, 63, 64, 65, 1023, 1024, 1025, 2047, 2048, 2049, 3072, 3073, 4096,
                          5 * 1024 + 7, 31 * 1024, 64 * 1024, 129 * 1024 + 1, (1 << 20) + 1}) {
    Bytes in = random_bytes(len, len);
    EXPECT_EQ(william3(in), william3_reference(in)) << len;
  }
}

TEST(William3, IncrementalAnySplitMatchesOneShot) {
  std::mt19937_64 rng(42);
  for (int iter = 0; iter < 200; ++iter) {
    std::size_t len = rng() % (iter < 150 ? 20000 : 600000);
    Bytes in = random_bytes(len, iter);
    William3Digest expect = william3_reference(in);
    William3Hasher h;
    std::size_t pos = 0;
    while (pos < len) {
      std::size_t piece = std::min<std::size_t>(len - pos, 1 + rng() % (rng() % 2 ? 100 : 70000));
      h.update(ByteView(in.data() + pos, piece));
      pos += piece;
    }
    ASSERT_EQ(h.finalize(), expect) << "len " << len;
  }
}

TEST(William3, KeyedDiffersAndIsDeterministic) {
  William3Key key{};
  for (std::size_t i = 0; i < 32; ++i) key[i] = static_cast<std::uint8_t>(i);
  for (std::size_t len : {0, 1, 1024, 1025, 100000}) {
    Bytes in = random_bytes(len, 7);
    auto k1 = william3_keyed(key, in);
    EXPECT_NE(k1, william3(in));
    EXPECT_EQ(k1, william3_keyed_reference(key, in));
  }
}

}  // namespace
}  // namespace osier::crypto
