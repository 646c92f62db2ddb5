#include "model/encoding_area.hpp"

#include "base/compact_u64.hpp"
#include "model/encoding_path.hpp"
#include "model/encoding_util.hpp"

namespace osier::model {

using encoding_detail::apply_diff;

bool area_includes_area_for_encoding(const Area& outer, const Area& inner) {
  if (inner.times.is_empty()) return false;
  if (outer.subspace && outer.subspace != inner.subspace) return false;
  return outer.path.is_prefix_of(inner.path) && outer.times.includes_range(inner.times);
}

// spec: encodings#area_encodings
Status encode_area_in_area(Encoder& enc, const Area& area, const Area& reference) {
  if (!area_includes_area_for_encoding(reference, area)) {
    return error(ErrorCode::kInvalidArgument, "the reference area does not include the area");
  }
  const TimeRange& rt = reference.times;
  const TimeRange& vt = area.times;
  bool start_from_start = true;
  std::uint64_t start_diff = vt.start - rt.start;
  bool end_from_start = vt.end.has_value();
  std::uint64_t end_diff = 0;
  if (vt.end) end_diff = *vt.end - rt.start;
  if (rt.end) {
    // Canonic: the lesser difference; false on a tie. (A closed reference range means the
    // area's range is closed too.)
    const std::uint64_t start_from_end = *rt.end - vt.start;
    start_from_start = start_diff < start_from_end;
    if (!start_from_start) start_diff = start_from_end;
    const std::uint64_t end_from_end = *rt.end - *vt.end;
    end_from_start = end_diff < end_from_end;
    if (!end_from_start) end_diff = end_from_end;
  }
  const bool subspace_differs = area.subspace != reference.subspace;
  const unsigned start_tag = c64_minimal_tag(start_diff, 2);
  const unsigned end_tag = vt.end ? c64_minimal_tag(end_diff, 2) : 0;
  BitByte header;
  header.set_bit(0, subspace_differs);
  header.set_bit(1, !vt.end);
  header.set_bit(2, start_from_start);
  header.set_bit(3, end_from_start);
  header.set(4, 2, start_tag);
  header.set(6, 2, end_tag);
  enc.byte(header.value());
  if (subspace_differs) enc.bytes(*area.subspace);
  c64_encode_corresponding(enc, start_diff, start_tag, 2);
  if (vt.end) c64_encode_corresponding(enc, end_diff, end_tag, 2);
  return encode_path_extends_path(enc, area.path, reference.path);
}

Result<Area> decode_area_in_area(Decoder& dec, const Area& reference, DecodeMode mode) {
  const std::size_t start = dec.position();
  const TimeRange& rt = reference.times;
  OSIER_ASSIGN_OR_RETURN(std::uint8_t header_byte, dec.byte());
  const BitByte header(header_byte);
  const bool end_open = header.bit(1);
  const bool start_from_start = header.bit(2);
  const bool end_from_start = header.bit(3);
  if (!rt.end) {
    if (!start_from_start) return invalid_encoding("start encoded relative to an open end");
    if (end_from_start == end_open) return invalid_encoding("end flags contradict an open reference");
  } else if (end_open) {
    return invalid_encoding("an open time range cannot lie in a closed one");
  }
  Area area;
  area.subspace = reference.subspace;
  if (header.bit(0)) {
    if (reference.subspace) return invalid_encoding("subspace differs from the reference's");
    OSIER_ASSIGN_OR_RETURN(SubspaceId id, dec.array<32>());
    area.subspace = id;
  }
  OSIER_ASSIGN_OR_RETURN(std::uint64_t start_diff,
                         c64_decode_corresponding(dec, header.get(4, 2), 2, DecodeMode::kAny));
  OSIER_ASSIGN_OR_RETURN(area.times.start, start_from_start ? apply_diff(rt.start, start_diff, true)
                                                            : apply_diff(*rt.end, start_diff, false));
  if (!end_open) {
    OSIER_ASSIGN_OR_RETURN(std::uint64_t end_diff,
                           c64_decode_corresponding(dec, header.get(6, 2), 2, DecodeMode::kAny));
    OSIER_ASSIGN_OR_RETURN(std::uint64_t end, end_from_start ? apply_diff(rt.start, end_diff, true)
                                                             : apply_diff(*rt.end, end_diff, false));
    area.times.end = end;
  }
  OSIER_ASSIGN_OR_RETURN(area.path, decode_path_extends_path(dec, reference.path, DecodeMode::kAny));
  if (!area_includes_area_for_encoding(reference, area)) {
    return invalid_encoding("decoded area is not included in the reference area");
  }
  if (mode == DecodeMode::kCanonic) {
    Encoder canonic;
    OSIER_RETURN_IF_ERROR(encode_area_in_area(canonic, area, reference));
    OSIER_RETURN_IF_ERROR(encoding_detail::require_canonic(dec, start, canonic));
  }
  return area;
}

}  // namespace osier::model
