// Bab outboards: a payload's tree labels stored apart from the payload, so any slice can be
// served with its verification data without rehashing. Layout: docs/formats.md "Bab outboard"
// (one 64-byte pair `label(left) || label(right)` per inner node, in post-order, which a
// single streaming pass over the payload emits in order).
#pragma once

#include <cstdint>
#include <vector>

#include "osier/base/bytes.hpp"
#include "osier/base/io.hpp"
#include "osier/base/status.hpp"
#include "osier/crypto/bab_hash.hpp"

namespace osier::crypto {

struct BabOutboard {
  std::uint64_t length = 0;  // payload length in bytes
  BabLabel digest{};         // the root label
  Bytes pairs;               // bab_outboard_size(length) bytes
};

// Bytes of the outboard of a payload of `length` bytes: 64 per inner node.
std::uint64_t bab_outboard_size(std::uint64_t length, std::uint64_t chunk_size = 1024);

// Computes the digest and writes the outboard to a sink in one pass, in fixed memory
// (a batch of chunks and one label per tree level) whatever the payload length.
class BabOutboardBuilder {
 public:
  explicit BabOutboardBuilder(ByteSink sink, const BabHash& hash = william3_bab());

  Status update(ByteView data);
  // Writes the rest of the outboard and returns the digest. Call once.
  Result<BabLabel> finish();
  // For bytes that are a prefix of whole chunks of a longer payload (one chunk at least), in
  // place of finish(): writes the pairs of every inner node of the subtrees they fill — the
  // first chunks - popcount(chunks) pairs of the whole payload's outboard, as post-order sorts
  // nodes by their last chunk — and returns the labels of the maximal subtrees they fill, left
  // to right (crypto/bab_prefix.hpp: bab_held_blocks). Call once.
  Result<std::vector<BabLabel>> finish_prefix();
  std::uint64_t length() const { return length_; }

 private:
  static constexpr std::size_t kBatchLevels = 5;
  static constexpr std::size_t kBatchChunks = std::size_t{1} << kBatchLevels;
  static constexpr std::size_t kOutBuffer = 4096;
  // Where each level of a batch's subtree starts in levels_ (32 chunk labels, 16, 8, ...).
  static constexpr std::size_t kLevelOff[kBatchLevels + 1] = {0, 32, 48, 56, 60, 62};

  Status hash_full_chunks(const std::uint8_t* data, std::size_t n);
  Status merge();
  Status push(const BabLabel& label, std::uint64_t len, std::uint64_t chunks);
  Status emit_subtree(std::size_t level, std::size_t index);
  Status emit_pair(const BabLabel& left, const BabLabel& right);
  Status flush_out();

  ByteSink sink_;
  const BabHash& hash_;
  std::uint64_t chunk_size_;
  std::uint64_t length_ = 0;
  std::uint64_t chunks_pushed_ = 0;
  Bytes buf_;  // input not yet hashed (at most kBatchChunks chunks)
  BabLabel levels_[2 * kBatchChunks];
  Bytes out_;  // outboard bytes not yet written
  // Labels of completed subtrees, left to right, with their byte lengths.
  BabLabel stack_[65]{};
  std::uint64_t stack_len_[65]{};
  std::size_t stack_size_ = 0;
  Status failed_;
};

// The whole outboard of an in-memory payload.
Result<BabOutboard> bab_outboard(ByteView payload, const BabHash& hash = william3_bab());

}  // namespace osier::crypto
