// Lower-case hexadecimal text for byte strings (CLI output, test vectors, JSON).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "osier/base/bytes.hpp"

namespace osier {

std::string to_hex(ByteView bytes);

// Accepts upper- or lower-case digits; nullopt on odd length or a non-hex character.
std::optional<Bytes> from_hex(std::string_view text);

// Like from_hex, but requires exactly N bytes.
template <std::size_t N>
std::optional<ByteArray<N>> array_from_hex(std::string_view text) {
  auto b = from_hex(text);
  if (!b || b->size() != N) return std::nullopt;
  ByteArray<N> out{};
  for (std::size_t i = 0; i < N; ++i) out[i] = (*b)[i];
  return out;
}

}  // namespace osier
