// The byte classes and percent encodings of RFC 3986 as the Willow URI spec names them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "osier/base/bytes.hpp"

namespace osier::uri {

// spec: uris#uri_unreserved
bool is_unreserved(std::uint8_t b);
// spec: uris#uri_subdelimiter
bool is_subdelimiter(std::uint8_t b);
// The bytes a query or fragment may hold unencoded besides unreserved bytes and sub-delimiters.
// spec: uris#uri_query_safe
bool is_query_extra(std::uint8_t b);
// 0-9, a-f, A-F.
bool is_hex_digit(char c);

// Where in some text a percent_encoding is malformed: `%` not followed by two hex digits.
struct BadPercent {
  std::size_t offset;  // of the '%'
};

// Decodes every percent_encoding of `text`; other bytes stand for themselves.
// Fails (with the offset of the bad '%') on a '%' not followed by two hex digits.
std::optional<Bytes> percent_decode(std::string_view text, BadPercent* bad = nullptr);

// spec: uris#percent_encode — every uri_reserved byte as %XX with uppercase digits.
void percent_encode(ByteView bytes, std::string& out);

// spec: uris#fragment_encode — except that a '%' is always encoded, so that the encoding is
// injective (the spec leaves an existing percent_encoding alone; see docs/spec-notes.md).
void fragment_encode(ByteView bytes, std::string& out);

// "'x'" for a printable ASCII byte, "byte 0xNN" otherwise: for error messages.
std::string describe_byte(std::uint8_t b);

}  // namespace osier::uri
