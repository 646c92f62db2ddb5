#include "base/compact_u64.hpp"

#include <cassert>

namespace osier {
namespace {

// The greatest tag of a width; the four greatest tags select 8, 4, 2 and 1 following bytes.
unsigned max_tag(unsigned width) { return (1u << width) - 1u; }

}  // namespace

// spec: encodings#c64_minimal
unsigned c64_minimal_tag(std::uint64_t n, unsigned width) {
  assert(width >= 2 && width <= 8);
  const unsigned top = max_tag(width);
  if (top >= 4 && n <= top - 4) return static_cast<unsigned>(n);
  if (n < (std::uint64_t{1} << 8)) return top - 3;
  if (n < (std::uint64_t{1} << 16)) return top - 2;
  if (n < (std::uint64_t{1} << 32)) return top - 1;
  return top;
}

// spec: encodings#c64_tag
bool c64_is_tag_for(std::uint64_t n, unsigned tag, unsigned width) {
  const unsigned top = max_tag(width);
  if (tag == top) return true;
  if (tag == top - 1) return n < (std::uint64_t{1} << 32);
  if (tag == top - 2) return n < (std::uint64_t{1} << 16);
  if (tag == top - 3) return n < (std::uint64_t{1} << 8);
  return tag <= top && n == tag;
}

std::size_t c64_corresponding_length(unsigned tag, unsigned width) {
  const unsigned top = max_tag(width);
  if (tag == top) return 8;
  if (tag == top - 1) return 4;
  if (tag == top - 2) return 2;
  if (tag == top - 3) return 1;
  return 0;
}

// spec: encodings#c64_corresponding
void c64_encode_corresponding(Encoder& enc, std::uint64_t n, unsigned tag, unsigned width) {
  assert(c64_is_tag_for(n, tag, width));
  enc.uint_be(n, c64_corresponding_length(tag, width));
}

Result<std::uint64_t> c64_decode_corresponding(Decoder& dec, unsigned tag, unsigned width,
                                               DecodeMode mode) {
  const std::size_t len = c64_corresponding_length(tag, width);
  std::uint64_t n = tag;
  if (len > 0) {
    OSIER_ASSIGN_OR_RETURN(ByteView b, dec.take(len));
    n = get_be(b);
  }
  if (mode == DecodeMode::kCanonic && tag != c64_minimal_tag(n, width)) {
    return non_canonic("compact U64 tag is not minimal");
  }
  return n;
}

void c64_encode_standalone(Encoder& enc, std::uint64_t n) {
  c64_encode_standalone_with_tag(enc, n, c64_minimal_tag(n, 8));
}

void c64_encode_standalone_with_tag(Encoder& enc, std::uint64_t n, unsigned tag) {
  enc.byte(static_cast<std::uint8_t>(tag));
  c64_encode_corresponding(enc, n, tag, 8);
}

Result<std::uint64_t> c64_decode_standalone(Decoder& dec, DecodeMode mode) {
  OSIER_ASSIGN_OR_RETURN(std::uint8_t tag, dec.byte());
  return c64_decode_corresponding(dec, tag, 8, mode);
}

std::size_t c64_standalone_length(std::uint64_t n) {
  return 1 + c64_corresponding_length(c64_minimal_tag(n, 8), 8);
}

}  // namespace osier
