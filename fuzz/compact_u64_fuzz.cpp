// Compact U64: every tag of every width decodes; re-encoding with the same tag gives the same
// bytes; canonic decoding accepts exactly the minimal tags.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "base/compact_u64.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace osier;
  if (size < 1) return 0;
  const unsigned width = 2 + data[0] % 7;
  const unsigned tag = (data[0] >> 3) & ((1u << width) - 1u);
  ByteView input(data + 1, size - 1);

  Decoder dec(input);
  Result<std::uint64_t> n = c64_decode_corresponding(dec, tag, width, DecodeMode::kAny);
  if (n.is_ok()) {
    if (!c64_is_tag_for(*n, tag, width)) std::abort();
    Encoder enc;
    c64_encode_corresponding(enc, *n, tag, width);
    if (!std::ranges::equal(enc.bytes(), dec.consumed_since(0))) std::abort();
    Decoder cdec(input);
    const bool canonic = c64_decode_corresponding(cdec, tag, width, DecodeMode::kCanonic).is_ok();
    if (canonic != (tag == c64_minimal_tag(*n, width))) std::abort();
  } else if (n.status().code() != ErrorCode::kIncomplete) {
    std::abort();  // every tag is valid: only running out of input can fail
  }

  Decoder sdec(input);
  Result<std::uint64_t> s = c64_decode_standalone(sdec, DecodeMode::kAny);
  if (s.is_ok()) {
    Encoder enc;
    c64_encode_standalone(enc, *s);
    Decoder again(enc.bytes());
    Result<std::uint64_t> back = c64_decode_standalone(again, DecodeMode::kCanonic);
    if (!back.is_ok() || *back != *s || !again.at_end()) std::abort();
  }
  return 0;
}
