// Payload prefixes: held blocks, frontiers, prefix outboards, and the verifier's label
// observer that supplies frontiers and skipped labels. Small chunks make deep trees cheaply;
// every held count of every length up to a bound is checked against the whole outboard.
#include "crypto/bab_prefix.hpp"

#include <gtest/gtest.h>

#include <bit>
#include <cstring>
#include <random>

#include "bab_test_util.hpp"
#include "crypto/bab_label_cache.hpp"
#include "crypto/bab_outboard.hpp"
#include "crypto/bab_stream.hpp"
#include "crypto/bab_verifier.hpp"

namespace osier::crypto {
namespace {

using testing::random_bytes;

// Any node's label, from the whole outboard.
BabLabel node_label(const BabHash& hash, const BabGeometry& geo, const BabOutboard& ob,
                    ByteView payload, BabNode n) {
  if (n.is_leaf()) {
    return hash.hash_chunk(payload.subspan(geo.byte_begin(n), geo.byte_len(n)), n == geo.root());
  }
  const std::uint64_t at = geo.pair_index_of(n) * 64;
  BabLabel l, r;
  std::memcpy(l.data(), ob.pairs.data() + at, 32);
  std::memcpy(r.data(), ob.pairs.data() + at + 32, 32);
  return hash.hash_inner(l, r, geo.byte_len(n), n == geo.root());
}

std::vector<BabLabel> labels_of(const BabHash& hash, const BabGeometry& geo, const BabOutboard& ob,
                                ByteView payload, const std::vector<BabNode>& nodes) {
  std::vector<BabLabel> out;
  for (const BabNode& n : nodes) out.push_back(node_label(hash, geo, ob, payload, n));
  return out;
}

struct Prefix {
  Bytes pairs;
  std::vector<BabLabel> blocks;
};

Prefix build_prefix(const BabHash& hash, ByteView held) {
  Prefix p;
  BabOutboardBuilder b(append_to(p.pairs), hash);
  EXPECT_TRUE(b.update(held));
  auto blocks = b.finish_prefix();
  EXPECT_TRUE(blocks) << blocks.status().to_string();
  if (blocks) p.blocks = *blocks;
  return p;
}

// A random payload of `len` bytes with its whole outboard.
struct Whole {
  Bytes payload;
  BabOutboard ob;
  BabGeometry geo;
};

Whole whole(const BabHash& hash, std::uint64_t len) {
  Bytes payload = random_bytes(len, len);
  auto ob = bab_outboard(payload, hash);
  EXPECT_TRUE(ob);
  return {std::move(payload), ob ? std::move(*ob) : BabOutboard{},
          BabGeometry(len, hash.chunk_size())};
}

TEST(BabPrefixTest, BlocksAndFrontierPartitionTheChunks) {
  for (std::uint64_t n = 1; n <= 70; ++n) {
    const BabGeometry geo(n * 2, 2);
    for (std::uint64_t held = 0; held <= n; ++held) {
      std::vector<BabNode> blocks = bab_held_blocks(geo, held);
      std::vector<BabNode> front = bab_frontier(geo, held);
      std::uint64_t at = 0;
      for (const BabNode& b : blocks) {
        EXPECT_EQ(b.first_chunk, at);
        at = b.end_chunk();
      }
      EXPECT_EQ(at, held);
      if (held < n) {
        EXPECT_EQ(blocks.size(), static_cast<std::size_t>(std::popcount(held)));
      }
      for (const BabNode& f : front) {
        EXPECT_EQ(f.first_chunk, at);
        at = f.end_chunk();
      }
      EXPECT_EQ(at, n);
    }
  }
}

TEST(BabPrefixTest, FinishPrefixGivesTheOutboardsLeadingPairsAndBlockLabels) {
  const ConventionalBab hash(2);
  for (std::uint64_t len = 3; len <= 140; ++len) {
    const auto [payload, whole_ob, geo] = whole(hash, len);
    const BabOutboard* ob = &whole_ob;
    for (std::uint64_t held = 1; held < geo.num_chunks(); ++held) {
      const Prefix p = build_prefix(hash, ByteView(payload).first(held * 2));
      const std::uint64_t pairs = held - static_cast<std::uint64_t>(std::popcount(held));
      ASSERT_EQ(p.pairs.size(), pairs * 64) << len << " " << held;
      EXPECT_TRUE(std::equal(p.pairs.begin(), p.pairs.end(), ob->pairs.begin()));
      EXPECT_EQ(p.blocks, labels_of(hash, geo, *ob, payload, bab_held_blocks(geo, held)));
    }
  }
}

TEST(BabPrefixTest, FinishPrefixRefusesPartialChunks) {
  const ConventionalBab hash(4);
  Bytes sink;
  BabOutboardBuilder b(append_to(sink), hash);
  ASSERT_TRUE(b.update(random_bytes(6, 1)));
  EXPECT_FALSE(b.finish_prefix());
}

TEST(BabPrefixTest, VerifyPrefixAcceptsTheTrueLabelsOnly) {
  const ConventionalBab hash(2);
  for (std::uint64_t len : {3u, 17u, 64u, 65u, 100u, 131u}) {
    const auto [payload, whole_ob, geo] = whole(hash, len);
    const BabOutboard* ob = &whole_ob;
    for (std::uint64_t held = 1; held < geo.num_chunks(); ++held) {
      std::vector<BabLabel> blocks = labels_of(hash, geo, *ob, payload, bab_held_blocks(geo, held));
      std::vector<BabLabel> front = labels_of(hash, geo, *ob, payload, bab_frontier(geo, held));
      EXPECT_TRUE(bab_verify_prefix(geo, ob->digest, held, blocks, front, hash));
      for (std::size_t i = 0; i < front.size(); ++i) {
        std::vector<BabLabel> bad = front;
        bad[i][i % 32] ^= 1;
        EXPECT_EQ(bab_verify_prefix(geo, ob->digest, held, blocks, bad, hash).code(),
                  ErrorCode::kVerification);
      }
      std::vector<BabLabel> shorter(front.begin(), front.end() - 1);
      EXPECT_FALSE(bab_verify_prefix(geo, ob->digest, held, blocks, shorter, hash));
      std::vector<BabLabel> longer = front;
      longer.push_back(front.back());
      EXPECT_FALSE(bab_verify_prefix(geo, ob->digest, held, blocks, longer, hash));
      EXPECT_FALSE(bab_verify_prefix(geo, ob->digest, held, front, blocks, hash));
    }
    EXPECT_FALSE(bab_verify_prefix(geo, ob->digest, 0, {}, {}, hash));
    EXPECT_FALSE(bab_verify_prefix(geo, ob->digest, geo.num_chunks(), {}, {}, hash));
  }
}

// The prefix outboard serves exactly the streams the whole outboard serves, for any slice
// within the held chunks and any stream kind.
TEST(BabPrefixTest, PrefixOutboardServesSlicesOfTheHeldChunks) {
  const ConventionalBab hash(2);
  std::mt19937_64 rng(7);
  for (std::uint64_t len : {5u, 33u, 64u, 97u, 130u, 257u}) {
    const auto [payload, whole_ob, geo] = whole(hash, len);
    const BabOutboard* ob = &whole_ob;
    for (std::uint64_t held = 1; held < geo.num_chunks(); ++held) {
      const Prefix p = build_prefix(hash, ByteView(payload).first(held * 2));
      BytesReader pairs(p.pairs);
      std::vector<BabLabel> front = labels_of(hash, geo, *ob, payload, bab_frontier(geo, held));
      auto prefix = BabPrefixOutboard::create(geo, ob->digest, held, pairs, p.blocks, front, hash);
      ASSERT_TRUE(prefix) << prefix.status().to_string();
      BytesReader held_bytes(ByteView(payload).first(held * 2));
      for (int t = 0; t < 6; ++t) {
        BabStreamOptions opts;
        opts.k = static_cast<unsigned>(rng() % 4);
        opts.light = rng() % 2 == 0;
        const std::uint64_t first = t == 0 ? 0 : rng() % held;
        const std::uint64_t count = t == 0 ? held : 1 + rng() % (held - first);
        opts.slice = BabSlice{first, count};
        auto want = bab_stream(opts, payload, *ob, hash);
        ASSERT_TRUE(want);
        Bytes got;
        ASSERT_TRUE(bab_produce_stream(opts, len, held_bytes, *prefix, append_to(got), hash))
            << len << " " << held << " " << first << "+" << count;
        EXPECT_EQ(got, *want) << len << " " << held << " " << first << "+" << count;
      }
    }
  }
}

TEST(BabPrefixTest, PrefixOutboardRefusesWrongFrontiers) {
  const ConventionalBab hash(2);
  const Bytes payload = random_bytes(100, 3);
  auto ob = bab_outboard(payload, hash);
  ASSERT_TRUE(ob);
  const BabGeometry geo(100, 2);
  const Prefix p = build_prefix(hash, ByteView(payload).first(40));
  BytesReader pairs(p.pairs);
  std::vector<BabLabel> front = labels_of(hash, geo, *ob, payload, bab_frontier(geo, 20));
  front[0][0] ^= 0x80;
  EXPECT_EQ(
      BabPrefixOutboard::create(geo, ob->digest, 20, pairs, p.blocks, front, hash).status().code(),
      ErrorCode::kVerification);
}

// Feeds a stream in random pieces, recording the observed labels and, after every piece that
// leaves the release at a chunk boundary, checking that the frontier there is known and true.
// Returns how many positions it checked.
std::size_t check_frontiers_while_verifying(const BabHash& hash, ByteView payload,
                                            const BabOutboard& ob, const BabStreamOptions& opts,
                                            std::uint64_t seed) {
  const BabGeometry geo(payload.size(), hash.chunk_size());
  auto stream = bab_stream(opts, payload, ob, hash);
  auto v = BabVerifier::create(ob.digest, opts, payload.size(), hash);
  EXPECT_TRUE(stream && v);
  if (!stream || !v) return 0;
  BabLabelCache cache;
  v->set_label_observer(cache.observer());
  const std::uint64_t first = opts.slice ? opts.slice->first_chunk : 0;
  std::mt19937_64 rng(seed);
  std::size_t pos = 0;
  std::size_t checked = 0;
  while (pos < stream->size()) {
    const std::size_t n = std::min<std::size_t>(1 + rng() % 100, stream->size() - pos);
    EXPECT_TRUE(v->feed(ByteView(*stream).subspan(pos, n), {}));
    pos += n;
    const std::uint64_t released = v->verified_prefix_length();
    if (released == 0 || released % hash.chunk_size() != 0) continue;
    const std::uint64_t held = first + released / hash.chunk_size();
    if (held >= geo.num_chunks()) continue;
    cache.prune(geo, held);
    auto front = cache.frontier(geo, held);
    EXPECT_TRUE(front) << "frontier unknown at chunk " << held;
    if (front) {
      EXPECT_EQ(*front, labels_of(hash, geo, ob, payload, bab_frontier(geo, held)));
    }
    ++checked;
  }
  EXPECT_TRUE(v->finish());
  return checked;
}

TEST(BabPrefixTest, ObserverReportsTheFrontierOfAContinuationStream) {
  const ConventionalBab hash(2);
  for (std::uint64_t len : {9u, 64u, 101u, 300u, 513u}) {
    const Bytes payload = random_bytes(len, len);
    auto ob = bab_outboard(payload, hash);
    ASSERT_TRUE(ob);
    const std::uint64_t chunks = BabGeometry(len, 2).num_chunks();
    std::size_t checked = 0;
    for (std::uint64_t from : {std::uint64_t{0}, std::uint64_t{1}, chunks / 3, chunks - 2}) {
      BabStreamOptions opts;  // the sync continuation stream: light, no length, a slice
      opts.light = true;
      opts.length_prefix = false;
      opts.slice = BabSlice{from, chunks - from};
      checked += check_frontiers_while_verifying(hash, payload, *ob, opts, len + from);
    }
    EXPECT_GT(checked, chunks / 8) << len;
  }
}

TEST(BabPrefixTest, ObserverReportsTheFrontierOfGroupedPrefixSlices) {
  const ConventionalBab hash(2);
  for (std::uint64_t len : {64u, 101u, 300u}) {
    const auto [payload, whole_ob, geo] = whole(hash, len);
    const BabOutboard* ob = &whole_ob;
    for (unsigned k : {0u, 2u, 3u}) {
      for (std::uint64_t held = 1; held < geo.num_chunks(); held += 3) {
        BabStreamOptions opts;  // a drop's slice: k-grouped baseline
        opts.k = k;
        opts.slice = BabSlice{0, held};
        auto stream = bab_stream(opts, payload, *ob, hash);
        ASSERT_TRUE(stream);
        auto v = BabVerifier::create(ob->digest, opts, len, hash);
        ASSERT_TRUE(v);
        BabLabelCache cache;
        v->set_label_observer(cache.observer());
        ASSERT_TRUE(v->feed(*stream, {}));
        ASSERT_TRUE(v->finish());
        auto front = cache.frontier(geo, held);
        ASSERT_TRUE(front) << len << " k=" << k << " held=" << held;
        EXPECT_EQ(*front, labels_of(hash, geo, *ob, payload, bab_frontier(geo, held)));
      }
    }
  }
}

// Two slices of one payload, the second with the largest left skip the first allows, its
// skipped labels taken from what the first reported.
TEST(BabPrefixTest, LaterSlicesSkipWhatEarlierOnesCarried) {
  const ConventionalBab hash(2);
  std::mt19937_64 rng(11);
  for (std::uint64_t len : {40u, 129u, 300u}) {
    const auto [payload, whole_ob, geo] = whole(hash, len);
    const BabOutboard* ob = &whole_ob;
    const std::uint64_t n = geo.num_chunks();
    for (int t = 0; t < 40; ++t) {
      const unsigned k = static_cast<unsigned>(rng() % 3);
      const std::uint64_t a0 = rng() % (n - 1);
      const std::uint64_t a1 = a0 + 1 + rng() % (n - a0 - 1);
      const std::uint64_t b0 = a1 + rng() % (n - a1);
      const std::uint64_t b1 = b0 + 1 + rng() % (n - b0);
      BabLabelCache cache;
      BabStreamOptions first;
      first.k = k;
      first.slice = BabSlice{a0, a1 - a0};
      auto s1 = bab_stream(first, payload, *ob, hash);
      ASSERT_TRUE(s1);
      auto v1 = BabVerifier::create(ob->digest, first, len, hash);
      ASSERT_TRUE(v1);
      v1->set_label_observer(cache.observer());
      ASSERT_TRUE(v1->feed(*s1, {}));
      ASSERT_TRUE(v1->finish());
      cache.prune(geo, a1);

      BabStreamOptions second;
      second.k = k;
      second.slice = BabSlice{b0, b1 - b0};
      second.left_skip = bab_max_left_skip(geo, k, a1, b0);
      auto s2 = bab_stream(second, payload, *ob, hash);
      ASSERT_TRUE(s2);
      BabStreamOptions unskipped = second;
      unskipped.left_skip = 0;
      auto full = bab_stream(unskipped, payload, *ob, hash);
      ASSERT_TRUE(full);
      EXPECT_EQ(full->size() - s2->size(), 64u * second.left_skip);
      auto v2 = BabVerifier::create(ob->digest, second, len, hash);
      ASSERT_TRUE(v2);
      v2->set_known_labels([&](BabNode node) { return cache.find(node); });
      Bytes got;
      ASSERT_TRUE(v2->feed(*s2, [&](ByteView b) { append(got, b); }))
          << len << " k=" << k << " " << a0 << "-" << a1 << " " << b0 << "-" << b1;
      ASSERT_TRUE(v2->finish());
      EXPECT_EQ(got, Bytes(payload.begin() + static_cast<std::ptrdiff_t>(b0 * 2),
                           payload.begin() + static_cast<std::ptrdiff_t>(std::min(b1 * 2, len))));
    }
  }
}

}  // namespace
}  // namespace osier::crypto
