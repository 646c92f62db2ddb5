// The portable WILLIAM3 backend: plain C++ compression, one input at a time.
// It defines the function every SIMD backend must agree with.
#include "crypto/william3_impl.hpp"

namespace osier::crypto::w3 {
namespace {

inline std::uint32_t rotr32(std::uint32_t w, int c) { return (w >> c) | (w << (32 - c)); }

inline void g(std::uint32_t* s, int a, int b, int c, int d, std::uint32_t x, std::uint32_t y) {
  s[a] = s[a] + s[b] + x;
  s[d] = rotr32(s[d] ^ s[a], 16);
  s[c] = s[c] + s[d];
  s[b] = rotr32(s[b] ^ s[c], 12);
  s[a] = s[a] + s[b] + y;
  s[d] = rotr32(s[d] ^ s[a], 8);
  s[c] = s[c] + s[d];
  s[b] = rotr32(s[b] ^ s[c], 7);
}

inline void round_fn(std::uint32_t s[16], const std::uint32_t* m, std::size_t r) {
  const std::uint8_t* sc = kMsgSchedule[r];
  g(s, 0, 4, 8, 12, m[sc[0]], m[sc[1]]);
  g(s, 1, 5, 9, 13, m[sc[2]], m[sc[3]]);
  g(s, 2, 6, 10, 14, m[sc[4]], m[sc[5]]);
  g(s, 3, 7, 11, 15, m[sc[6]], m[sc[7]]);
  g(s, 0, 5, 10, 15, m[sc[8]], m[sc[9]]);
  g(s, 1, 6, 11, 12, m[sc[10]], m[sc[11]]);
  g(s, 2, 7, 8, 13, m[sc[12]], m[sc[13]]);
  g(s, 3, 4, 9, 14, m[sc[14]], m[sc[15]]);
}

void compress_in_place_portable(std::uint32_t cv[8], const std::uint8_t block[kBlockLen],
                                std::uint8_t block_len, std::uint64_t t, std::uint8_t flags) {
  std::uint32_t m[16];
  for (int i = 0; i < 16; ++i) m[i] = load32(block + 4 * i);
  // The third row holds WILLIAM3's IV, not BLAKE3's (spec: bab#instantiations_william).
  std::uint32_t s[16] = {cv[0],
                         cv[1],
                         cv[2],
                         cv[3],
                         cv[4],
                         cv[5],
                         cv[6],
                         cv[7],
                         kIv[0],
                         kIv[1],
                         kIv[2],
                         kIv[3],
                         static_cast<std::uint32_t>(t),
                         static_cast<std::uint32_t>(t >> 32),
                         block_len,
                         flags};
  for (std::size_t r = 0; r < 7; ++r) round_fn(s, m, r);
  for (int i = 0; i < 8; ++i) cv[i] = s[i] ^ s[i + 8];
}

void hash_many_portable(const std::uint8_t* const* inputs, std::size_t num_inputs,
                        std::size_t blocks, const std::uint32_t key[8], std::uint64_t t,
                        std::uint8_t flags, std::uint8_t flags_start, std::uint8_t flags_end,
                        std::uint8_t* out) {
  for (std::size_t i = 0; i < num_inputs; ++i) {
    std::uint32_t cv[8];
    std::memcpy(cv, key, sizeof cv);
    std::uint8_t block_flags = flags | flags_start;
    for (std::size_t b = 0; b < blocks; ++b) {
      if (b + 1 == blocks) block_flags |= flags_end;
      compress_in_place_portable(cv, inputs[i] + b * kBlockLen, kBlockLen, t, block_flags);
      block_flags = flags;
    }
    for (int w = 0; w < 8; ++w) store32(out + 32 * i + 4 * w, cv[w]);
  }
}

}  // namespace

const Backend& portable_backend() {
  static const Backend b{"portable", 1, compress_in_place_portable, hash_many_portable};
  return b;
}

}  // namespace osier::crypto::w3
