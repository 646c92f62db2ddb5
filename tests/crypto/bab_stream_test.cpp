// Outboards, stream production and stream -> verify round trips for every stream kind.
#include "osier/crypto/bab_stream.hpp"

#include <gtest/gtest.h>

#include "bab_test_util.hpp"
#include "crypto/bab_length_proof.hpp"
#include "crypto/bab_verifier.hpp"
#include "osier/crypto/bab_outboard.hpp"
#include "osier/crypto/william3.hpp"

namespace osier::crypto {
namespace {

using testing::random_bytes;
using testing::run_verifier;

// Label of any node straight from the definition (an oracle independent of the outboard).
BabLabel node_label(const BabHash& h, ByteView payload, BabNode n) {
  BabGeometry g(payload.size(), h.chunk_size());
  ByteView bytes = payload.subspan(g.byte_begin(n), g.byte_len(n));
  return h.hash_subtree(bytes, n == g.root());
}

void check_outboard(const BabHash& h, ByteView payload) {
  auto ob = bab_outboard(payload, h);
  ASSERT_TRUE(ob.is_ok());
  BabGeometry g(payload.size(), h.chunk_size());
  ASSERT_EQ(ob->pairs.size(), bab_outboard_size(payload.size(), h.chunk_size()));
  EXPECT_EQ(ob->digest, node_label(h, payload, g.root()));
  // Every inner node's pair, at its post-order index.
  std::vector<BabNode> todo{g.root()};
  while (!todo.empty()) {
    BabNode n = todo.back();
    todo.pop_back();
    if (n.is_leaf()) continue;
    std::uint64_t at = g.pair_index_of(n) * 64;
    BabNode l = BabGeometry::left_child(n), r = BabGeometry::right_child(n);
    BabLabel want_l = node_label(h, payload, l), want_r = node_label(h, payload, r);
    ASSERT_TRUE(std::equal(want_l.begin(), want_l.end(), ob->pairs.begin() + at));
    ASSERT_TRUE(std::equal(want_r.begin(), want_r.end(), ob->pairs.begin() + at + 32));
    todo.push_back(l);
    todo.push_back(r);
  }
}

TEST(BabOutboardTest, DigestIsWilliam3AndPairsArePostOrder) {
  for (std::size_t len : {0, 1, 1023, 1024, 1025, 2048, 2049, 3073, 5000, 33 * 1024, 65537}) {
    Bytes p = random_bytes(len, len);
    auto ob = bab_outboard(p);
    ASSERT_TRUE(ob.is_ok());
    EXPECT_EQ(ob->digest, william3(p)) << len;
    check_outboard(william3_bab(), p);
  }
  ConventionalBab small(3);
  for (std::size_t len = 0; len < 300; len += 7) check_outboard(small, random_bytes(len, len));
}

TEST(BabOutboardTest, BuilderInPiecesMatchesOneShot) {
  Bytes p = random_bytes(300 * 1024 + 17, 5);
  auto whole = bab_outboard(p);
  ASSERT_TRUE(whole.is_ok());
  std::mt19937_64 rng(9);
  for (int trial = 0; trial < 5; ++trial) {
    Bytes out;
    BabOutboardBuilder b(append_to(out));
    std::size_t pos = 0;
    while (pos < p.size()) {
      std::size_t n = std::min<std::size_t>(rng() % (trial == 0 ? 3 : 70000), p.size() - pos);
      ASSERT_TRUE(b.update(ByteView(p).subspan(pos, n)).is_ok());
      pos += n;
    }
    auto d = b.finish();
    ASSERT_TRUE(d.is_ok());
    EXPECT_EQ(*d, whole->digest);
    EXPECT_EQ(out, whole->pairs);
  }
}

struct Kind {
  bool light;
  unsigned k;
};
const Kind kKinds[] = {{false, 0}, {true, 0},  {false, 1}, {true, 1},  {false, 2},
                       {true, 2},  {false, 3}, {true, 3},  {true, 64}, {false, 70}};

// Produces the stream for `opts`, verifies it in random pieces, and checks the released
// bytes are exactly the requested ones.
void round_trip(const BabHash& h, ByteView payload, const BabOutboard& ob, BabStreamOptions opts,
                std::uint64_t seed) {
  auto stream = bab_stream(opts, payload, ob, h);
  ASSERT_TRUE(stream.is_ok()) << stream.status().to_string();
  BabGeometry g(payload.size(), h.chunk_size());
  ByteView want = payload;
  if (opts.slice) {
    BabNode s{opts.slice->first_chunk, opts.slice->chunk_count};
    want =
        opts.slice->chunk_count == 0 ? ByteView{} : payload.subspan(g.byte_begin(s), g.byte_len(s));
  }
  auto v = BabVerifier::create(ob.digest, opts, payload.size(), h);
  ASSERT_TRUE(v.is_ok());
  v->set_known_labels(
      [&](BabNode n) -> std::optional<BabLabel> { return node_label(h, payload, n); });
  auto run = run_verifier(std::move(*v), *stream, seed);
  ASSERT_TRUE(run.status.is_ok()) << run.status.to_string() << " len=" << payload.size()
                                  << " light=" << opts.light << " k=" << opts.k;
  EXPECT_TRUE(std::equal(run.released.begin(), run.released.end(), want.begin(), want.end()));
  EXPECT_EQ(run.prefix, want.size());
}

TEST(BabStreamTest, WholeStreamsRoundTrip) {
  std::mt19937_64 rng(1);
  std::vector<std::size_t> lens = {0,    1,    1023, 1024,          1025,
                                   2048, 2049, 3073, 64 * 1024 + 1, (1 << 20) + 7};
  for (int i = 0; i < 6; ++i) lens.push_back(rng() % 200000);
  for (std::size_t len : lens) {
    Bytes p = random_bytes(len, len + 1);
    auto ob = bab_outboard(p);
    ASSERT_TRUE(ob.is_ok());
    for (const Kind& kind : kKinds) {
      for (bool prefix : {true, false}) {
        BabStreamOptions o;
        o.light = kind.light;
        o.k = kind.k;
        o.length_prefix = prefix;
        round_trip(william3_bab(), p, *ob, o, rng());
      }
    }
  }
}

TEST(BabStreamTest, SlicesRoundTrip) {
  std::mt19937_64 rng(2);
  for (std::size_t len : {0, 1, 1025, 2049, 3073, 10000, 100000}) {
    Bytes p = random_bytes(len, len + 2);
    auto ob = bab_outboard(p);
    ASSERT_TRUE(ob.is_ok());
    BabGeometry g(len, 1024);
    for (int t = 0; t < 12; ++t) {
      BabSlice s;
      s.first_chunk = rng() % (g.num_chunks() + 1);
      s.chunk_count = rng() % (g.num_chunks() - s.first_chunk + 1);
      for (const Kind& kind : kKinds) {
        BabStreamOptions o;
        o.light = kind.light;
        o.k = kind.k;
        o.slice = s;
        o.left_skip = t % 3 == 0 ? static_cast<unsigned>(rng() % 5) : 0;
        o.right_skip = t % 4 == 0 ? static_cast<unsigned>(rng() % 5) : 0;
        round_trip(william3_bab(), p, *ob, o, rng());
      }
    }
  }
}

// Small chunks: deep trees and every slice of every short payload.
TEST(BabStreamTest, AllSlicesOfSmallTrees) {
  ConventionalBab h(2);
  std::mt19937_64 rng(3);
  for (std::size_t len : {0, 1, 2, 3, 5, 11, 16, 17, 33}) {
    Bytes p = random_bytes(len, len + 3);
    auto ob = bab_outboard(p, h);
    ASSERT_TRUE(ob.is_ok());
    BabGeometry g(len, 2);
    for (std::uint64_t a = 0; a <= g.num_chunks(); ++a) {
      for (std::uint64_t b = a; b <= g.num_chunks(); ++b) {
        for (const Kind& kind : kKinds) {
          for (unsigned skip : {0u, 1u, 2u, 4u}) {
            BabStreamOptions o;
            o.light = kind.light;
            o.k = kind.k;
            o.slice = BabSlice{a, b - a};
            o.left_skip = skip;
            o.right_skip = (skip * 3) % 5;
            round_trip(h, p, *ob, o, rng());
          }
        }
      }
    }
  }
}

TEST(BabStreamTest, SliceOutOfRangeRejected) {
  Bytes p = random_bytes(3000, 1);
  auto ob = bab_outboard(p);
  BabStreamOptions o;
  o.slice = BabSlice{2, 2};
  EXPECT_FALSE(bab_stream(o, p, *ob).is_ok());
  o.slice = BabSlice{4, 0};
  EXPECT_FALSE(bab_stream(o, p, *ob).is_ok());
  o.slice = BabSlice{1, UINT64_MAX};
  EXPECT_FALSE(bab_stream(o, p, *ob).is_ok());
  EXPECT_FALSE(BabVerifier::create(ob->digest, o, 3000).is_ok());
}

TEST(BabStreamTest, StreamSizes) {
  // The length prefix, then chunks plus 2 labels per inner node (baseline), or every right
  // label and the left labels of leaves (light), or no labels at all (one group).
  Bytes p = random_bytes(1 << 20, 4);
  auto ob = bab_outboard(p);
  BabStreamOptions o;
  EXPECT_EQ(bab_stream(o, p, *ob)->size(), 8 + p.size() + 64 * 1023);
  o.light = true;
  EXPECT_EQ(bab_stream(o, p, *ob)->size(), 8 + p.size() + 32 * (1023 + 512));
  o.k = 64;
  EXPECT_EQ(bab_stream(o, p, *ob)->size(), 8 + p.size());
}

TEST(BabLengthProofTest, RoundTripAndTampering) {
  for (std::size_t len : {0, 1, 1000, 1024, 1025, 4096, 100000}) {
    Bytes p = random_bytes(len, len + 9);
    auto ob = bab_outboard(p);
    BytesReader pr(p), orr(ob->pairs);
    auto proof = bab_make_length_proof(len, pr, orr);
    ASSERT_TRUE(proof.is_ok());
    EXPECT_EQ(proof->size(), len <= 1024 ? len : 64u);
    EXPECT_TRUE(bab_check_length_proof(ob->digest, len, *proof).is_ok());
    for (std::uint64_t wrong : {std::uint64_t{0}, std::uint64_t{len + 1},
                                std::uint64_t{len == 0 ? 5 : len - 1}, std::uint64_t{UINT64_MAX}}) {
      if (wrong == len) continue;
      EXPECT_FALSE(bab_check_length_proof(ob->digest, wrong, *proof).is_ok())
          << len << " " << wrong;
    }
    for (std::size_t bit = 0; bit < proof->size() * 8; bit += 7) {
      Bytes bad = *proof;
      bad[bit / 8] ^= static_cast<std::uint8_t>(1 << (bit % 8));
      EXPECT_FALSE(bab_check_length_proof(ob->digest, len, bad).is_ok());
    }
    Bytes longer = *proof;
    longer.push_back(0);
    EXPECT_FALSE(bab_check_length_proof(ob->digest, len, longer).is_ok());
    BabLabel other = ob->digest;
    other[3] ^= 1;
    EXPECT_FALSE(bab_check_length_proof(other, len, *proof).is_ok());
  }
}

}  // namespace
}  // namespace osier::crypto
