// WILLIAM3: the Bab instantiation that Willow'25 uses as its hash function.
// spec: bab#instantiations_william, willow25#willow25_crypto
//
// WILLIAM3 is BLAKE3 with three changes: other IV constants (used both as the initial
// chaining value and in the third row of the compression state), chunk labels computed with
// t = 0 instead of the chunk index, and parent labels computed with t = the number of input
// bytes the parent covers. Digests are 32 bytes; there is a keyed mode and no XOF/KDF mode.
#pragma once

#include <cstddef>
#include <cstdint>

#include "base/bytes.hpp"
#include "crypto/william3_impl.hpp"

namespace osier::crypto {

using William3Digest = ByteArray<32>;
using William3Key = ByteArray<32>;

// Incremental hasher: feeding the input in any pieces gives the same digest as one-shot.
// Memory use is constant (a few KiB) whatever the input length.
class William3Hasher {
 public:
  William3Hasher();
  explicit William3Hasher(const William3Key& key);  // keyed mode

  void update(ByteView input);
  William3Digest finalize() const;  // does not change the hasher; update may continue
  void reset();
  std::uint64_t length() const { return total_len_; }

 private:
  void push_cv(const w3::Cv& cv, std::uint64_t len, std::uint64_t chunks_before);
  void merge_stack(std::uint64_t total_chunks);

  w3::Cv key_{};
  std::uint8_t flags_ = 0;
  std::uint64_t total_len_ = 0;
  // The chunk being filled.
  w3::ChunkState chunk_;
  // Chaining values of completed subtrees, left to right, with the byte length each covers.
  w3::Cv stack_[64]{};
  std::uint64_t stack_len_bytes_[64]{};
  std::size_t stack_size_ = 0;
};

William3Digest william3(ByteView input);
William3Digest william3_keyed(const William3Key& key, ByteView input);

}  // namespace osier::crypto
