#include "crypto/william3.hpp"

#include <gtest/gtest.h>

#include <random>

#include "base/hex.hpp"
#include "support/vectors.hpp"

namespace osier::crypto {
namespace {

using namespace w3;

Bytes random_bytes(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  Bytes b(n);
  for (auto& x : b) x = static_cast<std::uint8_t>(rng());
  return b;
}

Cv iv() {
  Cv k;
  for (int i = 0; i < 8; ++i) k[i] = kIv[i];
  return k;
}

// The tree straight from the definition (spec: bab#tree), using only single-node labels:
// an independent oracle for the batched, lazily merging hasher.
Cv reference_label(const std::uint8_t* in, std::uint64_t len, const Cv& key, std::uint8_t flags,
                   bool is_root) {
  if (len <= kChunkLen) return chunk_cv(in, len, key, flags, is_root);
  std::uint64_t l = left_subtree_len(len);
  Cv left = reference_label(in, l, key, flags, false);
  Cv right = reference_label(in + l, len - l, key, flags, false);
  return parent_cv(left, right, len, key, flags, is_root);
}

William3Digest reference_digest(ByteView in) {
  William3Digest d;
  store_cv(d.data(), reference_label(in.data(), in.size(), iv(), 0, true));
  return d;
}

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
    EXPECT_EQ(william3(in), reference_digest(in)) << len;
  }
}

TEST(William3, IncrementalAnySplitMatchesOneShot) {
  std::mt19937_64 rng(42);
  for (int iter = 0; iter < 200; ++iter) {
    std::size_t len = rng() % (iter < 150 ? 20000 : 600000);
    Bytes in = random_bytes(len, iter);
    William3Digest expect = reference_digest(in);
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
    William3Digest ref;
    store_cv(ref.data(), reference_label(in.data(), in.size(), load_cv(key.data()), kKeyedHash, true));
    EXPECT_EQ(k1, ref);
  }
}

}  // namespace
}  // namespace osier::crypto
