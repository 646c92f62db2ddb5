// The compression function written once over an abstract vector type, for the SIMD
// backends (william3_sse41.cpp, william3_avx2.cpp, william3_avx512.cpp) only.
//
// Each of those files is compiled with its own -m flags. Everything here is in an unnamed
// namespace and is instantiated with types private to the including file, so every backend
// gets its own copy built for its instruction set; no inline function compiled with AVX
// instructions can be merged by the linker into code that runs on a CPU without them.
// For the same reason this header calls no inline function of other headers.
#pragma once

// GCC 12's AVX-512 intrinsics start from a deliberately uninitialised register, which its
// own -Wmaybe-uninitialized then reports wherever they are inlined. The warning's location
// lies in the intrinsics headers, so silencing it for them alone is enough.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

#include "crypto/william3_impl.hpp"

namespace osier::crypto::w3 {
namespace {

// ---- Many inputs at once: lane i of every register belongs to input i. ----
//
// V provides: Reg; kLanes; add, xor_, set1, rotr<N>; load_transposed(inputs, offset, m)
// which fills m[w] with word w of the 64-byte block at inputs[i] + offset in lane i; and
// store_transposed(h, out) which writes lane i of h[0..7] as 32 bytes to out + 32 * i.

template <class V>
inline void g_lanes(typename V::Reg* v, int a, int b, int c, int d, typename V::Reg x,
                    typename V::Reg y) {
  v[a] = V::add(V::add(v[a], v[b]), x);
  v[d] = V::template rotr<16>(V::xor_(v[d], v[a]));
  v[c] = V::add(v[c], v[d]);
  v[b] = V::template rotr<12>(V::xor_(v[b], v[c]));
  v[a] = V::add(V::add(v[a], v[b]), y);
  v[d] = V::template rotr<8>(V::xor_(v[d], v[a]));
  v[c] = V::add(v[c], v[d]);
  v[b] = V::template rotr<7>(V::xor_(v[b], v[c]));
}

template <class V, int R>
inline void round_lanes(typename V::Reg* v, const typename V::Reg* m) {
  constexpr const std::uint8_t* s = kMsgSchedule[R];
  g_lanes<V>(v, 0, 4, 8, 12, m[s[0]], m[s[1]]);
  g_lanes<V>(v, 1, 5, 9, 13, m[s[2]], m[s[3]]);
  g_lanes<V>(v, 2, 6, 10, 14, m[s[4]], m[s[5]]);
  g_lanes<V>(v, 3, 7, 11, 15, m[s[6]], m[s[7]]);
  g_lanes<V>(v, 0, 5, 10, 15, m[s[8]], m[s[9]]);
  g_lanes<V>(v, 1, 6, 11, 12, m[s[10]], m[s[11]]);
  g_lanes<V>(v, 2, 7, 8, 13, m[s[12]], m[s[13]]);
  g_lanes<V>(v, 3, 4, 9, 14, m[s[14]], m[s[15]]);
}

// Hashes V::kLanes inputs of `blocks` blocks each (see HashManyFn).
template <class V>
void hash_lanes(const std::uint8_t* const* inputs, std::size_t blocks, const std::uint32_t key[8],
                std::uint64_t t, std::uint8_t flags, std::uint8_t flags_start,
                std::uint8_t flags_end, std::uint8_t* out) {
  using Reg = typename V::Reg;
  Reg h[8];
  for (int i = 0; i < 8; ++i) h[i] = V::set1(key[i]);
  const Reg t_lo = V::set1(static_cast<std::uint32_t>(t));
  const Reg t_hi = V::set1(static_cast<std::uint32_t>(t >> 32));
  const Reg block_len = V::set1(static_cast<std::uint32_t>(kBlockLen));
  std::uint8_t block_flags = flags | flags_start;
  for (std::size_t b = 0; b < blocks; ++b) {
    if (b + 1 == blocks) block_flags |= flags_end;
    Reg m[16];
    V::load_transposed(inputs, b * kBlockLen, m);
    // The third row holds WILLIAM3's IV, not BLAKE3's (spec: bab#instantiations_william).
    Reg v[16] = {h[0],          h[1],          h[2],          h[3],
                 h[4],          h[5],          h[6],          h[7],
                 V::set1(kIv[0]), V::set1(kIv[1]), V::set1(kIv[2]), V::set1(kIv[3]),
                 t_lo,          t_hi,          block_len,     V::set1(block_flags)};
    round_lanes<V, 0>(v, m);
    round_lanes<V, 1>(v, m);
    round_lanes<V, 2>(v, m);
    round_lanes<V, 3>(v, m);
    round_lanes<V, 4>(v, m);
    round_lanes<V, 5>(v, m);
    round_lanes<V, 6>(v, m);
    for (int i = 0; i < 8; ++i) h[i] = V::xor_(v[i], v[i + 8]);
    block_flags = flags;
  }
  V::store_transposed(h, out);
}

// Rotations of 32-bit lanes with SSSE3 / SSE2 only: byte shuffles for 16 and 8, shifts
// otherwise. (AVX-512VL has a rotate instruction instead.)
struct RotSsse3 {
  template <int N>
  static __m128i rotr(__m128i x) {
    if constexpr (N == 16) {
      return _mm_shuffle_epi8(x, _mm_setr_epi8(2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13));
    } else if constexpr (N == 8) {
      return _mm_shuffle_epi8(x, _mm_setr_epi8(1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, 8, 13, 14, 15, 12));
    } else {
      return _mm_or_si128(_mm_srli_epi32(x, N), _mm_slli_epi32(x, 32 - N));
    }
  }
};

// ---- One input at a time: the state as four 128-bit rows. ----
//
// Rot provides rotr<N>(__m128i) for N in {16, 12, 8, 7}. A round applies G to the four
// columns, rotates rows 1-3 so the diagonals become columns, applies G again and rotates
// back. The message words of each round are gathered from memory: that work does not lie on
// the rounds' dependency chain, so out-of-order execution hides it.

template <class Rot>
inline void g_rows(__m128i& a, __m128i& b, __m128i& c, __m128i& d, __m128i x, __m128i y) {
  a = _mm_add_epi32(_mm_add_epi32(a, b), x);
  d = Rot::template rotr<16>(_mm_xor_si128(d, a));
  c = _mm_add_epi32(c, d);
  b = Rot::template rotr<12>(_mm_xor_si128(b, c));
  a = _mm_add_epi32(_mm_add_epi32(a, b), y);
  d = Rot::template rotr<8>(_mm_xor_si128(d, a));
  c = _mm_add_epi32(c, d);
  b = Rot::template rotr<7>(_mm_xor_si128(b, c));
}

template <int A, int B, int C, int D>
inline __m128i gather4(const std::uint32_t* m) {
  return _mm_setr_epi32(static_cast<int>(m[A]), static_cast<int>(m[B]), static_cast<int>(m[C]),
                        static_cast<int>(m[D]));
}

template <class Rot, int R>
inline void round_rows(__m128i& r0, __m128i& r1, __m128i& r2, __m128i& r3,
                       const std::uint32_t* m) {
  constexpr const std::uint8_t* s = kMsgSchedule[R];
  g_rows<Rot>(r0, r1, r2, r3, gather4<s[0], s[2], s[4], s[6]>(m),
              gather4<s[1], s[3], s[5], s[7]>(m));
  // Diagonal (0,5,10,15) into lane 0, (1,6,11,12) into lane 1, and so on.
  r1 = _mm_shuffle_epi32(r1, _MM_SHUFFLE(0, 3, 2, 1));
  r2 = _mm_shuffle_epi32(r2, _MM_SHUFFLE(1, 0, 3, 2));
  r3 = _mm_shuffle_epi32(r3, _MM_SHUFFLE(2, 1, 0, 3));
  g_rows<Rot>(r0, r1, r2, r3, gather4<s[8], s[10], s[12], s[14]>(m),
              gather4<s[9], s[11], s[13], s[15]>(m));
  r1 = _mm_shuffle_epi32(r1, _MM_SHUFFLE(2, 1, 0, 3));
  r2 = _mm_shuffle_epi32(r2, _MM_SHUFFLE(1, 0, 3, 2));
  r3 = _mm_shuffle_epi32(r3, _MM_SHUFFLE(0, 3, 2, 1));
}

// A CompressInPlaceFn (this code assumes a little-endian machine, as x86 is).
template <class Rot>
void compress_rows(std::uint32_t cv[8], const std::uint8_t block[kBlockLen],
                   std::uint8_t block_len, std::uint64_t t, std::uint8_t flags) {
  std::uint32_t m[16];
  __builtin_memcpy(m, block, kBlockLen);
  __m128i r0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(cv));
  __m128i r1 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(cv + 4));
  // The third row holds WILLIAM3's IV, not BLAKE3's (spec: bab#instantiations_william).
  __m128i r2 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(kIv));
  __m128i r3 = _mm_setr_epi32(static_cast<int>(static_cast<std::uint32_t>(t)),
                              static_cast<int>(static_cast<std::uint32_t>(t >> 32)), block_len,
                              flags);
  round_rows<Rot, 0>(r0, r1, r2, r3, m);
  round_rows<Rot, 1>(r0, r1, r2, r3, m);
  round_rows<Rot, 2>(r0, r1, r2, r3, m);
  round_rows<Rot, 3>(r0, r1, r2, r3, m);
  round_rows<Rot, 4>(r0, r1, r2, r3, m);
  round_rows<Rot, 5>(r0, r1, r2, r3, m);
  round_rows<Rot, 6>(r0, r1, r2, r3, m);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(cv), _mm_xor_si128(r0, r2));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(cv + 4), _mm_xor_si128(r1, r3));
}

// Hashes num_inputs inputs one after the other with compress_rows (see HashManyFn): for
// what is left over after the full-width passes.
template <class Rot>
void hash_rows(const std::uint8_t* const* inputs, std::size_t num_inputs, std::size_t blocks,
               const std::uint32_t key[8], std::uint64_t t, std::uint8_t flags,
               std::uint8_t flags_start, std::uint8_t flags_end, std::uint8_t* out) {
  for (std::size_t i = 0; i < num_inputs; ++i) {
    std::uint32_t cv[8];
    __builtin_memcpy(cv, key, sizeof cv);
    std::uint8_t block_flags = flags | flags_start;
    for (std::size_t b = 0; b < blocks; ++b) {
      if (b + 1 == blocks) block_flags |= flags_end;
      compress_rows<Rot>(cv, inputs[i] + b * kBlockLen, kBlockLen, t, block_flags);
      block_flags = flags;
    }
    __builtin_memcpy(out + i * kOutLen, cv, kOutLen);
  }
}

}  // namespace
}  // namespace osier::crypto::w3
