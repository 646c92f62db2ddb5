// Shape arithmetic of Bab trees and verifiable streams, independent of the hash function
// (only the chunk size matters), so the spec's chunk_size-2 figures can be checked directly.
// spec: bab#tree, bab#streaming_verification, bab#slice_verification, bab#optimizations
//
// Nodes are named by the chunks they cover: [first_chunk, first_chunk + chunk_count).
// Depth counts from the root (depth 0); the layer of a node is the length of the path from it
// to its leftmost leaf (spec: bab#layer).
#pragma once

#include <bit>
#include <cstdint>
#include <optional>

#include "osier/base/status.hpp"

namespace osier::crypto {

struct BabNode {
  std::uint64_t first_chunk = 0;
  std::uint64_t chunk_count = 1;

  std::uint64_t end_chunk() const { return first_chunk + chunk_count; }
  bool is_leaf() const { return chunk_count == 1; }
  bool operator==(const BabNode&) const = default;
};

class BabGeometry {
 public:
  // REQUIRES: chunk_size >= 1
  BabGeometry(std::uint64_t length, std::uint64_t chunk_size)
      : length_(length),
        chunk_size_(chunk_size),
        num_chunks_(length == 0 ? 1 : (length - 1) / chunk_size + 1) {}

  std::uint64_t length() const { return length_; }
  std::uint64_t chunk_size() const { return chunk_size_; }
  // spec: bab#chunks — the empty string still has one (empty) chunk.
  std::uint64_t num_chunks() const { return num_chunks_; }
  BabNode root() const { return {0, num_chunks_}; }

  std::uint64_t byte_begin(BabNode n) const { return n.first_chunk * chunk_size_; }
  std::uint64_t byte_end(BabNode n) const {
    // Computed without overflow: only the last chunk may be short.
    return n.end_chunk() == num_chunks_ ? length_ : n.end_chunk() * chunk_size_;
  }
  std::uint64_t byte_len(BabNode n) const { return byte_end(n) - byte_begin(n); }

  // Chunks in the left subtree of a node with `count` >= 2 chunks: the largest power of two
  // strictly below count (left subtrees are complete, spec: bab#tree).
  static std::uint64_t left_child_chunks(std::uint64_t count) { return std::bit_floor(count - 1); }
  static BabNode left_child(BabNode n) { return {n.first_chunk, left_child_chunks(n.chunk_count)}; }
  static BabNode right_child(BabNode n) {
    std::uint64_t l = left_child_chunks(n.chunk_count);
    return {n.first_chunk + l, n.chunk_count - l};
  }
  // spec: bab#layer
  static unsigned layer(BabNode n) {
    return static_cast<unsigned>(std::bit_width(n.chunk_count - 1));
  }

  // The outboard stores one label pair per inner node in post-order. A subtree whose first
  // inner node has post-order index `base` puts its own root's pair at base + count - 2; its
  // left subtree starts at `base`, its right one at base + (left count - 1).
  static std::uint64_t pair_index(BabNode n, std::uint64_t base) {
    return base + n.chunk_count - 2;
  }
  static std::uint64_t right_base(BabNode n, std::uint64_t base) {
    return base + left_child_chunks(n.chunk_count) - 1;
  }
  // Post-order pair index of inner node `n` (found by descending from the root).
  std::uint64_t pair_index_of(BabNode n) const;

 private:
  std::uint64_t length_;
  std::uint64_t chunk_size_;
  std::uint64_t num_chunks_;
};

// How the stream treats the label of one child of a node on the stream's path.
enum class BabLabelMode : std::uint8_t {
  kSent,     // the label is in the stream
  kOmitted,  // left out; the receiver reconstructs it from later data
  kSkipped,  // left out because the receiver already has it (left_skip / right_skip)
};

// Everything that fixes which labels and chunks a verifiable stream contains, and in which
// order. Covers the baseline, light, k-grouped and slice streams (spec: bab#slice_streaming).
struct BabLayout {
  // spec: bab#kgrouped — chunks form groups of 2^k; k = 0 for the ungrouped streams.
  unsigned k = 0;
  // Left labels of layer `l` >= k are kept iff (l - k) % light_period == 0; 1 keeps them all
  // (the baseline streams). See docs/formats.md "Bab verifiable streams" for the period.
  std::uint64_t light_period = 1;
  // The chunks the stream covers, [slice_begin, slice_end).
  std::uint64_t slice_begin = 0;
  std::uint64_t slice_end = 0;
  // spec: bab#left_skip, bab#right_skip
  unsigned left_skip = 0;
  unsigned right_skip = 0;

  bool in_slice(BabNode n) const {
    return n.first_chunk < slice_end && slice_begin < n.end_chunk();
  }
  bool fully_in_slice(BabNode n) const {
    return slice_begin <= n.first_chunk && n.end_chunk() <= slice_end;
  }
  // Nodes of at most 2^k chunks lie inside one group (the topmost of them is its root).
  bool is_grouped(BabNode n) const { return k >= 64 || n.chunk_count <= (std::uint64_t{1} << k); }
  // Modes of the labels of `parent`'s two children (parent is an inner node in the slice at
  // `depth`). `in_group`: parent lies inside a chunk group, whose labels the receiver
  // recomputes from the group's chunks.
  void child_modes(BabNode parent, unsigned depth, bool in_group, BabLabelMode& left,
                   BabLabelMode& right) const;
  // Bytes the stream spends on group `g` (its chunks in the slice plus the labels of its
  // nodes outside the slice that hang off the slice's paths).
  std::uint64_t group_stream_len(const BabGeometry& geo, BabNode g, unsigned depth) const;
  // Bytes of the whole stream (without a length prefix), computed without walking it: work
  // O(depth^2) whatever the slice's size, so a hostile claim of 2^40 chunks costs nothing
  // (issue #10). Equal to the sum over BabStreamWalker's items (tested).
  std::uint64_t stream_len(const BabGeometry& geo) const;

 private:
  std::uint64_t node_stream_len(const BabGeometry& geo, BabNode n, unsigned depth) const;
  // Label bytes an ungrouped subtree of `count` chunks sends when it lies wholly in the slice,
  // off the skip paths: its right labels, and the left ones the light period keeps.
  std::uint64_t inner_labels_len(std::uint64_t count) const;
};

// The stream's items in order (pre-order over the nodes in the slice), stopping at groups.
struct BabStreamItem {
  enum Kind : std::uint8_t {
    kChildren,  // the labels of node's children (those whose mode is kSent, left first)
    kGroup,     // a chunk group: its content is laid out by BabLayout::child_modes in-group
  };
  Kind kind = kChildren;
  BabNode node;
  unsigned depth = 0;
  bool is_left = true;          // node is a left child (the root counts as left)
  std::uint64_t pair_base = 0;  // post-order index of the first inner node under `node`
  BabLabelMode left = BabLabelMode::kSent;
  BabLabelMode right = BabLabelMode::kSent;
};

class BabStreamWalker {
 public:
  BabStreamWalker(const BabGeometry& geo, const BabLayout& layout);
  // Writes the next item; false once the stream is over.
  bool next(BabStreamItem& item);
  // Drops the pending items below `node` (the last kChildren item's node), whose data the
  // caller consumed in one go.
  void skip_below(BabNode node);

 private:
  struct Frame {
    BabNode node;
    unsigned depth;
    bool is_left;
    std::uint64_t pair_base;
  };
  BabGeometry geo_;
  BabLayout layout_;
  // A pre-order walk keeps at most one pending right sibling per level.
  Frame stack_[2 * 66];
  std::size_t size_ = 0;
};

// spec: bab#left_skip — the largest left_skip for a slice that starts at chunk `first` when
// the receiver got, before it, k-grouped baseline slice streams of the same payload up to
// chunk `prev_end` (<= first): the leading nodes of the path to `first` whose children's
// labels such a stream contains — those ungrouped and starting before prev_end (the earlier
// streams walked them; any that skipped them got them from an earlier stream still).
unsigned bab_max_left_skip(const BabGeometry& geo, unsigned k, std::uint64_t prev_end,
                           std::uint64_t first);

// The k-grouped light/baseline period (see docs/formats.md): ceil(2^k * chunk_size / width)
// + 1 for light streams, 1 for baseline ones. Saturates.
std::uint64_t bab_light_period(std::uint64_t chunk_size, std::uint64_t width, unsigned k);

// Inline: both run once per tree node while producing or verifying.

inline void BabLayout::child_modes(BabNode parent, unsigned depth, bool in_group,
                                   BabLabelMode& left, BabLabelMode& right) const {
  // spec: bab#left_skip — the receiver already holds the children's labels of the first
  // left_skip (right_skip) nodes on the path to the slice's first (last) chunk.
  auto contains = [&](std::uint64_t c) {
    return parent.first_chunk <= c && c < parent.end_chunk();
  };
  bool skip = (depth < left_skip && contains(slice_begin)) ||
              (depth < right_skip && contains(slice_end - 1));
  BabNode children[2] = {BabGeometry::left_child(parent), BabGeometry::right_child(parent)};
  BabLabelMode modes[2];
  for (int i = 0; i < 2; ++i) {
    const BabNode c = children[i];
    if (skip) {
      modes[i] = BabLabelMode::kSkipped;
    } else if (!in_slice(c)) {
      // spec: bab#slice_streaming — labels off the slice's paths are never omitted.
      modes[i] = BabLabelMode::kSent;
    } else if (in_group) {
      modes[i] = BabLabelMode::kOmitted;
    } else if (i == 1) {
      modes[i] = BabLabelMode::kSent;
    } else {
      // A left child of an ungrouped node covers at least one whole group: layer >= k.
      std::uint64_t above_k = BabGeometry::layer(c) - k;
      bool keep = light_period == 1 || above_k % light_period == 0;
      modes[i] = keep ? BabLabelMode::kSent : BabLabelMode::kOmitted;
    }
  }
  left = modes[0];
  right = modes[1];
}

inline bool BabStreamWalker::next(BabStreamItem& item) {
  if (size_ == 0) return false;
  Frame f = stack_[--size_];
  item.node = f.node;
  item.depth = f.depth;
  item.is_left = f.is_left;
  item.pair_base = f.pair_base;
  if (layout_.is_grouped(f.node)) {
    item.kind = BabStreamItem::kGroup;
    return true;
  }
  item.kind = BabStreamItem::kChildren;
  layout_.child_modes(f.node, f.depth, false, item.left, item.right);
  BabNode l = BabGeometry::left_child(f.node), r = BabGeometry::right_child(f.node);
  if (layout_.in_slice(r)) {
    stack_[size_++] = {r, f.depth + 1, false, BabGeometry::right_base(f.node, f.pair_base)};
  }
  if (layout_.in_slice(l)) stack_[size_++] = {l, f.depth + 1, true, f.pair_base};
  return true;
}

}  // namespace osier::crypto
