// The transport reader (sync/transport) on hostile bytes. The first byte picks a mode:
//   even: a reader is fed the input as ciphertext, in pieces of 1..128 bytes, then EOF;
//   odd:  the input is plaintext, written as chunks (sizes drawn from the input) and the end
//         marker, and read back in pieces: the bytes must come back exactly and end cleanly;
//         then the byte at a position drawn from the input is flipped and the read must fail.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "sync/transport.hpp"

namespace {

using namespace osier;
using namespace osier::sync;

const crypto::AeadKey& key() {
  static const crypto::AeadKey k(ByteArray<32>{0x42, 0x13});
  return k;
}

Status read_all(ByteView wire, std::size_t piece, Bytes& got) {
  TransportReader reader(key());
  for (std::size_t pos = 0; pos < wire.size(); pos += piece) {
    OSIER_RETURN_IF_ERROR(
        reader.feed(wire.subspan(pos, std::min(piece, wire.size() - pos)), [&got](ByteView b) {
          if (b.empty() || b.size() > kMaxChunkLength) std::abort();
          append(got, b);
        }));
  }
  return reader.finish();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 3) return 0;
  const std::size_t piece = 1 + data[1] % 128;
  const std::uint8_t flip_at = data[2];
  ByteView in(data + 3, size - 3);
  Bytes got;
  if (data[0] % 2 == 0) {
    (void)read_all(in, piece, got);
    return 0;
  }
  TransportWriter writer(key());
  Bytes wire;
  std::size_t pos = 0;
  while (pos < in.size()) {
    // Chunk sizes 1..4096 drawn from the plaintext itself.
    const std::size_t want = 1 + ((std::size_t{in[pos]} * 37) % kMaxChunkLength);
    const std::size_t n = std::min(want, in.size() - pos);
    if (!writer.write_chunk(in.subspan(pos, n), wire).is_ok()) std::abort();
    pos += n;
  }
  if (!writer.write_end(wire).is_ok()) std::abort();
  if (!read_all(wire, piece, got).is_ok()) std::abort();
  if (got.size() != in.size() || !std::equal(got.begin(), got.end(), in.begin())) std::abort();
  Bytes bad = wire;
  bad[(flip_at * 7919u) % bad.size()] ^= static_cast<std::uint8_t>(1u << (flip_at % 8));
  got.clear();
  if (read_all(bad, piece, got).is_ok()) std::abort();
  return 0;
}
