// Streaming verification of Bab verifiable streams (sans-IO): feed the stream in any pieces,
// get payload bytes back as soon as they are verified against a trusted digest.
// spec: bab#streaming_verification, bab#slice_verification, bab#left_label_omission,
// bab#omitting_layers, bab#slice_streaming
//
// Memory is bounded: one item (a label pair, a chunk group) is buffered at a time, and the
// labels on one root-to-leaf path (the tree has at most 64 levels). A group larger than
// `max_group_bytes` (only possible for large k) is refused rather than buffered. The object
// itself is ~60 KiB (fixed scratch for hashing a piece's chunks and subtrees in batches).
//
// REQUIRES: `release` callbacks must not call back into the verifier.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>

#include "osier/base/bytes.hpp"
#include "osier/base/status.hpp"
#include "osier/crypto/bab_hash.hpp"
#include "osier/crypto/bab_stream.hpp"
#include "osier/crypto/bab_tree.hpp"

namespace osier::crypto {

class BabVerifier {
 public:
  static constexpr std::uint64_t kDefaultMaxGroupBytes = std::uint64_t{64} << 20;

  // Receives verified payload bytes, in order.
  using Release = std::function<void(ByteView)>;
  // Supplies labels the stream skips (left_skip / right_skip), which the caller verified
  // earlier; nullopt makes verification fail.
  using KnownLabels = std::function<std::optional<BabLabel>(BabNode)>;
  // Told of labels as they become verified (sent, skipped or recomputed): at least the labels
  // of both children of every node on the stream's paths that is not verified in bulk, and the
  // labels a partially covered chunk group carries. So, whenever the released bytes end at a
  // chunk boundary, the labels of the maximal subtrees right of them were reported
  // (crypto/bab_prefix.hpp); a later slice's skipped labels can be looked up among them.
  // Subtrees wholly inside the slice and inside one fed piece may be verified in bulk; labels
  // strictly inside them are not reported (their bytes are released in the same call).
  using LabelObserver = std::function<void(BabNode, const BabLabel&)>;

  // `length` is the payload length; it must be given unless the stream starts with one
  // (opts.has_length_prefix()), in which case it is ignored.
  static Result<BabVerifier> create(const BabLabel& digest, const BabStreamOptions& opts,
                                    std::optional<std::uint64_t> length,
                                    const BabHash& hash = william3_bab(),
                                    std::uint64_t max_group_bytes = kDefaultMaxGroupBytes);

  void set_known_labels(KnownLabels known) { known_ = std::move(known); }
  void set_label_observer(LabelObserver observer) { observer_ = std::move(observer); }

  // Consumes the next piece of the stream; calls `release` with every payload byte that is
  // verified by the end of this call (the requested slice's bytes, in order). After an error
  // the verifier stays failed and nothing more is released.
  Status feed(ByteView piece, const Release& release);
  // OK iff the whole stream was received and verified.
  Status finish(const Release& release = {});

  // Payload bytes verified and released so far (counted from the slice's first byte).
  std::uint64_t verified_prefix_length() const { return released_; }
  // The payload length once known (given, or read from the stream's prefix). An unverified
  // prefix counts as known only after the first label or chunk verified against it.
  std::optional<std::uint64_t> length() const;
  bool complete() const { return done_; }

 private:
  enum class LabelState : std::uint8_t { kUnknown, kUnverified, kKnown };
  struct Slot {  // labels of the two children of the path node one level up
    BabLabel label[2]{};
    LabelState state[2]{LabelState::kUnknown, LabelState::kUnknown};
  };
  struct Pending {  // a chunk whose expected label is known, hashed in a batch
    const std::uint8_t* data;
    std::size_t len;
    BabLabel expected;
  };
  static constexpr std::size_t kMaxDepth = 66;
  static constexpr std::size_t kBatch = 16;
  // Subtrees of up to this many chunks whose whole stream data is in one fed piece are
  // verified in one go, every tree level hashed in parallel lanes.
  static constexpr std::size_t kBulkChunks = 256;
  struct SentLabel {
    BabNode node;
    const std::uint8_t* bytes;
  };

  BabVerifier(const BabLabel& digest, const BabStreamOptions& opts, const BabHash& hash,
              std::uint64_t max_group_bytes);
  Status start(std::uint64_t length);
  Status run(ByteView piece, const Release& release);
  Status next_item();
  Status process(ByteView data, bool zero_copy, const Release& release);
  Status children(ByteView data);
  Status group(ByteView data, bool zero_copy, const Release& release);
  Result<BabLabel> eval(BabNode n, unsigned depth, bool is_root, ByteView data, std::size_t& pos);
  Result<BabLabel> child_label(BabNode child, BabLabelMode mode, ByteView data, std::size_t& pos);
  Status propagate(unsigned depth, BabLabel candidate);
  Status flush_batch(const Release& release);
  Result<std::size_t> try_bulk(ByteView piece, const Release& release);
  // Returns how many bytes of `piece` it moved into buf_ to complete a pending chunk.
  std::size_t precompute_chunks(ByteView piece);
  void chunk_labels(const std::uint8_t* const* chunks, std::size_t n, BabLabel* out);
  bool bulk_parse(BabNode n, unsigned depth, ByteView data, std::size_t& pos);
  const BabLabel& bulk_label(BabNode n) const;
  void do_release(ByteView bytes, const Release& release);
  void observe(BabNode n, const BabLabel& label) const {
    if (observer_) observer_(n, label);
  }

  const BabHash* hash_;
  BabLabel digest_;
  BabStreamOptions opts_;
  std::uint64_t max_group_bytes_;
  KnownLabels known_;
  LabelObserver observer_;

  std::optional<BabGeometry> geo_;
  BabLayout layout_;
  std::optional<BabStreamWalker> walker_;
  bool length_verified_ = false;

  // The item being received and how many bytes it needs.
  bool have_item_ = false;
  bool prefix_item_ = false;
  BabStreamItem item_;
  std::uint64_t need_ = 0;
  Bytes buf_;

  // Path state: node_[d] / is_left_[d] is the path node at depth d, slot_[d] holds its label
  // (and its sibling's); slot_[0] holds the root's (the digest).
  BabNode node_[kMaxDepth];
  bool is_left_[kMaxDepth]{};
  Slot slot_[kMaxDepth + 1];

  // Chunk bytes found whole in a fed piece, verified together with the batched hash path.
  Pending batch_[kBatch];
  std::size_t batch_size_ = 0;
  // Spans of released chunk bytes within a group's data (nodes fully in the slice).
  std::size_t spans_[2 * kMaxDepth + 2][2];
  std::size_t num_spans_ = 0;
  // Labels a group being evaluated carries (for nodes off the slice), reported once verified.
  struct GroupLabel {
    BabNode node;
    BabLabel label;
  };
  GroupLabel group_labels_[2 * kMaxDepth + 2];
  std::size_t num_group_labels_ = 0;

  // Bulk verification scratch: chunk pointers, sent labels, and the labels of every level
  // (level l at bulk_level_off_[l], node [a, a + c) at its level's index (a - first) >> l).
  const std::uint8_t* bulk_chunk_[kBulkChunks];
  std::size_t bulk_chunks_ = 0;
  SentLabel bulk_sent_[2 * kBulkChunks];
  std::size_t bulk_sent_count_ = 0;
  BabLabel bulk_levels_[2 * kBulkChunks + 16];
  std::size_t bulk_level_off_[16]{};
  std::uint64_t bulk_first_ = 0;

  // Labels of the full chunks found whole in the piece being fed, hashed in one batch before
  // the piece is processed (in stream order, so lookups move forward only).
  static constexpr std::size_t kCacheChunks = 512;
  const std::uint8_t* cache_ptr_[kCacheChunks];
  BabLabel cache_label_[kCacheChunks];
  std::size_t cache_n_ = 0;
  std::size_t cache_pos_ = 0;
  // A chunk begun in an earlier piece and completed from this one, hashed with the batch.
  bool pending_chunk_ = false;
  BabLabel pending_label_{};

  std::uint64_t released_ = 0;
  bool done_ = false;
  Status failed_;
};

}  // namespace osier::crypto
