// The verifier against hostile streams: every flipped bit, every truncation, extra bytes,
// wrong digests and lengths. It must fail and never release a byte it has not verified.
#include "crypto/bab_verifier.hpp"

#include <gtest/gtest.h>

#include "bab_test_util.hpp"
#include "osier/crypto/bab_outboard.hpp"
#include "osier/crypto/bab_stream.hpp"
#include "support/sanitizers.hpp"

namespace osier::crypto {
namespace {

using testing::random_bytes;
using testing::run_verifier;

struct Case {
  const BabHash* hash;
  Bytes payload;
  BabOutboard outboard;
  BabStreamOptions opts;
  Bytes stream;
  ByteView want;  // the bytes the stream carries

  Case(const BabHash& h, std::size_t len, BabStreamOptions o) : hash(&h), opts(o) {
    payload = random_bytes(len, len * 31 + o.k);
    outboard = *bab_outboard(payload, h);
    stream = *bab_stream(opts, payload, outboard, h);
    want = payload;
    if (opts.slice) {
      BabGeometry g(len, h.chunk_size());
      BabNode s{opts.slice->first_chunk, opts.slice->chunk_count};
      want = s.chunk_count == 0 ? ByteView{}
                                : ByteView(payload).subspan(g.byte_begin(s), g.byte_len(s));
    }
  }

  BabVerifier verifier(const BabLabel& digest) const {
    auto v = BabVerifier::create(digest, opts, payload.size(), *hash);
    EXPECT_TRUE(v.is_ok());
    return std::move(*v);
  }
  BabVerifier verifier() const { return verifier(outboard.digest); }

  bool is_prefix_of_want(const Bytes& released) const {
    return released.size() <= want.size() &&
           std::equal(released.begin(), released.end(), want.begin());
  }

  // Verified bytes after the first `p` stream bytes: every group wholly received.
  std::uint64_t expected_prefix(std::size_t p) const {
    auto layout = *bab_layout(opts, payload.size(), *hash);
    BabGeometry g(payload.size(), hash->chunk_size());
    BabStreamWalker w(g, layout);
    std::uint64_t pos = opts.has_length_prefix() ? 8 : 0, verified = 0;
    if (pos > p) return 0;
    BabStreamItem item;
    while (w.next(item)) {
      if (item.kind == BabStreamItem::kChildren) {
        pos += (item.left == BabLabelMode::kSent ? 32 : 0) +
               (item.right == BabLabelMode::kSent ? 32 : 0);
        continue;
      }
      pos += layout.group_stream_len(g, item.node, item.depth);
      if (pos > p) break;
      std::uint64_t a = std::max(item.node.first_chunk, layout.slice_begin);
      std::uint64_t b = std::min(item.node.end_chunk(), layout.slice_end);
      verified += g.byte_len(BabNode{a, b - a});
    }
    return verified;
  }
};

std::vector<BabStreamOptions> option_set(bool slices, std::uint64_t chunks) {
  std::vector<BabStreamOptions> out;
  for (auto [light, k] :
       {std::pair{false, 0u}, {true, 0u}, {false, 1u}, {true, 1u}, {true, 2u}, {false, 64u}}) {
    BabStreamOptions o;
    o.light = light;
    o.k = k;
    out.push_back(o);
    if (slices && chunks >= 3) {
      o.slice = BabSlice{1, chunks - 2};
      out.push_back(o);
      o.slice = BabSlice{chunks - 1, 1};
      out.push_back(o);
    }
  }
  return out;
}

const std::size_t kLens[] = {0, 1, 1023, 1024, 1025, 2048, 2049, 3073};

TEST(BabVerifierTest, EveryBitFlipIsRejected) {
  // Under a sanitizer, every third bit (two or three in each byte, each bit in turn).
  const std::size_t step = osier::testing::kUnderSanitizer ? 3 : 1;
  for (std::size_t len : kLens) {
    for (const BabStreamOptions& o : option_set(true, (len + 1023) / 1024)) {
      Case c(william3_bab(), len, o);
      for (std::size_t bit = 0; bit < c.stream.size() * 8; bit += step) {
        Bytes bad = c.stream;
        bad[bit / 8] ^= static_cast<std::uint8_t>(1 << (bit % 8));
        Bytes released;
        BabVerifier v = c.verifier();
        auto rel = [&](ByteView b) { append(released, b); };
        Status st = v.feed(bad, rel);
        if (st.is_ok()) st = v.finish(rel);
        ASSERT_FALSE(st.is_ok()) << "len " << len << " bit " << bit;
        ASSERT_TRUE(c.is_prefix_of_want(released)) << "len " << len << " bit " << bit;
        ASSERT_EQ(v.verified_prefix_length(), released.size());
      }
    }
  }
}

// Deep trees with tiny chunks: every bit of every stream kind and slice.
TEST(BabVerifierTest, EveryBitFlipIsRejectedSmallChunks) {
  ConventionalBab h(2);
  for (std::size_t len : {0, 1, 2, 3, 9, 16, 23}) {
    std::uint64_t chunks = len == 0 ? 1 : (len + 1) / 2;
    for (const BabStreamOptions& o : option_set(true, chunks)) {
      Case c(h, len, o);
      for (std::size_t bit = 0; bit < c.stream.size() * 8; ++bit) {
        Bytes bad = c.stream;
        bad[bit / 8] ^= static_cast<std::uint8_t>(1 << (bit % 8));
        auto run = run_verifier(c.verifier(), bad, bit);
        ASSERT_FALSE(run.status.is_ok()) << "len " << len << " bit " << bit;
        ASSERT_TRUE(c.is_prefix_of_want(run.released));
      }
    }
  }
}

TEST(BabVerifierTest, TruncationReportsVerifiedPrefix) {
  for (std::size_t len : {0, 1, 1025, 3073, 5000}) {
    for (const BabStreamOptions& o : option_set(true, (len + 1023) / 1024)) {
      Case c(william3_bab(), len, o);
      for (std::size_t p = 0; p <= c.stream.size(); p += (p % 97 == 0 ? 1 : 13)) {
        auto run =
            run_verifier(c.verifier(), ByteView(c.stream).first(std::min(p, c.stream.size())), p);
        std::size_t cut = std::min(p, c.stream.size());
        if (cut < c.stream.size()) {
          EXPECT_EQ(run.status.code(), ErrorCode::kIncomplete) << len << " " << cut;
        } else {
          EXPECT_TRUE(run.status.is_ok());
        }
        EXPECT_EQ(run.prefix, c.expected_prefix(cut)) << "len " << len << " cut " << cut;
        EXPECT_TRUE(c.is_prefix_of_want(run.released));
        EXPECT_EQ(run.released.size(), run.prefix);
      }
    }
  }
}

TEST(BabVerifierTest, TruncationEveryPositionSmallChunks) {
  ConventionalBab h(2);
  for (std::size_t len : {0, 5, 16, 23}) {
    std::uint64_t chunks = len == 0 ? 1 : (len + 1) / 2;
    for (const BabStreamOptions& o : option_set(true, chunks)) {
      Case c(h, len, o);
      for (std::size_t cut = 0; cut <= c.stream.size(); ++cut) {
        auto run = run_verifier(c.verifier(), ByteView(c.stream).first(cut), cut);
        EXPECT_EQ(run.status.is_ok(), cut == c.stream.size());
        EXPECT_EQ(run.prefix, c.expected_prefix(cut)) << "len " << len << " cut " << cut;
      }
    }
  }
}

TEST(BabVerifierTest, ExtraBytesRejected) {
  for (std::size_t len : kLens) {
    for (const BabStreamOptions& o : option_set(true, (len + 1023) / 1024)) {
      Case c(william3_bab(), len, o);
      for (std::size_t extra : {1, 32, 1024}) {
        Bytes longer = c.stream;
        longer.resize(longer.size() + extra, 0);
        auto run = run_verifier(c.verifier(), longer, extra + len);
        EXPECT_EQ(run.status.code(), ErrorCode::kInvalidEncoding);
        EXPECT_TRUE(c.is_prefix_of_want(run.released));
      }
      // Bytes fed after a successful finish are refused too.
      BabVerifier v = c.verifier();
      ASSERT_TRUE(v.feed(c.stream, {}).is_ok());
      ASSERT_TRUE(v.finish().is_ok());
      Bytes one{0};
      EXPECT_FALSE(v.feed(one, {}).is_ok());
    }
  }
}

TEST(BabVerifierTest, WrongDigestRejectedBeforeAnyRelease) {
  for (std::size_t len : kLens) {
    for (const BabStreamOptions& o : option_set(false, 0)) {
      Case c(william3_bab(), len, o);
      BabLabel wrong = c.outboard.digest;
      wrong[31] ^= 0x80;
      auto run = run_verifier(c.verifier(wrong), c.stream, len);
      EXPECT_EQ(run.status.code(), ErrorCode::kVerification);
      EXPECT_TRUE(run.released.empty());
    }
  }
}

TEST(BabVerifierTest, WrongLengthRejected) {
  for (std::size_t len : kLens) {
    BabStreamOptions o;
    o.length_prefix = false;
    o.light = true;
    Case c(william3_bab(), len, o);
    for (std::uint64_t wrong : {std::uint64_t{len + 1}, std::uint64_t{len ? len - 1 : 7},
                                std::uint64_t{len + 1024}, std::uint64_t{UINT64_MAX}}) {
      auto v = BabVerifier::create(c.outboard.digest, o, wrong);
      ASSERT_TRUE(v.is_ok());
      auto run = run_verifier(std::move(*v), c.stream, wrong);
      EXPECT_FALSE(run.status.is_ok()) << len << " " << wrong;
      EXPECT_TRUE(c.is_prefix_of_want(run.released));
    }
  }
}

TEST(BabVerifierTest, GroupLargerThanLimitRefused) {
  BabStreamOptions o;
  o.k = 64;
  Case c(william3_bab(), 5000, o);
  auto v = BabVerifier::create(c.outboard.digest, o, 5000, william3_bab(), 4096);
  ASSERT_TRUE(v.is_ok());
  auto run = run_verifier(std::move(*v), c.stream, 1);
  EXPECT_EQ(run.status.code(), ErrorCode::kOutOfRange);
  // A hostile length prefix cannot make the verifier reserve more than the limit.
  Bytes hostile;
  put_be(hostile, UINT64_MAX, 8);
  hostile.resize(5000, 0x5a);
  auto v2 = BabVerifier::create(c.outboard.digest, o, std::nullopt);
  ASSERT_TRUE(v2.is_ok());
  EXPECT_EQ(run_verifier(std::move(*v2), hostile, 2).status.code(), ErrorCode::kOutOfRange);
}

TEST(BabVerifierTest, HostileLengthPrefixes) {
  Case c(william3_bab(), 3000, BabStreamOptions{});
  for (std::uint64_t claimed :
       {std::uint64_t{0}, std::uint64_t{1} << 40, UINT64_MAX, UINT64_MAX - 1023}) {
    for (bool light : {false, true}) {
      BabStreamOptions o;
      o.light = light;
      Bytes s;
      put_be(s, claimed, 8);
      append(s, ByteView(c.stream).subspan(8));
      auto v = BabVerifier::create(c.outboard.digest, o, std::nullopt);
      auto run = run_verifier(std::move(*v), s, claimed);
      EXPECT_FALSE(run.status.is_ok());
      EXPECT_TRUE(run.released.empty());
    }
  }
}

TEST(BabVerifierTest, ReleasesAsSoonAsVerified) {
  // Light stream fed byte by byte: each chunk comes out as its last byte arrives.
  BabStreamOptions o;
  o.light = true;
  Case c(william3_bab(), 4 * 1024 + 10, o);
  BabVerifier v = c.verifier();
  std::uint64_t released = 0;
  for (std::size_t i = 0; i < c.stream.size(); ++i) {
    ASSERT_TRUE(v.feed(ByteView(c.stream).subspan(i, 1), [&](ByteView b) {
                   released += b.size();
                 }).is_ok());
    EXPECT_EQ(released, c.expected_prefix(i + 1));
  }
  EXPECT_TRUE(v.finish().is_ok());
  EXPECT_EQ(released, c.payload.size());
  EXPECT_EQ(v.length(), c.payload.size());
}

TEST(BabVerifierTest, LengthPrefixIsVerified) {
  Case c(william3_bab(), 5000, BabStreamOptions{});
  BabVerifier v = c.verifier();
  ASSERT_TRUE(v.feed(ByteView(c.stream).first(8), {}).is_ok());
  EXPECT_FALSE(v.length().has_value());  // read, not yet checked
  ASSERT_TRUE(v.feed(ByteView(c.stream).subspan(8, 64), {}).is_ok());
  EXPECT_EQ(v.length(), 5000u);
}

TEST(BabVerifierTest, MissingKnownLabelFails) {
  Bytes p = random_bytes(5000, 1);
  auto ob = bab_outboard(p);
  BabStreamOptions o;
  o.slice = BabSlice{1, 2};
  o.left_skip = 1;
  auto s = bab_stream(o, p, *ob);
  auto v = BabVerifier::create(ob->digest, o, p.size());
  auto run = run_verifier(std::move(*v), *s, 1);
  EXPECT_EQ(run.status.code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace osier::crypto
