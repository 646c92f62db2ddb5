// The AVX-512 WILLIAM3 backend: sixteen inputs per pass in 512-bit registers, with the
// rotate instruction (also for the single-block compression, through AVX-512VL). Fewer
// inputs go to the AVX2 backend, which every AVX-512 CPU also runs.
#include "crypto/william3_simd.hpp"

namespace osier::crypto::w3 {
namespace {

// Transposes the 16x16 matrix of 32-bit words whose rows are r[0..15].
inline void transpose16(__m512i r[16]) {
  // Within each 128-bit block: pairs of rows interleaved, then quadruples.
  __m512i t[16];
  for (int p = 0; p < 8; ++p) {
    t[2 * p] = _mm512_unpacklo_epi32(r[2 * p], r[2 * p + 1]);
    t[2 * p + 1] = _mm512_unpackhi_epi32(r[2 * p], r[2 * p + 1]);
  }
  // w[4 * g + j]: 128-bit block k holds word 4k + j of rows 4g .. 4g+3.
  __m512i w[16];
  for (int g = 0; g < 4; ++g) {
    const __m512i* q = t + 4 * g;
    w[4 * g + 0] = _mm512_unpacklo_epi64(q[0], q[2]);
    w[4 * g + 1] = _mm512_unpackhi_epi64(q[0], q[2]);
    w[4 * g + 2] = _mm512_unpacklo_epi64(q[1], q[3]);
    w[4 * g + 3] = _mm512_unpackhi_epi64(q[1], q[3]);
  }
  // What remains is a 4x4 transpose of 128-bit blocks, once for each j.
  for (int j = 0; j < 4; ++j) {
    __m512i even01 = _mm512_shuffle_i32x4(w[j], w[4 + j], _MM_SHUFFLE(2, 0, 2, 0));
    __m512i odd01 = _mm512_shuffle_i32x4(w[j], w[4 + j], _MM_SHUFFLE(3, 1, 3, 1));
    __m512i even23 = _mm512_shuffle_i32x4(w[8 + j], w[12 + j], _MM_SHUFFLE(2, 0, 2, 0));
    __m512i odd23 = _mm512_shuffle_i32x4(w[8 + j], w[12 + j], _MM_SHUFFLE(3, 1, 3, 1));
    r[j] = _mm512_shuffle_i32x4(even01, even23, _MM_SHUFFLE(2, 0, 2, 0));
    r[4 + j] = _mm512_shuffle_i32x4(odd01, odd23, _MM_SHUFFLE(2, 0, 2, 0));
    r[8 + j] = _mm512_shuffle_i32x4(even01, even23, _MM_SHUFFLE(3, 1, 3, 1));
    r[12 + j] = _mm512_shuffle_i32x4(odd01, odd23, _MM_SHUFFLE(3, 1, 3, 1));
  }
}

struct Avx512 {
  using Reg = __m512i;
  static constexpr std::size_t kLanes = 16;
  static Reg add(Reg a, Reg b) { return _mm512_add_epi32(a, b); }
  static Reg xor_(Reg a, Reg b) { return _mm512_xor_si512(a, b); }
  static Reg set1(std::uint32_t w) { return _mm512_set1_epi32(static_cast<int>(w)); }
  template <int N>
  static Reg rotr(Reg x) {
    return _mm512_ror_epi32(x, N);
  }

  static void load_transposed(const std::uint8_t* const* in, std::size_t offset, Reg m[16]) {
    for (std::size_t i = 0; i < 16; ++i) m[i] = _mm512_loadu_si512(in[i] + offset);
    transpose16(m);
  }
  // Writes the eight words of each of the 16 lanes as 32 bytes.
  static void store_transposed(const Reg h[8], std::uint8_t* out) {
    // lo[j] (from h[0..3]) and hi[j] (from h[4..7]): block k holds four words of lane 4k + j.
    __m512i lo[4], hi[4];
    for (int half = 0; half < 2; ++half) {
      const Reg* q = h + 4 * half;
      __m512i* dst = half == 0 ? lo : hi;
      __m512i a = _mm512_unpacklo_epi32(q[0], q[1]);
      __m512i b = _mm512_unpackhi_epi32(q[0], q[1]);
      __m512i c = _mm512_unpacklo_epi32(q[2], q[3]);
      __m512i d = _mm512_unpackhi_epi32(q[2], q[3]);
      dst[0] = _mm512_unpacklo_epi64(a, c);
      dst[1] = _mm512_unpackhi_epi64(a, c);
      dst[2] = _mm512_unpacklo_epi64(b, d);
      dst[3] = _mm512_unpackhi_epi64(b, d);
    }
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

struct RotAvx512Vl {
  template <int N>
  static __m128i rotr(__m128i x) {
    return _mm_ror_epi32(x, N);
  }
};

void hash_many_avx512(const std::uint8_t* const* inputs, std::size_t num_inputs,
                      std::size_t blocks, const std::uint32_t key[8], std::uint64_t t,
                      std::uint8_t flags, std::uint8_t flags_start, std::uint8_t flags_end,
                      std::uint8_t* out) {
  for (; num_inputs >= Avx512::kLanes; num_inputs -= Avx512::kLanes) {
    hash_lanes<Avx512>(inputs, blocks, key, t, flags, flags_start, flags_end, out);
    inputs += Avx512::kLanes;
    out += Avx512::kLanes * kOutLen;
  }
  if (num_inputs > 0)
    avx2_backend().hash_many(inputs, num_inputs, blocks, key, t, flags, flags_start, flags_end,
                             out);
}

}  // namespace

const Backend& avx512_backend() {
  static const Backend b{"avx512", Avx512::kLanes, compress_rows<RotAvx512Vl>, hash_many_avx512};
  return b;
}

}  // namespace osier::crypto::w3
