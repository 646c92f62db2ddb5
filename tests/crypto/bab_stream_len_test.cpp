// BabLayout::stream_len (issue #10: a drop claiming a slice of 2^40 chunks kept `drop import`
// busy for minutes while its stream length was summed item by item): the closed form equals
// the walked sum for every kind of stream, and costs O(depth^2) for any size.
#include <gtest/gtest.h>

#include <random>

#include "osier/crypto/bab_stream.hpp"
#include "osier/crypto/bab_tree.hpp"
#include "osier/crypto/william3.hpp"

namespace osier::crypto {
namespace {

// The reference: every item of the stream, as the producer and the verifier see them.
std::uint64_t walked_len(const BabGeometry& geo, const BabLayout& layout) {
  BabStreamWalker walker(geo, layout);
  BabStreamItem item;
  std::uint64_t total = 0;
  while (walker.next(item)) {
    if (item.kind == BabStreamItem::kGroup) {
      total += layout.group_stream_len(geo, item.node, item.depth);
    } else {
      total += (item.left == BabLabelMode::kSent ? 32 : 0) +
               (item.right == BabLabelMode::kSent ? 32 : 0);
    }
  }
  return total;
}

TEST(BabStreamLen, EqualsTheWalkedLengthForManyStreams) {
  std::mt19937_64 rng(7);
  const BabHash& hash = william3_bab();
  int checked = 0;
  for (std::uint64_t length :
       {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{1024}, std::uint64_t{1025},
        std::uint64_t{4096}, std::uint64_t{100000}, std::uint64_t{1} << 20,
        (std::uint64_t{1} << 20) + 17, std::uint64_t{3333333}}) {
    const std::uint64_t chunks = length == 0 ? 1 : (length + 1023) / 1024;
    for (int trial = 0; trial < 40; ++trial) {
      BabStreamOptions opts;
      opts.light = rng() % 2 == 0;
      opts.k = static_cast<unsigned>(rng() % 9);
      if (rng() % 5 == 0) opts.k = 64;
      if (trial > 0) {
        const std::uint64_t first = rng() % chunks;
        const std::uint64_t count = 1 + rng() % (chunks - first);
        opts.slice = BabSlice{first, count};
        opts.left_skip = static_cast<unsigned>(rng() % 4);
        opts.right_skip = static_cast<unsigned>(rng() % 4);
      }
      Result<BabLayout> layout = bab_layout(opts, length, hash);
      if (!layout) continue;  // skips that do not fit this slice
      const BabGeometry geo(length, hash.chunk_size());
      EXPECT_EQ(layout->stream_len(geo), walked_len(geo, *layout))
          << "length " << length << " light " << opts.light << " k " << opts.k << " slice "
          << (opts.slice ? opts.slice->first_chunk : 0) << "+"
          << (opts.slice ? opts.slice->chunk_count : 0) << " skips " << opts.left_skip << "/"
          << opts.right_skip;
      ++checked;
    }
  }
  EXPECT_GT(checked, 200);
}

// A payload of 2^62 bytes and a slice of 2^40 chunks: the walk would visit 2^34 groups; the
// closed form visits O(depth^2) nodes, so this test simply finishes.
TEST(BabStreamLen, AHugeClaimedSliceCostsNothing) {
  const std::uint64_t length = std::uint64_t{1} << 62;
  const BabGeometry geo(length, 1024);
  for (bool light : {false, true}) {
    BabStreamOptions opts;
    opts.light = light;
    opts.k = 6;  // the drops' 64-grouped streams
    opts.slice = BabSlice{12345, std::uint64_t{1} << 40};
    const BabLayout layout = bab_layout(opts, length, william3_bab()).value();
    const std::uint64_t len = layout.stream_len(geo);
    EXPECT_GT(len, std::uint64_t{1} << 50);  // at least the slice's bytes
  }
}

}  // namespace
}  // namespace osier::crypto
