// WILLIAM3 straight from the tree definition (spec: bab#tree, bab#instantiations_william),
// one compression at a time with the portable backend: an independent oracle for the
// batched, lazily merging hasher and for the SIMD backends.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "crypto/william3_impl.hpp"
#include "osier/base/bytes.hpp"
#include "osier/crypto/william3.hpp"
#include "support/random_bytes.hpp"

namespace osier::testing {

inline crypto::w3::Cv william3_iv() {
  crypto::w3::Cv k;
  for (int i = 0; i < 8; ++i) k[i] = crypto::w3::kIv[i];
  return k;
}

// The label of the node over in[0, len).
inline crypto::w3::Cv william3_reference_label(const std::uint8_t* in, std::uint64_t len,
                                               const crypto::w3::Cv& key, std::uint8_t flags,
                                               bool is_root) {
  using namespace crypto::w3;
  const auto compress = portable_backend().compress_in_place;
  const std::uint8_t root = is_root ? kRoot : 0;
  Cv cv = key;
  if (len <= kChunkLen) {
    // A chunk: every block with t = 0, the last one zero-padded.
    std::size_t blocks = len == 0 ? 1 : (len + kBlockLen - 1) / kBlockLen;
    for (std::size_t b = 0; b < blocks; ++b) {
      std::uint8_t block[kBlockLen] = {};
      std::size_t n = std::min<std::uint64_t>(kBlockLen, len - b * kBlockLen);
      if (n > 0) std::memcpy(block, in + b * kBlockLen, n);
      std::uint8_t f =
          flags | (b == 0 ? kChunkStart : 0) | (b + 1 == blocks ? kChunkEnd | root : 0);
      compress(cv.data(), block, static_cast<std::uint8_t>(n), 0, f);
    }
    return cv;
  }
  // An inner node: t = the number of bytes it covers.
  std::uint64_t l = left_subtree_len(len);
  std::uint8_t block[kBlockLen];
  store_cv(block, william3_reference_label(in, l, key, flags, false));
  store_cv(block + 32, william3_reference_label(in + l, len - l, key, flags, false));
  compress(cv.data(), block, kBlockLen, len, flags | kParent | root);
  return cv;
}

inline crypto::William3Digest william3_reference(ByteView in) {
  crypto::William3Digest d;
  crypto::w3::store_cv(d.data(),
                       william3_reference_label(in.data(), in.size(), william3_iv(), 0, true));
  return d;
}

inline crypto::William3Digest william3_keyed_reference(const crypto::William3Key& key,
                                                       ByteView in) {
  crypto::William3Digest d;
  crypto::w3::store_cv(
      d.data(), william3_reference_label(in.data(), in.size(), crypto::w3::load_cv(key.data()),
                                         crypto::w3::kKeyedHash, true));
  return d;
}

}  // namespace osier::testing
