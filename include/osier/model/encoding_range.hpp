// 3d range encodings: Encode3dRangeRelative3dRange.
// spec: encodings#d3range_encodings
#pragma once

#include "osier/base/codec.hpp"
#include "osier/model/range.hpp"

namespace osier::model {

// spec: encodings#d3range_encodings — any 3d range relative to any 3d range. No canonic subset:
// the encoder writes the shortest code, preferring options relative to a range's start and
// "equal to the reference start" on ties, arbitrary bits zero (SPEC-NOTES). Fails with
// kInvalidArgument when a closed range of `range` is empty (the spec's ranges never are).
Status encode_3d_range_relative_3d_range(Encoder& enc, const D3Range& range,
                                         const D3Range& reference);
Result<D3Range> decode_3d_range_relative_3d_range(Decoder& dec, const D3Range& reference);

}  // namespace osier::model
