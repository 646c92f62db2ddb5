// The AVX2 WILLIAM3 backend: eight inputs per pass in 256-bit registers; leftovers four at a
// time, then two at a time as rows, then singly. The code is in william3_simd.hpp; this file
// is compiled with -mavx2 (crypto/simd.cmake), which also gives the 128-bit paths VEX
// encodings.
#include "crypto/william3_simd.hpp"

namespace osier::crypto::w3 {

const Backend& avx2_backend() {
  static const Backend b{"avx2", Lanes8::kLanes, compress_in_place_rows,
                         hash_many_simd<Lanes8, Lanes4, Rows2, Rows1>};
  return b;
}

}  // namespace osier::crypto::w3
