// The SSE4.1 WILLIAM3 backend: four inputs per pass in 128-bit registers, and a
// single-block compression holding the state as four rows. The code is in
// william3_simd.hpp; this file is compiled with -msse4.1 (crypto/simd.cmake).
#include "crypto/william3_simd.hpp"

namespace osier::crypto::w3 {

const Backend& sse41_backend() {
  static const Backend b{"sse41", Lanes4::kLanes, compress_in_place_rows,
                         hash_many_simd<Lanes4, Rows1>};
  return b;
}

}  // namespace osier::crypto::w3
