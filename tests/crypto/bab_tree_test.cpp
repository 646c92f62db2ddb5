// The spec's hello_world figures (chunk_size 2): which labels and chunks each stream holds,
// in which order. spec: bab#fig_stream, bab#fig_stream_slice, bab#fig_ex_light,
// bab#fig_ex_kgrouped, bab#fig_slice_light, bab#fig_slice_grouped, bab#fig_stream_slice_skip
#include "osier/crypto/bab_tree.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "osier/base/io.hpp"
#include "osier/crypto/bab_outboard.hpp"
#include "osier/crypto/bab_stream.hpp"

namespace osier::crypto {
namespace {

using Tokens = std::vector<std::string>;

// Vertex numbers in depth-first order, left first, the root being 1 (spec: bab#tree).
void number_vertices(BabNode n, int& next,
                     std::map<std::pair<std::uint64_t, std::uint64_t>, int>& out) {
  out[{n.first_chunk, n.chunk_count}] = next++;
  if (n.is_leaf()) return;
  number_vertices(BabGeometry::left_child(n), next, out);
  number_vertices(BabGeometry::right_child(n), next, out);
}

// An outboard whose label of vertex N is 0xff N 0 0 ..., so the stream can be read back as
// vertex numbers and chunk text.
struct FigureTree {
  BabGeometry geo{11, 2};
  std::string payload = "hello_world";
  Bytes outboard;
  FigureTree() {
    std::map<std::pair<std::uint64_t, std::uint64_t>, int> num;
    int next = 1;
    number_vertices(geo.root(), next, num);
    outboard.assign(64 * (geo.num_chunks() - 1), 0);
    for (auto& [key, n] : num) {
      BabNode node{key.first, key.second};
      if (node.is_leaf()) continue;
      std::uint64_t at = geo.pair_index_of(node) * 64;
      BabNode kids[2] = {BabGeometry::left_child(node), BabGeometry::right_child(node)};
      for (int i = 0; i < 2; ++i) {
        outboard[at + 32 * i] = 0xff;
        outboard[at + 32 * i + 1] =
            static_cast<std::uint8_t>(num[{kids[i].first_chunk, kids[i].chunk_count}]);
      }
    }
  }

  Tokens render(const BabLayout& layout, bool prefix) const {
    Bytes stream;
    BytesReader pr(as_bytes(payload)), orr(outboard);
    EXPECT_TRUE(bab_produce_layout(geo, layout, prefix, pr, orr, append_to(stream)).is_ok());
    Tokens out;
    std::size_t pos = 0;
    if (prefix) {
      out.push_back(std::to_string(get_be(ByteView(stream).first(8))));
      pos = 8;
    }
    std::uint64_t payload_pos = layout.slice_begin * 2;
    while (pos < stream.size()) {
      if (stream[pos] == 0xff) {
        out.push_back("lbl" + std::to_string(stream[pos + 1]));
        pos += 32;
      } else {
        // Payload bytes come in slice order; split them at chunk boundaries.
        std::size_t n = std::min<std::size_t>(2 - payload_pos % 2, stream.size() - pos);
        if (payload_pos + n > payload.size()) n = payload.size() - payload_pos;
        out.emplace_back(reinterpret_cast<const char*>(stream.data() + pos), n);
        pos += n;
        payload_pos += n;
      }
    }
    return out;
  }
};

BabLayout layout(unsigned k, std::uint64_t period, std::uint64_t begin, std::uint64_t end,
                 unsigned left_skip = 0, unsigned right_skip = 0) {
  BabLayout l;
  l.k = k;
  l.light_period = period;
  l.slice_begin = begin;
  l.slice_end = end;
  l.left_skip = left_skip;
  l.right_skip = right_skip;
  return l;
}

// The figures' light streams match a width of 1 (see docs/formats.md): period
// ceil(2^k * 2 / 1) + 1.
constexpr std::uint64_t kLightPeriodK0 = 3;
constexpr std::uint64_t kLightPeriodK1 = 5;

TEST(BabTreeTest, LightPeriodFromChunkSizeAndWidth) {
  EXPECT_EQ(bab_light_period(2, 1, 0), kLightPeriodK0);
  EXPECT_EQ(bab_light_period(2, 1, 1), kLightPeriodK1);
  EXPECT_EQ(bab_light_period(1024, 32, 0), 33u);
  EXPECT_EQ(bab_light_period(1024, 32, 3), 257u);
  EXPECT_EQ(bab_light_period(1024, 32, 64), UINT64_MAX);
  EXPECT_EQ(bab_light_period(1024, 32, 60), UINT64_MAX);
}

TEST(BabTreeTest, BaselineStreamFigure) {
  FigureTree t;
  EXPECT_EQ(t.render(layout(0, 1, 0, 6), true),
            (Tokens{"11", "lbl2", "lbl9", "lbl3", "lbl6", "lbl4", "lbl5", "he", "ll", "lbl7",
                    "lbl8", "o_", "wo", "lbl10", "lbl11", "rl", "d"}));
}

TEST(BabTreeTest, BaselineSliceFigure) {
  FigureTree t;
  EXPECT_EQ(
      t.render(layout(0, 1, 2, 5), false),
      (Tokens{"lbl2", "lbl9", "lbl3", "lbl6", "lbl7", "lbl8", "o_", "wo", "lbl10", "lbl11", "rl"}));
}

TEST(BabTreeTest, LightStreamFigure) {
  FigureTree t;
  EXPECT_EQ(t.render(layout(0, kLightPeriodK0, 0, 6), true),
            (Tokens{"11", "lbl9", "lbl6", "lbl4", "lbl5", "he", "ll", "lbl7", "lbl8", "o_", "wo",
                    "lbl10", "lbl11", "rl", "d"}));
}

TEST(BabTreeTest, OneGroupedLightStreamFigure) {
  FigureTree t;
  EXPECT_EQ(t.render(layout(1, kLightPeriodK1, 0, 6), true),
            (Tokens{"11", "lbl9", "lbl3", "lbl6", "he", "ll", "o_", "wo", "rl", "d"}));
}

TEST(BabTreeTest, LightSliceFigure) {
  FigureTree t;
  EXPECT_EQ(t.render(layout(0, kLightPeriodK0, 2, 5), false),
            (Tokens{"lbl9", "lbl3", "lbl6", "lbl7", "lbl8", "o_", "wo", "lbl10", "lbl11", "rl"}));
}

TEST(BabTreeTest, OneGroupedLightSliceFigure) {
  FigureTree t;
  EXPECT_EQ(t.render(layout(1, kLightPeriodK1, 2, 5), false),
            (Tokens{"lbl9", "lbl3", "lbl6", "o_", "wo", "lbl11", "rl"}));
}

TEST(BabTreeTest, SliceSkipFigure) {
  FigureTree t;
  EXPECT_EQ(t.render(layout(0, 1, 2, 5, 2, 2), false), (Tokens{"lbl7", "lbl8", "o_", "wo", "rl"}));
}

TEST(BabTreeTest, KGroupedBaselineAndWholeGroup) {
  FigureTree t;
  // k = 1 baseline keeps lbl2 (the light stream's omitted left label).
  EXPECT_EQ(t.render(layout(1, 1, 0, 6), true),
            (Tokens{"11", "lbl2", "lbl9", "lbl3", "lbl6", "he", "ll", "o_", "wo", "rl", "d"}));
  // k = 64: one group, so only the chunks (and, for a slice, the labels off its paths).
  EXPECT_EQ(t.render(layout(64, 1, 0, 6), false), (Tokens{"he", "ll", "o_", "wo", "rl", "d"}));
  EXPECT_EQ(t.render(layout(64, 1, 2, 5), false), (Tokens{"lbl3", "o_", "wo", "lbl11", "rl"}));
}

TEST(BabTreeTest, GeometryBasics) {
  BabGeometry g(0, 1024);
  EXPECT_EQ(g.num_chunks(), 1u);
  EXPECT_EQ(g.byte_len(g.root()), 0u);
  BabGeometry h(UINT64_MAX, 1);
  EXPECT_EQ(h.num_chunks(), UINT64_MAX);
  EXPECT_EQ(h.byte_len(h.root()), UINT64_MAX);
  EXPECT_EQ(BabGeometry::layer(h.root()), 64u);
  BabGeometry big(UINT64_MAX, 1024);
  EXPECT_EQ(big.byte_end(big.root()), UINT64_MAX);
  EXPECT_EQ(BabGeometry::layer({0, 6}), 3u);
  EXPECT_EQ(BabGeometry::layer({4, 2}), 1u);
  EXPECT_EQ(BabGeometry::layer({5, 1}), 0u);
}

// Post-order indices from pair_index_of agree with a direct post-order enumeration.
void post_order(BabNode n, std::vector<BabNode>& out) {
  if (n.is_leaf()) return;
  post_order(BabGeometry::left_child(n), out);
  post_order(BabGeometry::right_child(n), out);
  out.push_back(n);
}

TEST(BabTreeTest, PairIndexIsPostOrder) {
  for (std::uint64_t chunks = 1; chunks < 70; ++chunks) {
    BabGeometry g(chunks * 3, 3);
    std::vector<BabNode> order;
    post_order(g.root(), order);
    ASSERT_EQ(order.size(), chunks - 1);
    for (std::size_t i = 0; i < order.size(); ++i) EXPECT_EQ(g.pair_index_of(order[i]), i);
  }
}

TEST(BabTreeTest, WalkerVisitsOnlySliceNodes) {
  BabGeometry g(1000, 1);
  BabLayout l = layout(0, 1, 300, 301);
  BabStreamWalker w(g, l);
  BabStreamItem item;
  int items = 0;
  while (w.next(item)) {
    EXPECT_TRUE(l.in_slice(item.node));
    ++items;
  }
  EXPECT_EQ(items, 11);  // 10 inner nodes on the path, then the chunk's group
  BabStreamWalker empty(g, layout(0, 1, 5, 5));
  EXPECT_FALSE(empty.next(item));
}

}  // namespace
}  // namespace osier::crypto
