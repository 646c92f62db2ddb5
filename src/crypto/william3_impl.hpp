// Internals of WILLIAM3 shared by the hasher, the SIMD backends and Bab streaming.
// Not part of the public API: code outside crypto/ should use william3.hpp and bab.hpp.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "base/bytes.hpp"

namespace osier::crypto::w3 {

constexpr std::size_t kBlockLen = 64;
constexpr std::size_t kChunkLen = 1024;
constexpr std::size_t kBlocksPerChunk = kChunkLen / kBlockLen;
constexpr std::size_t kOutLen = 32;

// spec: bab#instantiations_william — the BLAKE3 digest of "WILLIAM3" replaces BLAKE3's IV.
inline constexpr std::uint32_t kIv[8] = {0xc88f633b, 0x4168fbf2, 0x6ba32583, 0xb0ff1847,
                                         0xac57e47d, 0xa8931330, 0x796a4645, 0x6b28a3ee};

// The BLAKE3 domain flags (WILLIAM3 has no key-derivation mode).
enum Flag : std::uint8_t {
  kChunkStart = 1 << 0,
  kChunkEnd = 1 << 1,
  kParent = 1 << 2,
  kRoot = 1 << 3,
  kKeyedHash = 1 << 4,
};

inline constexpr std::uint8_t kMsgSchedule[7][16] = {
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
    {2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8},
    {3, 4, 10, 12, 13, 2, 7, 14, 6, 5, 9, 0, 11, 15, 8, 1},
    {10, 7, 12, 9, 14, 3, 13, 15, 4, 0, 11, 2, 5, 8, 1, 6},
    {12, 13, 9, 11, 15, 10, 14, 8, 7, 2, 5, 3, 0, 1, 6, 4},
    {9, 14, 11, 5, 8, 12, 15, 1, 13, 3, 0, 10, 2, 6, 4, 7},
    {11, 15, 5, 0, 1, 9, 8, 6, 14, 10, 2, 12, 3, 4, 7, 13},
};

using Cv = std::array<std::uint32_t, 8>;  // a chaining value (a node label) as words

inline std::uint32_t load32(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) | (static_cast<std::uint32_t>(p[1]) << 8) |
         (static_cast<std::uint32_t>(p[2]) << 16) | (static_cast<std::uint32_t>(p[3]) << 24);
}
inline void store32(std::uint8_t* p, std::uint32_t w) {
  p[0] = static_cast<std::uint8_t>(w);
  p[1] = static_cast<std::uint8_t>(w >> 8);
  p[2] = static_cast<std::uint8_t>(w >> 16);
  p[3] = static_cast<std::uint8_t>(w >> 24);
}
inline void store_cv(std::uint8_t out[32], const Cv& cv) {
  for (int i = 0; i < 8; ++i) store32(out + 4 * i, cv[i]);
}
inline Cv load_cv(const std::uint8_t in[32]) {
  Cv cv;
  for (int i = 0; i < 8; ++i) cv[i] = load32(in + 4 * i);
  return cv;
}

// Compresses one block into cv in place. `t` is the 64-bit counter word pair.
using CompressInPlaceFn = void (*)(std::uint32_t cv[8], const std::uint8_t block[kBlockLen],
                                   std::uint8_t block_len, std::uint64_t t, std::uint8_t flags);

// Hashes `num_inputs` inputs of `blocks` full blocks each, all with the same counter t
// (WILLIAM3 never varies t across a batch: chunks use 0, parents of one level their length).
// Writes 32 bytes per input to out. flags_start / flags_end are OR-ed into the first / last
// block's flags (CHUNK_START / CHUNK_END for chunks, nothing for parents).
using HashManyFn = void (*)(const std::uint8_t* const* inputs, std::size_t num_inputs,
                            std::size_t blocks, const std::uint32_t key[8], std::uint64_t t,
                            std::uint8_t flags, std::uint8_t flags_start, std::uint8_t flags_end,
                            std::uint8_t* out);

struct Backend {
  const char* name;
  std::size_t simd_degree;  // how many inputs hash_many processes in parallel
  CompressInPlaceFn compress_in_place;
  HashManyFn hash_many;
};

// The portable backend: always available, the reference for the others.
const Backend& portable_backend();
// The x86 SIMD backends. Each may only run on a CPU with its instruction set (and the
// narrower ones, which the wider ones use for leftover inputs): take them from
// available_backends, which checks.
const Backend& sse41_backend();
const Backend& avx2_backend();
const Backend& avx512_backend();
// Every backend this CPU can run, portable first, fastest last.
std::size_t available_backends(const Backend** out, std::size_t max);
// The backend chosen once at startup (the fastest available; OSIER_WILLIAM3_BACKEND=<name>
// in the environment forces one, for testing and benchmarking).
const Backend& active_backend();
// Makes `b` the active backend for this process (tests, benchmarks).
void set_active_backend(const Backend& b);

// One chunk being absorbed block by block (for the hasher's partial chunks and Bab).
struct ChunkState {
  Cv cv{};
  std::uint8_t buf[kBlockLen]{};
  std::uint8_t buf_len = 0;
  std::uint8_t blocks_compressed = 0;
  std::uint8_t flags = 0;

  void init(const Cv& key, std::uint8_t base_flags);
  std::size_t len() const { return kBlockLen * blocks_compressed + buf_len; }
  // REQUIRES: len() + input.size() <= kChunkLen
  void update(const std::uint8_t* input, std::size_t len);
  // The chunk's label; is_root only when this chunk is the whole input.
  Cv output(bool is_root) const;
};

// An incremental hasher's state (crypto::William3Hasher keeps it in opaque bytes).
struct HasherState {
  Cv key_{};
  std::uint8_t flags_ = 0;
  std::uint64_t total_len_ = 0;
  // The chunk being filled.
  ChunkState chunk_;
  // Chaining values of completed subtrees, left to right, with the byte length each covers.
  Cv stack_[64]{};
  std::uint64_t stack_len_bytes_[64]{};
  std::size_t stack_size_ = 0;

  void reset();
  void update(ByteView input);
  ByteArray<32> finalize() const;
  void push_cv(const Cv& cv, std::uint64_t len, std::uint64_t chunks_before);
  void merge_stack(std::uint64_t total_chunks);
};

// Label of a single chunk (<= 1024 bytes). spec: bab#instantiations_william (hash_chunk)
Cv chunk_cv(const std::uint8_t* chunk, std::size_t len, const Cv& key, std::uint8_t base_flags,
            bool is_root);
// Label of an inner node covering `len` input bytes. spec: bab (hash_inner)
Cv parent_cv(const Cv& left, const Cv& right, std::uint64_t len, const Cv& key,
             std::uint8_t base_flags, bool is_root);

// The labels of the two children of the root of the subtree over input[0, len), where len
// is more than one chunk. Uses the active backend's parallelism. The subtree's own root
// label is then parent_cv(left, right, len, ...).
void subtree_children(const std::uint8_t* input, std::size_t len, const Cv& key,
                      std::uint8_t base_flags, Cv& left, Cv& right);
// The label of the (non-root) subtree over input[0, len), len >= 1.
Cv subtree_cv(const std::uint8_t* input, std::size_t len, const Cv& key, std::uint8_t base_flags);

// The number of input bytes in the left subtree of a node covering `len` > 1024 bytes:
// the largest power-of-two multiple of 1024 that is strictly less than len.
inline std::uint64_t left_subtree_len(std::uint64_t len) {
  std::uint64_t full_chunks = (len - 1) / kChunkLen;  // chunks before the last one
  std::uint64_t p = 1;
  while (p * 2 <= full_chunks) p *= 2;
  return p * kChunkLen;
}

}  // namespace osier::crypto::w3
