// Area encodings: EncodeAreaInArea.
// spec: encodings#area_encodings
#pragma once

#include <cstdint>
#include <optional>

#include "osier/base/codec.hpp"
#include "osier/model/area.hpp"

namespace osier::model {

// spec: encodings#area_encodings (EncodeAreaInArea, canonic: encode_area_in_area).
// Fails with kInvalidArgument unless `reference` includes `area` (and area's time range is not
// empty).
Status encode_area_in_area(Encoder& enc, const Area& area, const Area& reference);
Result<Area> decode_area_in_area(Decoder& dec, const Area& reference, DecodeMode mode);

// Whether `outer` includes every entry of `inner` dimension by dimension, with `inner`'s time
// range a valid (non-empty) range: the precondition of EncodeAreaInArea.
bool area_includes_area_for_encoding(const Area& outer, const Area& inner);

// Building blocks shared with EncodePrivateAreaAlmostInArea: the time range part of both area
// encodings — header bits 2 (start_from_start), 3 (end_from_start), 4-5 (start_diff tag) and
// 6-7 (end_diff tag), then the corresponding bytes of the two differences.
struct AreaTimeCode {
  bool start_from_start = true;
  std::uint64_t start_diff = 0;
  bool end_from_start = false;
  std::optional<std::uint64_t> end_diff;  // nullopt for an open end (its tag bits are zero)
};
void set_area_time_bits(BitByte& header, const AreaTimeCode& code);
void encode_area_time_diffs(Encoder& enc, const AreaTimeCode& code);
// Reads the differences announced by `header` and applies them to `reference`.
// REQUIRES: the caller has checked that the bits never refer to an open reference end.
Result<TimeRange> decode_area_times(Decoder& dec, BitByte header, bool end_open,
                                    const TimeRange& reference);

}  // namespace osier::model
