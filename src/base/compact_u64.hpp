// Compact U64 encodings: a tag of 2 to 8 bits in some bit field says either the value itself
// or how many big-endian bytes (1, 2, 4 or 8) follow with the value.
// spec: encodings#compact_integers
#pragma once

#include <cstddef>
#include <cstdint>

#include "osier/base/codec.hpp"

namespace osier {

// REQUIRES (for every `width` below): 2 <= width <= 8.

// spec: encodings#c64_minimal — the numerically least valid tag for n.
unsigned c64_minimal_tag(std::uint64_t n, unsigned width);

// True iff `tag` is a valid tag for n of this width (spec: encodings#c64_tag).
bool c64_is_tag_for(std::uint64_t n, unsigned tag, unsigned width);

// The length of the corresponding bytes of a tag: 0, 1, 2, 4 or 8.
std::size_t c64_corresponding_length(unsigned tag, unsigned width);

// spec: encodings#c64_corresponding. REQUIRES: c64_is_tag_for(n, tag, width).
void c64_encode_corresponding(Encoder& enc, std::uint64_t n, unsigned tag, unsigned width);

// Reads the corresponding bytes of an already-read tag and returns the value. Every tag of the
// width is valid; in canonic mode a tag that is not minimal for the value is kNonCanonic.
Result<std::uint64_t> c64_decode_corresponding(Decoder& dec, unsigned tag, unsigned width,
                                               DecodeMode mode);

// The spec's standalone form ("a tag of width 8 for n, followed by the corresponding bytes").
void c64_encode_standalone(Encoder& enc, std::uint64_t n);
// With a chosen (possibly non-minimal) tag; for tests and tools. REQUIRES: c64_is_tag_for(n, tag,
// 8).
void c64_encode_standalone_with_tag(Encoder& enc, std::uint64_t n, unsigned tag);
Result<std::uint64_t> c64_decode_standalone(Decoder& dec, DecodeMode mode);

// The length of c64_encode_standalone's output for n.
std::size_t c64_standalone_length(std::uint64_t n);

}  // namespace osier
