#include "osier/crypto/bab_tree.hpp"

#include <limits>

namespace osier::crypto {

namespace {
constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();

}  // namespace

std::uint64_t BabGeometry::pair_index_of(BabNode n) const {
  BabNode cur = root();
  std::uint64_t base = 0;
  while (cur.chunk_count > n.chunk_count) {
    BabNode r = right_child(cur);
    if (n.first_chunk >= r.first_chunk) {
      base = right_base(cur, base);
      cur = r;
    } else {
      cur = left_child(cur);
    }
  }
  return pair_index(cur, base);
}

unsigned bab_max_left_skip(const BabGeometry& geo, unsigned k, std::uint64_t prev_end,
                           std::uint64_t first) {
  BabLayout layout;
  layout.k = k;
  unsigned skip = 0;
  for (BabNode n = geo.root(); !layout.is_grouped(n) && n.first_chunk < prev_end; ++skip) {
    const BabNode right = BabGeometry::right_child(n);
    n = first < right.first_chunk ? BabGeometry::left_child(n) : right;
  }
  return skip;
}

std::uint64_t bab_light_period(std::uint64_t chunk_size, std::uint64_t width, unsigned k) {
  // spec: bab#kgrouped — layer k is kept, then ceil(2^k * chunk_size / width) layers are
  // skipped, then the next layer is kept again (docs/formats.md says why this reading).
  if (k >= 64 || chunk_size > (kMax >> k)) return kMax;
  std::uint64_t group_bytes = chunk_size << k;
  std::uint64_t skipped = group_bytes / width + (group_bytes % width != 0 ? 1 : 0);
  return skipped == kMax ? kMax : skipped + 1;
}

std::uint64_t BabLayout::group_stream_len(const BabGeometry& geo, BabNode g, unsigned depth) const {
  if (fully_in_slice(g)) return geo.byte_len(g);
  // Only nodes on the slice's two boundary paths get here, so the recursion is shallow.
  BabLabelMode lm, rm;
  child_modes(g, depth, true, lm, rm);
  BabNode l = BabGeometry::left_child(g), r = BabGeometry::right_child(g);
  std::uint64_t total = 0;
  if (lm == BabLabelMode::kSent) total += 32;
  if (rm == BabLabelMode::kSent) total += 32;
  if (in_slice(l)) total += group_stream_len(geo, l, depth + 1);
  if (in_slice(r)) total += group_stream_len(geo, r, depth + 1);
  return total;
}

std::uint64_t BabLayout::inner_labels_len(std::uint64_t count) const {
  // Left subtrees are complete (2^j chunks): their sums depend on j only, so the recursion runs
  // down the right spine (at most 64 steps), each step summing one complete left subtree by
  // the loop over its levels.
  std::uint64_t total = 0;
  while (!is_grouped(BabNode{0, count})) {
    const std::uint64_t left = BabGeometry::left_child_chunks(count);
    const unsigned left_layer = BabGeometry::layer(BabNode{0, left});
    // This node: the right label, and the left one if the light period keeps its layer.
    total += 32 + ((light_period == 1 || (left_layer - k) % light_period == 0) ? 32 : 0);
    // The complete left subtree: 2^(h-1-i) inner nodes at height h - i, for the heights whose
    // nodes are ungrouped (above layer k); each sends its right label and maybe its left one.
    for (unsigned h = left_layer; h > k && h > 0; --h) {
      const std::uint64_t nodes = std::uint64_t{1} << (left_layer - h);
      const unsigned child_layer = h - 1;
      const bool keep = light_period == 1 || (child_layer - k) % light_period == 0;
      total += nodes * (32 + (keep ? 32 : 0));
    }
    count -= left;
  }
  return total;
}

std::uint64_t BabLayout::node_stream_len(const BabGeometry& geo, BabNode n, unsigned depth) const {
  if (is_grouped(n)) return group_stream_len(geo, n, depth);
  auto contains = [&](std::uint64_t c) { return n.first_chunk <= c && c < n.end_chunk(); };
  const bool skips_below = (depth < left_skip && contains(slice_begin)) ||
                           (depth < right_skip && contains(slice_end - 1));
  if (fully_in_slice(n) && !skips_below) return geo.byte_len(n) + inner_labels_len(n.chunk_count);
  // On a boundary path (O(depth) such nodes): as the walker does.
  BabLabelMode lm, rm;
  child_modes(n, depth, false, lm, rm);
  std::uint64_t total = (lm == BabLabelMode::kSent ? 32 : 0) + (rm == BabLabelMode::kSent ? 32 : 0);
  const BabNode l = BabGeometry::left_child(n), r = BabGeometry::right_child(n);
  if (in_slice(l)) total += node_stream_len(geo, l, depth + 1);
  if (in_slice(r)) total += node_stream_len(geo, r, depth + 1);
  return total;
}

std::uint64_t BabLayout::stream_len(const BabGeometry& geo) const {
  if (slice_begin >= slice_end) return 0;
  return node_stream_len(geo, geo.root(), 0);
}

BabStreamWalker::BabStreamWalker(const BabGeometry& geo, const BabLayout& layout)
    : geo_(geo), layout_(layout) {
  if (layout_.slice_begin < layout_.slice_end) stack_[size_++] = {geo_.root(), 0, true, 0};
}

void BabStreamWalker::skip_below(BabNode node) {
  while (size_ > 0 && stack_[size_ - 1].node.first_chunk >= node.first_chunk &&
         stack_[size_ - 1].node.end_chunk() <= node.end_chunk()) {
    --size_;
  }
}

}  // namespace osier::crypto
