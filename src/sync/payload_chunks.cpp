#include "sync/payload_chunks.hpp"

#include <bit>
#include <limits>

#include "osier/crypto/bab_tree.hpp"

namespace osier::sync {

namespace {

using crypto::BabGeometry;
using crypto::BabNode;

// The light stream keeps the label of a left child at layer l iff l % period == 0.
std::uint64_t light_period() {
  static const std::uint64_t p = crypto::bab_light_period(kPayloadChunkSize, kPayloadLabelWidth, 0);
  return p;
}

// Labels an inner node with `count` >= 2 chunks puts in the stream: its right child's, and its
// left child's if the light rule keeps it.
std::uint64_t own_labels(std::uint64_t count) {
  const unsigned left_layer = BabGeometry::layer(BabNode{0, BabGeometry::left_child_chunks(count)});
  return 1 + (left_layer % light_period() == 0 ? 1 : 0);
}

// Labels in the stream of a (sub)tree of `count` chunks.
std::uint64_t subtree_labels(std::uint64_t count) {
  std::uint64_t total = 0;
  // Walk down the right spine; left subtrees are complete (2^p chunks).
  while (count > 1) {
    const std::uint64_t left = BabGeometry::left_child_chunks(count);
    total += own_labels(count);
    // A complete tree of 2^p chunks has 2^(p-h) inner nodes at layer h, each sending its right
    // label and, if kept, its left child's (layer h - 1).
    const unsigned p = static_cast<unsigned>(std::bit_width(left) - 1);
    for (unsigned h = 1; h <= p; ++h) {
      const std::uint64_t nodes = std::uint64_t{1} << (p - h);
      total += nodes * (1 + ((h - 1) % light_period() == 0 ? 1 : 0));
    }
    count -= left;
  }
  return total;
}

// Labels in Chunks 0..i, i.e. every label the stream sends before data chunk i's bytes.
std::uint64_t labels_through(std::uint64_t num_chunks, std::uint64_t i) {
  std::uint64_t total = 0;
  BabNode n{0, num_chunks};
  while (!n.is_leaf()) {
    total += own_labels(n.chunk_count);
    const BabNode left = BabGeometry::left_child(n);
    if (i < left.end_chunk()) {
      n = left;
    } else {
      total += subtree_labels(left.chunk_count);
      n = BabGeometry::right_child(n);
    }
  }
  return total;
}

}  // namespace

std::uint64_t payload_chunk_count(std::uint64_t payload_length) {
  return BabGeometry(payload_length, kPayloadChunkSize).num_chunks();
}

// SPEC-NOTES Sync 17
std::optional<std::uint64_t> payload_chunks_length(std::uint64_t payload_length,
                                                   std::uint64_t first, std::uint64_t count) {
  if (count == 0) return 0;
  const BabGeometry geo(payload_length, kPayloadChunkSize);
  const std::uint64_t n = geo.num_chunks();
  if (first >= n || count > n - first) return std::nullopt;
  const std::uint64_t last = first + count - 1;
  const std::uint64_t labels =
      labels_through(n, last) - (first == 0 ? 0 : labels_through(n, first - 1));
  const std::uint64_t data = geo.byte_len(BabNode{first, count});
  // labels < 2^56 (at most two per inner node, fewer than 2^55 nodes), so this cannot overflow.
  const std::uint64_t label_bytes = labels * kPayloadLabelWidth;
  if (data > std::numeric_limits<std::uint64_t>::max() - label_bytes) return std::nullopt;
  return data + label_bytes;
}

}  // namespace osier::sync
