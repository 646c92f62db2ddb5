// The WILLIAM3 compression function for x86 SIMD, written once and compiled by each SIMD
// backend (william3_sse41.cpp, william3_avx2.cpp, william3_avx512.cpp) for its own
// instruction set. Include it from those files only.
//
// Each of those files is compiled with its own -m flags, and the code here picks the best
// instructions those flags allow (e.g. AVX-512VL's rotate when available, byte shuffles and
// shifts otherwise). Everything is in an unnamed namespace, so every backend gets a private
// copy: no inline function built with AVX instructions can be merged by the linker into
// code that runs on a CPU without them. For the same reason this header calls no inline
// function of other headers.
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

// ---- Vector operations, one type per register width. ----
//
// Each provides Reg; add, bit_xor, set1; unpacklo32/unpackhi32/unpacklo64/unpackhi64;
// shuffle<imm>(a) and shuffle2<imm>(a, b) (pshufd and shufps); blend_word3(a, b) (a with
// word 3 taken from b); broadcast4(p) (words p[0..3]). Wider than 128 bits, every one of
// them except set1 and broadcast4 acts on each 128-bit block on its own.

template <int N>
inline __m128i rotr(__m128i x) {
#if defined(__AVX512VL__)
  return _mm_ror_epi32(x, N);
#else
  if constexpr (N == 16) {
    return _mm_shuffle_epi8(x, _mm_setr_epi8(2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13));
  } else if constexpr (N == 8) {
    return _mm_shuffle_epi8(x, _mm_setr_epi8(1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, 8, 13, 14, 15, 12));
  } else {
    return _mm_or_si128(_mm_srli_epi32(x, N), _mm_slli_epi32(x, 32 - N));
  }
#endif
}

struct Ops128 {
  using Reg = __m128i;
  static Reg add(Reg a, Reg b) { return _mm_add_epi32(a, b); }
  static Reg bit_xor(Reg a, Reg b) { return _mm_xor_si128(a, b); }
  static Reg set1(std::uint32_t w) { return _mm_set1_epi32(static_cast<int>(w)); }
  static Reg unpacklo32(Reg a, Reg b) { return _mm_unpacklo_epi32(a, b); }
  static Reg unpackhi32(Reg a, Reg b) { return _mm_unpackhi_epi32(a, b); }
  static Reg unpacklo64(Reg a, Reg b) { return _mm_unpacklo_epi64(a, b); }
  static Reg unpackhi64(Reg a, Reg b) { return _mm_unpackhi_epi64(a, b); }
  template <int Imm>
  static Reg shuffle(Reg a) {
    return _mm_shuffle_epi32(a, Imm);
  }
  template <int Imm>
  static Reg shuffle2(Reg a, Reg b) {
    return _mm_castps_si128(_mm_shuffle_ps(_mm_castsi128_ps(a), _mm_castsi128_ps(b), Imm));
  }
  static Reg blend_word3(Reg a, Reg b) { return _mm_blend_epi16(a, b, 0xc0); }
  static Reg broadcast4(const std::uint32_t* p) {
    return _mm_loadu_si128(reinterpret_cast<const Reg*>(p));
  }
};

#if defined(__AVX2__)
template <int N>
inline __m256i rotr(__m256i x) {
#if defined(__AVX512VL__)
  return _mm256_ror_epi32(x, N);
#else
  if constexpr (N == 16) {
    return _mm256_shuffle_epi8(
        x, _mm256_setr_epi8(2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13, 2, 3, 0, 1, 6, 7,
                            4, 5, 10, 11, 8, 9, 14, 15, 12, 13));
  } else if constexpr (N == 8) {
    return _mm256_shuffle_epi8(
        x, _mm256_setr_epi8(1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, 8, 13, 14, 15, 12, 1, 2, 3, 0, 5, 6,
                            7, 4, 9, 10, 11, 8, 13, 14, 15, 12));
  } else {
    return _mm256_or_si256(_mm256_srli_epi32(x, N), _mm256_slli_epi32(x, 32 - N));
  }
#endif
}

struct Ops256 {
  using Reg = __m256i;
  static Reg add(Reg a, Reg b) { return _mm256_add_epi32(a, b); }
  static Reg bit_xor(Reg a, Reg b) { return _mm256_xor_si256(a, b); }
  static Reg set1(std::uint32_t w) { return _mm256_set1_epi32(static_cast<int>(w)); }
  static Reg unpacklo32(Reg a, Reg b) { return _mm256_unpacklo_epi32(a, b); }
  static Reg unpackhi32(Reg a, Reg b) { return _mm256_unpackhi_epi32(a, b); }
  static Reg unpacklo64(Reg a, Reg b) { return _mm256_unpacklo_epi64(a, b); }
  static Reg unpackhi64(Reg a, Reg b) { return _mm256_unpackhi_epi64(a, b); }
  template <int Imm>
  static Reg shuffle(Reg a) {
    return _mm256_shuffle_epi32(a, Imm);
  }
  template <int Imm>
  static Reg shuffle2(Reg a, Reg b) {
    return _mm256_castps_si256(
        _mm256_shuffle_ps(_mm256_castsi256_ps(a), _mm256_castsi256_ps(b), Imm));
  }
  static Reg blend_word3(Reg a, Reg b) { return _mm256_blend_epi32(a, b, 0x88); }
  static Reg broadcast4(const std::uint32_t* p) {
    return _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  }
};
#endif

#if defined(__AVX512F__)
template <int N>
inline __m512i rotr(__m512i x) {
  return _mm512_ror_epi32(x, N);
}

struct Ops512 {
  using Reg = __m512i;
  static Reg add(Reg a, Reg b) { return _mm512_add_epi32(a, b); }
  static Reg bit_xor(Reg a, Reg b) { return _mm512_xor_si512(a, b); }
  static Reg set1(std::uint32_t w) { return _mm512_set1_epi32(static_cast<int>(w)); }
  static Reg unpacklo32(Reg a, Reg b) { return _mm512_unpacklo_epi32(a, b); }
  static Reg unpackhi32(Reg a, Reg b) { return _mm512_unpackhi_epi32(a, b); }
  static Reg unpacklo64(Reg a, Reg b) { return _mm512_unpacklo_epi64(a, b); }
  static Reg unpackhi64(Reg a, Reg b) { return _mm512_unpackhi_epi64(a, b); }
  template <int Imm>
  static Reg shuffle(Reg a) {
    return _mm512_shuffle_epi32(a, static_cast<_MM_PERM_ENUM>(Imm));
  }
  template <int Imm>
  static Reg shuffle2(Reg a, Reg b) {
    return _mm512_castps_si512(
        _mm512_shuffle_ps(_mm512_castsi512_ps(a), _mm512_castsi512_ps(b), Imm));
  }
  static Reg blend_word3(Reg a, Reg b) { return _mm512_mask_blend_epi32(0x8888, a, b); }
  static Reg broadcast4(const std::uint32_t* p) {
    return _mm512_broadcast_i32x4(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  }
};
#endif

// Transposes, within each 128-bit block, the 4x4 matrix of words whose rows are r[0..3]:
// afterwards word i of r[j] is what word j of r[i] was.
template <class O>
inline void transpose4_blocks(typename O::Reg r[4]) {
  auto ab01 = O::unpacklo32(r[0], r[1]);  // a0 b0 a1 b1
  auto ab23 = O::unpackhi32(r[0], r[1]);  // a2 b2 a3 b3
  auto cd01 = O::unpacklo32(r[2], r[3]);
  auto cd23 = O::unpackhi32(r[2], r[3]);
  r[0] = O::unpacklo64(ab01, cd01);
  r[1] = O::unpackhi64(ab01, cd01);
  r[2] = O::unpacklo64(ab23, cd23);
  r[3] = O::unpackhi64(ab23, cd23);
}

// ---- Many inputs at once: lane i of every register belongs to input i. ----
//
// A lane type L adds to its vector operations: kLanes; load_transposed(inputs, offset, m),
// which sets m[w] to word w of the 64-byte block at inputs[i] + offset in lane i; and
// store_transposed(h, out), which writes lane i of h[0..7] as 32 bytes to out + 32 * i.

// How far ahead of the block being hashed the wide paths ask for each input's bytes.
// Prefetches past an input's end are harmless (they never fault).
constexpr std::size_t kPrefetchAhead = 4 * kBlockLen;

// G mixes v[a], v[b], v[c], v[d]. A half-round applies it to four disjoint quadruples
// (a = 0..3), step by step across the four, so independent operations sit side by side.
struct Quads {
  int b[4], c[4], d[4];
};
inline constexpr Quads kColumns = {{4, 5, 6, 7}, {8, 9, 10, 11}, {12, 13, 14, 15}};
inline constexpr Quads kDiagonals = {{5, 6, 7, 4}, {10, 11, 8, 9}, {15, 12, 13, 14}};

template <class L, const Quads& Q, int R, int First>
inline void half_round(typename L::Reg* v, const typename L::Reg* m) {
  constexpr const std::uint8_t* kPick = kMsgSchedule[R] + First;
  for (int i = 0; i < 4; ++i) v[i] = L::add(L::add(v[i], m[kPick[2 * i]]), v[Q.b[i]]);
  for (int i = 0; i < 4; ++i) v[Q.d[i]] = rotr<16>(L::bit_xor(v[Q.d[i]], v[i]));
  for (int i = 0; i < 4; ++i) v[Q.c[i]] = L::add(v[Q.c[i]], v[Q.d[i]]);
  for (int i = 0; i < 4; ++i) v[Q.b[i]] = rotr<12>(L::bit_xor(v[Q.b[i]], v[Q.c[i]]));
  for (int i = 0; i < 4; ++i) v[i] = L::add(L::add(v[i], m[kPick[2 * i + 1]]), v[Q.b[i]]);
  for (int i = 0; i < 4; ++i) v[Q.d[i]] = rotr<8>(L::bit_xor(v[Q.d[i]], v[i]));
  for (int i = 0; i < 4; ++i) v[Q.c[i]] = L::add(v[Q.c[i]], v[Q.d[i]]);
  for (int i = 0; i < 4; ++i) v[Q.b[i]] = rotr<7>(L::bit_xor(v[Q.b[i]], v[Q.c[i]]));
}

template <class L, int R>
inline void round_lanes(typename L::Reg* v, const typename L::Reg* m) {
  half_round<L, kColumns, R, 0>(v, m);
  half_round<L, kDiagonals, R, 8>(v, m);
}

// The message words for one round. Sixteen state and sixteen message registers fit the
// 32 vector registers of AVX-512, but are twice the 16 of SSE and AVX2: there the message
// is better read from memory by the adds that use it (loads fold into those adds at no
// extra cost). Behind an opaque pointer, the compiler cannot keep earlier rounds' loads in
// registers.
template <class Reg>
inline const Reg* message_operands(const Reg* m) {
#if !defined(__AVX512F__)
  __asm__("" : "+r"(m));
#endif
  return m;
}

// Hashes L::kLanes inputs of `blocks` blocks each (see HashManyFn).
template <class L>
void hash_lanes(const std::uint8_t* const* inputs, std::size_t blocks, const std::uint32_t key[8],
                std::uint64_t t, std::uint8_t flags, std::uint8_t flags_start,
                std::uint8_t flags_end, std::uint8_t* out) {
  using Reg = typename L::Reg;
  Reg h[8];
  for (int i = 0; i < 8; ++i) h[i] = L::set1(key[i]);
  std::uint8_t block_flags = flags | flags_start;
  for (std::size_t b = 0; b < blocks; ++b) {
    if (b + 1 == blocks) block_flags |= flags_end;
    alignas(sizeof(Reg)) Reg m[16];
    L::load_transposed(inputs, b * kBlockLen, m);
    // The third row holds WILLIAM3's IV, not BLAKE3's (spec: bab#instantiations_william).
    Reg v[16];
    for (int i = 0; i < 8; ++i) v[i] = h[i];
    for (int i = 0; i < 4; ++i) v[8 + i] = L::set1(kIv[i]);
    v[12] = L::set1(static_cast<std::uint32_t>(t));
    v[13] = L::set1(static_cast<std::uint32_t>(t >> 32));
    v[14] = L::set1(static_cast<std::uint32_t>(kBlockLen));
    v[15] = L::set1(block_flags);
    round_lanes<L, 0>(v, message_operands(m));
    round_lanes<L, 1>(v, message_operands(m));
    round_lanes<L, 2>(v, message_operands(m));
    round_lanes<L, 3>(v, message_operands(m));
    round_lanes<L, 4>(v, message_operands(m));
    round_lanes<L, 5>(v, message_operands(m));
    round_lanes<L, 6>(v, message_operands(m));
    for (int i = 0; i < 8; ++i) h[i] = L::bit_xor(v[i], v[i + 8]);
    block_flags = flags;
  }
  L::store_transposed(h, out);
}

struct Lanes4 : Ops128 {
  static constexpr std::size_t kLanes = 4;
  static void load_transposed(const std::uint8_t* const* in, std::size_t offset, Reg m[16]) {
    for (std::size_t q = 0; q < 4; ++q) {
      for (std::size_t i = 0; i < 4; ++i)
        m[4 * q + i] = _mm_loadu_si128(reinterpret_cast<const Reg*>(in[i] + offset + 16 * q));
      transpose4_blocks<Ops128>(m + 4 * q);
    }
  }
  static void store_transposed(const Reg h[8], std::uint8_t* out) {
    Reg lo[4] = {h[0], h[1], h[2], h[3]};
    Reg hi[4] = {h[4], h[5], h[6], h[7]};
    transpose4_blocks<Ops128>(lo);
    transpose4_blocks<Ops128>(hi);
    for (std::size_t i = 0; i < 4; ++i) {
      _mm_storeu_si128(reinterpret_cast<Reg*>(out + kOutLen * i), lo[i]);
      _mm_storeu_si128(reinterpret_cast<Reg*>(out + kOutLen * i + 16), hi[i]);
    }
  }
};

#if defined(__AVX2__)
struct Lanes8 : Ops256 {
  static constexpr std::size_t kLanes = 8;
  // Each register takes 16 bytes of input i and of input i + 4, so one 4x4 transpose per
  // 128-bit block orders the lanes by input.
  static void load_transposed(const std::uint8_t* const* in, std::size_t offset, Reg m[16]) {
    for (std::size_t q = 0; q < 4; ++q) {
      for (std::size_t i = 0; i < 4; ++i)
        m[4 * q + i] =
            _mm256_loadu2_m128i(reinterpret_cast<const __m128i*>(in[i + 4] + offset + 16 * q),
                                reinterpret_cast<const __m128i*>(in[i] + offset + 16 * q));
      transpose4_blocks<Ops256>(m + 4 * q);
    }
    for (std::size_t i = 0; i < 8; ++i)
      _mm_prefetch(reinterpret_cast<const char*>(in[i] + offset + kPrefetchAhead), _MM_HINT_T0);
  }
  static void store_transposed(const Reg h[8], std::uint8_t* out) {
    // After the transposes, lo[i] holds words 0-3 of lanes i and i + 4, hi[i] words 4-7.
    Reg lo[4] = {h[0], h[1], h[2], h[3]};
    Reg hi[4] = {h[4], h[5], h[6], h[7]};
    transpose4_blocks<Ops256>(lo);
    transpose4_blocks<Ops256>(hi);
    for (std::size_t i = 0; i < 4; ++i) {
      _mm256_storeu_si256(reinterpret_cast<Reg*>(out + kOutLen * i),
                          _mm256_permute2x128_si256(lo[i], hi[i], 0x20));
      _mm256_storeu_si256(reinterpret_cast<Reg*>(out + kOutLen * (i + 4)),
                          _mm256_permute2x128_si256(lo[i], hi[i], 0x31));
    }
  }
};
#endif

#if defined(__AVX512F__)
struct Lanes16 : Ops512 {
  static constexpr std::size_t kLanes = 16;
  // Each register takes 32 bytes of input i and of input i + 8; transposing the 4x4 blocks
  // and then exchanging 128-bit blocks orders the lanes by input.
  static void load_transposed(const std::uint8_t* const* in, std::size_t offset, Reg m[16]) {
    const __m512i low_blocks = _mm512_setr_epi64(0, 1, 8, 9, 4, 5, 12, 13);
    const __m512i high_blocks = _mm512_setr_epi64(2, 3, 10, 11, 6, 7, 14, 15);
    for (std::size_t half = 0; half < 2; ++half) {
      Reg* r = m + 8 * half;
      for (std::size_t i = 0; i < 8; ++i) {
        const std::uint8_t* lo = in[i] + offset + 32 * half;
        const std::uint8_t* hi = in[i + 8] + offset + 32 * half;
        r[i] = _mm512_inserti64x4(
            _mm512_castsi256_si512(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(lo))),
            _mm256_loadu_si256(reinterpret_cast<const __m256i*>(hi)), 1);
      }
      // Now block k of r[j] (r[4 + j]) holds word j of inputs 0-3 (4-7) for k = 0, word
      // j + 4 for k = 1, and the same of inputs 8-11 (12-15) for k = 2, 3.
      transpose4_blocks<Ops512>(r);
      transpose4_blocks<Ops512>(r + 4);
      for (int j = 0; j < 4; ++j) {
        Reg words_j = _mm512_permutex2var_epi64(r[j], low_blocks, r[4 + j]);
        r[j + 4] = _mm512_permutex2var_epi64(r[j], high_blocks, r[4 + j]);
        r[j] = words_j;
      }
    }
    // Sixteen interleaved streams are more than the hardware prefetcher follows well.
    for (std::size_t i = 0; i < 16; ++i)
      _mm_prefetch(reinterpret_cast<const char*>(in[i] + offset + kPrefetchAhead), _MM_HINT_T0);
  }
  static void store_transposed(const Reg h[8], std::uint8_t* out) {
    // After the transposes, block k of lo[j] (hi[j]) holds words 0-3 (4-7) of lane 4k + j.
    Reg lo[4] = {h[0], h[1], h[2], h[3]};
    Reg hi[4] = {h[4], h[5], h[6], h[7]};
    transpose4_blocks<Ops512>(lo);
    transpose4_blocks<Ops512>(hi);
    // p holds lanes j and 4 + j, q lanes 8 + j and 12 + j.
    const __m512i lanes_0_4 = _mm512_setr_epi64(0, 1, 8, 9, 2, 3, 10, 11);
    const __m512i lanes_8_12 = _mm512_setr_epi64(4, 5, 12, 13, 6, 7, 14, 15);
    for (std::size_t j = 0; j < 4; ++j) {
      __m512i p = _mm512_permutex2var_epi64(lo[j], lanes_0_4, hi[j]);
      __m512i q = _mm512_permutex2var_epi64(lo[j], lanes_8_12, hi[j]);
      auto* o = reinterpret_cast<__m256i*>(out + kOutLen * j);
      _mm256_storeu_si256(o, _mm512_castsi512_si256(p));
      _mm256_storeu_si256(o + 4, _mm512_extracti64x4_epi64(p, 1));
      _mm256_storeu_si256(o + 8, _mm512_castsi512_si256(q));
      _mm256_storeu_si256(o + 12, _mm512_extracti64x4_epi64(q, 1));
    }
  }
};
#endif

// ---- A few inputs at once: the state as four rows, one 128-bit block per input. ----
//
// Rows a, b, c, d hold state words 0-3, 4-7, 8-11 and 12-15; with registers wider than 128
// bits, each 128-bit block holds another input's state and every operation below stays
// within its block. A round applies G to the four columns, then turns the diagonals into
// columns and applies G again. Rows a, c and d move for that (not b, which G finishes
// last), so the shuffles overlap G's tail instead of lengthening the chain from one G to
// the next; then diagonal G number (j + 3) % 4 lands in column j.
//
// A row type W adds to its vector operations: kLanes (inputs per register);
// load(inputs, offset) (16 bytes of input i at offset into block i); and store(lo, hi, out)
// (block i of lo and hi as 32 bytes to out + 32 * i).

// Returns x, but the compiler cannot see through it: keeps a sum in the order written.
template <class Reg>
inline Reg opaque(Reg x) {
  __asm__("" : "+v"(x));
  return x;
}

// G on the four columns of rows a, b, c, d at once, with message words x and y.
// One compression is a chain of dependent Gs, so the chain's length is what counts here:
// a + x is ready before b, and adding b last keeps one add on the chain instead of two
// (compilers would otherwise reassociate the sum).
template <class W>
inline void g_rows(typename W::Reg& a, typename W::Reg& b, typename W::Reg& c, typename W::Reg& d,
                   typename W::Reg x, typename W::Reg y) {
  a = W::add(opaque(W::add(a, x)), b);
  d = rotr<16>(W::bit_xor(d, a));
  c = W::add(c, d);
  b = rotr<12>(W::bit_xor(b, c));
  a = W::add(opaque(W::add(a, y)), b);
  d = rotr<8>(W::bit_xor(d, a));
  c = W::add(c, d);
  b = rotr<7>(W::bit_xor(b, c));
}

// Compresses one 64-byte block per input, given as its four 16-byte quarters q[0..3]:
// rows a and b hold the chaining values before and after, d the counter, length and flags.
//
// The message enters each round as four rows: x = (m0 m2 m4 m6) and y = (m1 m3 m5 m7) for
// the columns, z = (m14 m8 m10 m12) and w = (m15 m9 m11 m13) for the diagonals (column j
// of z and w feeds diagonal G (j + 3) % 4), where m is the message permuted for that round.
// Permuting m by the schedule's step (kMsgSchedule[1]) maps these rows to the next round's
// as written below.
template <class W>
inline void compress_rows(typename W::Reg& a, typename W::Reg& b, typename W::Reg d,
                          typename W::Reg q0, typename W::Reg q1, typename W::Reg q2,
                          typename W::Reg q3) {
  using Reg = typename W::Reg;
  Reg c = W::broadcast4(kIv);  // WILLIAM3's IV, not BLAKE3's (spec: bab#instantiations_william)
  Reg x = W::template shuffle2<_MM_SHUFFLE(2, 0, 2, 0)>(q0, q1);
  Reg y = W::template shuffle2<_MM_SHUFFLE(3, 1, 3, 1)>(q0, q1);
  Reg z = W::template shuffle<_MM_SHUFFLE(2, 1, 0, 3)>(
      W::template shuffle2<_MM_SHUFFLE(2, 0, 2, 0)>(q2, q3));
  Reg w = W::template shuffle<_MM_SHUFFLE(2, 1, 0, 3)>(
      W::template shuffle2<_MM_SHUFFLE(3, 1, 3, 1)>(q2, q3));
  for (int r = 0; r < 7; ++r) {
    g_rows<W>(a, b, c, d, x, y);
    a = W::template shuffle<_MM_SHUFFLE(2, 1, 0, 3)>(a);  // v3 v0 v1 v2
    c = W::template shuffle<_MM_SHUFFLE(0, 3, 2, 1)>(c);  // v9 v10 v11 v8
    d = W::template shuffle<_MM_SHUFFLE(1, 0, 3, 2)>(d);  // v14 v15 v12 v13
    g_rows<W>(a, b, c, d, z, w);
    a = W::template shuffle<_MM_SHUFFLE(0, 3, 2, 1)>(a);
    c = W::template shuffle<_MM_SHUFFLE(2, 1, 0, 3)>(c);
    d = W::template shuffle<_MM_SHUFFLE(1, 0, 3, 2)>(d);
    if (r == 6) break;
    // x' = (x1 y1 y3 x2), y' = (x3 z2 x0 w3), z' = (w0 y0 z3 w1), w' = (z1 w2 y2 z0).
    Reg x1x2y1y3 = W::template shuffle2<_MM_SHUFFLE(3, 1, 2, 1)>(x, y);
    Reg x3x0z2w3 = W::blend_word3(W::template shuffle2<_MM_SHUFFLE(2, 2, 0, 3)>(x, z), w);
    Reg w0y0w1z3 = W::blend_word3(W::unpacklo32(w, y), z);
    Reg z1z0w2y2 = W::template shuffle2<_MM_SHUFFLE(1, 0, 0, 1)>(z, W::unpackhi32(w, y));
    x = W::template shuffle<_MM_SHUFFLE(1, 3, 2, 0)>(x1x2y1y3);
    y = W::template shuffle<_MM_SHUFFLE(3, 1, 2, 0)>(x3x0z2w3);
    z = W::template shuffle<_MM_SHUFFLE(2, 3, 1, 0)>(w0y0w1z3);
    w = W::template shuffle<_MM_SHUFFLE(1, 3, 2, 0)>(z1z0w2y2);
  }
  a = W::bit_xor(a, c);
  b = W::bit_xor(b, d);
}

// Hashes W::kLanes inputs of `blocks` blocks each (see HashManyFn).
template <class W>
void hash_rows(const std::uint8_t* const* inputs, std::size_t blocks, const std::uint32_t key[8],
               std::uint64_t t, std::uint8_t flags, std::uint8_t flags_start,
               std::uint8_t flags_end, std::uint8_t* out) {
  using Reg = typename W::Reg;
  Reg a = W::broadcast4(key);
  Reg b = W::broadcast4(key + 4);
  std::uint8_t block_flags = flags | flags_start;
  for (std::size_t blk = 0; blk < blocks; ++blk) {
    if (blk + 1 == blocks) block_flags |= flags_end;
    const std::size_t offset = blk * kBlockLen;
    const std::uint32_t d[4] = {static_cast<std::uint32_t>(t), static_cast<std::uint32_t>(t >> 32),
                                kBlockLen, block_flags};
    compress_rows<W>(a, b, W::broadcast4(d), W::load(inputs, offset), W::load(inputs, offset + 16),
                     W::load(inputs, offset + 32), W::load(inputs, offset + 48));
    block_flags = flags;
  }
  W::store(a, b, out);
}

struct Rows1 : Ops128 {
  static constexpr std::size_t kLanes = 1;
  static Reg load(const std::uint8_t* const* in, std::size_t offset) {
    return _mm_loadu_si128(reinterpret_cast<const Reg*>(in[0] + offset));
  }
  static void store(Reg lo, Reg hi, std::uint8_t* out) {
    _mm_storeu_si128(reinterpret_cast<Reg*>(out), lo);
    _mm_storeu_si128(reinterpret_cast<Reg*>(out + 16), hi);
  }
};

#if defined(__AVX2__)
struct Rows2 : Ops256 {
  static constexpr std::size_t kLanes = 2;
  static Reg load(const std::uint8_t* const* in, std::size_t offset) {
    return _mm256_loadu2_m128i(reinterpret_cast<const __m128i*>(in[1] + offset),
                               reinterpret_cast<const __m128i*>(in[0] + offset));
  }
  static void store(Reg lo, Reg hi, std::uint8_t* out) {
    _mm256_storeu_si256(reinterpret_cast<Reg*>(out), _mm256_permute2x128_si256(lo, hi, 0x20));
    _mm256_storeu_si256(reinterpret_cast<Reg*>(out + kOutLen),
                        _mm256_permute2x128_si256(lo, hi, 0x31));
  }
};
#endif

#if defined(__AVX512F__)
struct Rows4 : Ops512 {
  static constexpr std::size_t kLanes = 4;
  static Reg load(const std::uint8_t* const* in, std::size_t offset) {
    auto part = [&](int i) {
      return _mm_loadu_si128(reinterpret_cast<const __m128i*>(in[i] + offset));
    };
    Reg r = _mm512_castsi128_si512(part(0));
    r = _mm512_inserti32x4(r, part(1), 1);
    r = _mm512_inserti32x4(r, part(2), 2);
    return _mm512_inserti32x4(r, part(3), 3);
  }
  static void store(Reg lo, Reg hi, std::uint8_t* out) {
    const __m512i inputs_0_1 = _mm512_setr_epi64(0, 1, 8, 9, 2, 3, 10, 11);
    const __m512i inputs_2_3 = _mm512_setr_epi64(4, 5, 12, 13, 6, 7, 14, 15);
    _mm512_storeu_si512(out, _mm512_permutex2var_epi64(lo, inputs_0_1, hi));
    _mm512_storeu_si512(out + 2 * kOutLen, _mm512_permutex2var_epi64(lo, inputs_2_3, hi));
  }
};
#endif

// A CompressInPlaceFn (this code assumes a little-endian machine, as x86 is).
void compress_in_place_rows(std::uint32_t cv[8], const std::uint8_t block[kBlockLen],
                            std::uint8_t block_len, std::uint64_t t, std::uint8_t flags) {
  __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(cv));
  __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(cv + 4));
  __m128i d =
      _mm_setr_epi32(static_cast<int>(static_cast<std::uint32_t>(t)),
                     static_cast<int>(static_cast<std::uint32_t>(t >> 32)), block_len, flags);
  const auto* q = reinterpret_cast<const __m128i*>(block);
  compress_rows<Rows1>(a, b, d, _mm_loadu_si128(q), _mm_loadu_si128(q + 1), _mm_loadu_si128(q + 2),
                       _mm_loadu_si128(q + 3));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(cv), a);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(cv + 4), b);
}

// ---- A HashManyFn from lane and row types, widest first. ----
//
// Inputs go through the first type while enough are left, then the next ones; the last
// type takes a single input, so nothing is left over.
template <class... Ws>
void hash_many_simd(const std::uint8_t* const* inputs, std::size_t num_inputs, std::size_t blocks,
                    const std::uint32_t key[8], std::uint64_t t, std::uint8_t flags,
                    std::uint8_t flags_start, std::uint8_t flags_end, std::uint8_t* out) {
  auto run = [&](auto way) {
    using W = decltype(way);
    for (; num_inputs >= W::kLanes; num_inputs -= W::kLanes) {
      if constexpr (requires { W::load_transposed; }) {
        hash_lanes<W>(inputs, blocks, key, t, flags, flags_start, flags_end, out);
      } else {
        hash_rows<W>(inputs, blocks, key, t, flags, flags_start, flags_end, out);
      }
      inputs += W::kLanes;
      out += W::kLanes * kOutLen;
    }
  };
  (run(Ws{}), ...);
}

}  // namespace
}  // namespace osier::crypto::w3
