// The SSE4.1 WILLIAM3 backend: four inputs per pass in 128-bit registers, and a
// single-block compression holding the state as four rows.
#include "crypto/william3_simd.hpp"

namespace osier::crypto::w3 {
namespace {

// Transposes the 4x4 matrix of 32-bit words whose rows are r[0..3].
inline void transpose4(__m128i r[4]) {
  __m128i ab01 = _mm_unpacklo_epi32(r[0], r[1]);  // a0 b0 a1 b1
  __m128i ab23 = _mm_unpackhi_epi32(r[0], r[1]);  // a2 b2 a3 b3
  __m128i cd01 = _mm_unpacklo_epi32(r[2], r[3]);
  __m128i cd23 = _mm_unpackhi_epi32(r[2], r[3]);
  r[0] = _mm_unpacklo_epi64(ab01, cd01);
  r[1] = _mm_unpackhi_epi64(ab01, cd01);
  r[2] = _mm_unpacklo_epi64(ab23, cd23);
  r[3] = _mm_unpackhi_epi64(ab23, cd23);
}

struct Sse41 : RotSsse3 {
  using Reg = __m128i;
  static constexpr std::size_t kLanes = 4;
  static Reg add(Reg a, Reg b) { return _mm_add_epi32(a, b); }
  static Reg xor_(Reg a, Reg b) { return _mm_xor_si128(a, b); }
  static Reg set1(std::uint32_t w) { return _mm_set1_epi32(static_cast<int>(w)); }

  static void load_transposed(const std::uint8_t* const* in, std::size_t offset, Reg m[16]) {
    for (std::size_t q = 0; q < 4; ++q) {
      for (std::size_t i = 0; i < 4; ++i)
        m[4 * q + i] = _mm_loadu_si128(reinterpret_cast<const Reg*>(in[i] + offset + 16 * q));
      transpose4(m + 4 * q);
    }
  }
  static void store_transposed(const Reg h[8], std::uint8_t* out) {
    Reg lo[4] = {h[0], h[1], h[2], h[3]};
    Reg hi[4] = {h[4], h[5], h[6], h[7]};
    transpose4(lo);
    transpose4(hi);
    for (std::size_t i = 0; i < 4; ++i) {
      _mm_storeu_si128(reinterpret_cast<Reg*>(out + kOutLen * i), lo[i]);
      _mm_storeu_si128(reinterpret_cast<Reg*>(out + kOutLen * i + 16), hi[i]);
    }
  }
};

void hash_many_sse41(const std::uint8_t* const* inputs, std::size_t num_inputs, std::size_t blocks,
                     const std::uint32_t key[8], std::uint64_t t, std::uint8_t flags,
                     std::uint8_t flags_start, std::uint8_t flags_end, std::uint8_t* out) {
  for (; num_inputs >= Sse41::kLanes; num_inputs -= Sse41::kLanes) {
    hash_lanes<Sse41>(inputs, blocks, key, t, flags, flags_start, flags_end, out);
    inputs += Sse41::kLanes;
    out += Sse41::kLanes * kOutLen;
  }
  hash_rows<RotSsse3>(inputs, num_inputs, blocks, key, t, flags, flags_start, flags_end, out);
}

}  // namespace

const Backend& sse41_backend() {
  static const Backend b{"sse41", Sse41::kLanes, compress_rows<RotSsse3>, hash_many_sse41};
  return b;
}

}  // namespace osier::crypto::w3
