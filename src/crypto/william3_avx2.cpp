// The AVX2 WILLIAM3 backend: eight inputs per pass in 256-bit registers. Fewer inputs go to
// the SSE4.1 backend, which every AVX2 CPU also runs.
#include "crypto/william3_simd.hpp"

namespace osier::crypto::w3 {
namespace {

// Transposes the 8x8 matrix of 32-bit words whose rows are r[0..7].
inline void transpose8(__m256i r[8]) {
  // Within each 128-bit half: pairs of rows interleaved, then quadruples.
  __m256i t[8];
  for (int p = 0; p < 4; ++p) {
    t[2 * p] = _mm256_unpacklo_epi32(r[2 * p], r[2 * p + 1]);
    t[2 * p + 1] = _mm256_unpackhi_epi32(r[2 * p], r[2 * p + 1]);
  }
  // u[4 * g + j]: words j (low half) and j + 4 (high half) of rows 4g .. 4g+3.
  __m256i u[8];
  for (int g = 0; g < 2; ++g) {
    const __m256i* q = t + 4 * g;
    u[4 * g + 0] = _mm256_unpacklo_epi64(q[0], q[2]);
    u[4 * g + 1] = _mm256_unpackhi_epi64(q[0], q[2]);
    u[4 * g + 2] = _mm256_unpacklo_epi64(q[1], q[3]);
    u[4 * g + 3] = _mm256_unpackhi_epi64(q[1], q[3]);
  }
  for (int j = 0; j < 4; ++j) {
    r[j] = _mm256_permute2x128_si256(u[j], u[4 + j], 0x20);
    r[j + 4] = _mm256_permute2x128_si256(u[j], u[4 + j], 0x31);
  }
}

struct Avx2 {
  using Reg = __m256i;
  static constexpr std::size_t kLanes = 8;
  static Reg add(Reg a, Reg b) { return _mm256_add_epi32(a, b); }
  static Reg xor_(Reg a, Reg b) { return _mm256_xor_si256(a, b); }
  static Reg set1(std::uint32_t w) { return _mm256_set1_epi32(static_cast<int>(w)); }
  template <int N>
  static Reg rotr(Reg x) {
    if constexpr (N == 16) {
      return _mm256_shuffle_epi8(x, _mm256_setr_epi8(2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15,
                                                     12, 13, 2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9,
                                                     14, 15, 12, 13));
    } else if constexpr (N == 8) {
      return _mm256_shuffle_epi8(x, _mm256_setr_epi8(1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, 8, 13, 14,
                                                     15, 12, 1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, 8,
                                                     13, 14, 15, 12));
    } else {
      return _mm256_or_si256(_mm256_srli_epi32(x, N), _mm256_slli_epi32(x, 32 - N));
    }
  }

  static void load_transposed(const std::uint8_t* const* in, std::size_t offset, Reg m[16]) {
    for (std::size_t half = 0; half < 2; ++half) {
      for (std::size_t i = 0; i < 8; ++i)
        m[8 * half + i] =
            _mm256_loadu_si256(reinterpret_cast<const Reg*>(in[i] + offset + 32 * half));
      transpose8(m + 8 * half);
    }
  }
  static void store_transposed(const Reg h[8], std::uint8_t* out) {
    Reg r[8] = {h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7]};
    transpose8(r);
    for (std::size_t i = 0; i < 8; ++i)
      _mm256_storeu_si256(reinterpret_cast<Reg*>(out + kOutLen * i), r[i]);
  }
};

void hash_many_avx2(const std::uint8_t* const* inputs, std::size_t num_inputs, std::size_t blocks,
                    const std::uint32_t key[8], std::uint64_t t, std::uint8_t flags,
                    std::uint8_t flags_start, std::uint8_t flags_end, std::uint8_t* out) {
  for (; num_inputs >= Avx2::kLanes; num_inputs -= Avx2::kLanes) {
    hash_lanes<Avx2>(inputs, blocks, key, t, flags, flags_start, flags_end, out);
    inputs += Avx2::kLanes;
    out += Avx2::kLanes * kOutLen;
  }
  if (num_inputs > 0)
    sse41_backend().hash_many(inputs, num_inputs, blocks, key, t, flags, flags_start, flags_end,
                              out);
}

}  // namespace

const Backend& avx2_backend() {
  // AVX2 has no rotate instruction, so the single-block compression is SSE4.1's, here
  // compiled with VEX encodings.
  static const Backend b{"avx2", Avx2::kLanes, compress_rows<RotSsse3>, hash_many_avx2};
  return b;
}

}  // namespace osier::crypto::w3
