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

namespace osier::crypto {

using William3Digest = ByteArray<32>;
using William3Key = ByteArray<32>;

// Incremental hasher: feeding the input in any pieces gives the same digest as one-shot.
// Memory use is constant (a few KiB) whatever the input length.
namespace w3 {
struct HasherState;
}

class William3Hasher {
 public:
  William3Hasher();
  explicit William3Hasher(const William3Key& key);  // keyed mode

  void update(ByteView input);
  William3Digest finalize() const;  // does not change the hasher; update may continue
  void reset();
  std::uint64_t length() const;  // bytes fed since construction or reset()

  // Room for the state (checked against crypto/william3_impl.hpp where it is defined): the
  // chunk being filled and a stack of 64 subtree labels.
  static constexpr std::size_t kStateBytes = 2800;
  static constexpr std::size_t kStateAlign = 8;

 private:
  w3::HasherState& state();
  const w3::HasherState& state() const;

  alignas(kStateAlign) unsigned char state_[kStateBytes];
};

William3Digest william3(ByteView input);
William3Digest william3_keyed(const William3Key& key, ByteView input);

}  // namespace osier::crypto
