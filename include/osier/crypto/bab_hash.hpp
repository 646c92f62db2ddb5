// The two functions a Bab instantiation supplies, behind one interface, so the tree, stream
// and verification logic can run with WILLIAM3 or with a tiny test instantiation.
// spec: bab#parameters, bab#instantiations
#pragma once

#include <cstddef>
#include <cstdint>

#include "osier/base/bytes.hpp"

namespace osier::crypto {

// A node label (a chaining value). Every instantiation osier uses has a width of 32 bytes.
using BabLabel = ByteArray<32>;
constexpr std::size_t kBabLabelLen = 32;

class BabHash {
 public:
  virtual ~BabHash() = default;

  // spec: bab#chunk_size
  virtual std::uint64_t chunk_size() const = 0;
  // spec: bab#hash_chunk. REQUIRES: chunk.size() <= chunk_size()
  virtual BabLabel hash_chunk(ByteView chunk, bool is_root) const = 0;
  // spec: bab#hash_inner
  virtual BabLabel hash_inner(const BabLabel& left, const BabLabel& right, std::uint64_t len,
                              bool is_root) const = 0;

  // Label of the node whose subtree is exactly `bytes` (a node's bytes always form the Bab
  // tree of those bytes). Instantiations override it with a batched path.
  virtual BabLabel hash_subtree(ByteView bytes, bool is_root) const;
  // Labels of n full, non-root chunks (`chunks[i]` points to chunk_size() bytes).
  virtual void hash_chunks(const std::uint8_t* const* chunks, std::size_t n, BabLabel* out) const;
  // Labels of n non-root inner nodes covering `len` bytes each; `pairs[i]` points to the
  // 64 bytes label(left) || label(right).
  virtual void hash_inners(const std::uint8_t* const* pairs, std::size_t n, std::uint64_t len,
                           BabLabel* out) const;
};

// WILLIAM3 (spec: bab#instantiations_william): chunk_size 1024, width 32, unkeyed.
const BabHash& william3_bab();

// spec: bab#instantiations_from_secure, with WILLIAM3 as the conventional hash h and any
// chunk size. Small chunks make deep trees from a few bytes (tests, fuzzing).
class ConventionalBab final : public BabHash {
 public:
  explicit ConventionalBab(std::uint64_t chunk_size) : chunk_size_(chunk_size) {}
  std::uint64_t chunk_size() const override { return chunk_size_; }
  BabLabel hash_chunk(ByteView chunk, bool is_root) const override;
  BabLabel hash_inner(const BabLabel& left, const BabLabel& right, std::uint64_t len,
                      bool is_root) const override;

 private:
  std::uint64_t chunk_size_;
};

}  // namespace osier::crypto
