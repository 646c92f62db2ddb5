// Small helpers shared by the relative encodings (internal to the encoding files).
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>

#include "osier/base/codec.hpp"
#include "osier/model/range.hpp"

namespace osier::model::encoding_detail {

inline std::uint64_t abs_diff(std::uint64_t a, std::uint64_t b) { return a > b ? a - b : b - a; }

// `base + diff` or `base - diff`; kInvalidEncoding when that leaves the U64 range.
inline Result<std::uint64_t> apply_diff(std::uint64_t base, std::uint64_t diff, bool add) {
  if (add) {
    if (diff > std::numeric_limits<std::uint64_t>::max() - base) {
      return invalid_encoding("time difference overflows");
    }
    return base + diff;
  }
  if (diff > base) return invalid_encoding("time difference underflows");
  return base - diff;
}

// The spec's ranges are closed with a strictly greater end, or open.
template <typename T>
bool is_valid_range(const Range<T>& r) {
  return !r.is_empty();
}

// kNonCanonic unless the bytes read since `start` equal the canonic code `canonic`.
inline Status require_canonic(const Decoder& dec, std::size_t start, const Encoder& canonic) {
  ByteView got = dec.consumed_since(start);
  if (!std::ranges::equal(got, canonic.bytes())) return non_canonic("not the canonic code");
  return Status::ok();
}

}  // namespace osier::model::encoding_detail
