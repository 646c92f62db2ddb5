// Area encodings: EncodeAreaInArea.
// spec: encodings#area_encodings
#pragma once

#include "base/codec.hpp"
#include "model/area.hpp"

namespace osier::model {

// spec: encodings#area_encodings (EncodeAreaInArea, canonic: encode_area_in_area).
// Fails with kInvalidArgument unless `reference` includes `area` (and area's time range is not
// empty).
Status encode_area_in_area(Encoder& enc, const Area& area, const Area& reference);
Result<Area> decode_area_in_area(Decoder& dec, const Area& reference, DecodeMode mode);

// Whether `outer` includes every entry of `inner` dimension by dimension, with `inner`'s time
// range a valid (non-empty) range: the precondition of EncodeAreaInArea.
bool area_includes_area_for_encoding(const Area& outer, const Area& inner);

}  // namespace osier::model
