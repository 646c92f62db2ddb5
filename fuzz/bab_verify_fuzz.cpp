// Bab stream verification against mutated streams: a payload derived from the input, a valid
// stream for it, then fuzzer-chosen flips, truncations, insertions or plain garbage. The
// verifier must never crash, never release a byte it has not verified, and accept only the
// unmodified stream.
//
// Input: [options][len_hi][len_lo][slice][piece seed] then 3-byte edits (pos_hi, pos_lo, op).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <random>

#include "crypto/bab_verifier.hpp"
#include "osier/crypto/bab_outboard.hpp"
#include "osier/crypto/bab_stream.hpp"
#include "stream_edits.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace osier;
  using namespace osier::crypto;
  if (size < 5) return 0;
  const std::uint8_t opt = data[0];
  const bool small_chunks = opt & 0x20;
  static const ConventionalBab kSmall(2);
  const BabHash& hash = small_chunks ? static_cast<const BabHash&>(kSmall) : william3_bab();
  const std::size_t len = ((data[1] << 8) | data[2]) % (small_chunks ? 80 : 9000);

  Bytes payload(len);
  std::mt19937_64 rng(len);
  for (auto& b : payload) b = static_cast<std::uint8_t>(rng());
  auto ob = bab_outboard(payload, hash);
  if (!ob.is_ok()) std::abort();

  BabStreamOptions o;
  o.light = opt & 1;
  static const unsigned kKs[4] = {0, 1, 2, 64};
  o.k = kKs[(opt >> 1) & 3];
  o.length_prefix = opt & 0x10;
  BabGeometry geo(len, hash.chunk_size());
  if (opt & 0x08) {
    std::uint64_t n = geo.num_chunks();
    std::uint64_t first = (data[3] >> 4) % (n + 1);
    o.slice = BabSlice{first, (data[3] & 15) % (n - first + 1)};
  }
  auto stream_or = bab_stream(o, payload, *ob, hash);
  if (!stream_or.is_ok()) std::abort();
  const Bytes valid = *stream_or;
  Bytes stream = valid;

  std::size_t pos = 5;
  if (opt & 0x40) {
    stream.assign(data + pos, data + size);  // garbage
  } else {
    fuzz::apply_stream_edits(stream, data, pos, size);
  }

  ByteView want = payload;
  if (o.slice) {
    BabNode s{o.slice->first_chunk, o.slice->chunk_count};
    want = s.chunk_count == 0 ? ByteView{} : want.subspan(geo.byte_begin(s), geo.byte_len(s));
  }
  auto v = BabVerifier::create(ob->digest, o, len, hash);
  if (!v.is_ok()) std::abort();
  Bytes released;
  auto rel = [&](ByteView b) {
    released.insert(released.end(), b.begin(), b.end());
    if (released.size() > want.size() ||
        !std::equal(released.begin(), released.end(), want.begin())) {
      std::abort();  // released a byte that is not the payload's
    }
  };
  std::mt19937_64 pieces(data[4]);
  std::size_t at = 0;
  Status st;
  while (st.is_ok() && at < stream.size()) {
    std::size_t n = std::min<std::size_t>(pieces() % 1500 + 1, stream.size() - at);
    st = v->feed(ByteView(stream).subspan(at, n), rel);
    at += n;
  }
  if (st.is_ok()) st = v->finish(rel);
  if (st.is_ok() != (stream == valid)) std::abort();
  if (st.is_ok() && released.size() != want.size()) std::abort();
  if (v->verified_prefix_length() != released.size()) std::abort();
  return 0;
}
