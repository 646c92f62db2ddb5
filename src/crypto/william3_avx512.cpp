// The AVX-512 WILLIAM3 backend: sixteen inputs per pass in 512-bit registers; leftovers
// eight at a time, then four and two at a time as rows, then singly. Every width uses
// AVX-512's rotate instruction (through AVX-512VL below 512 bits). The code is in
// william3_simd.hpp; this file is compiled with -mavx512f -mavx512vl (crypto/simd.cmake).
#include "crypto/william3_simd.hpp"

namespace osier::crypto::w3 {

const Backend& avx512_backend() {
  static const Backend b{"avx512", Lanes16::kLanes, compress_in_place_rows,
                         hash_many_simd<Lanes16, Lanes8, Rows4, Rows2, Rows1>};
  return b;
}

}  // namespace osier::crypto::w3
