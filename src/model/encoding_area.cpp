#include "osier/model/encoding_area.hpp"

#include "base/compact_u64.hpp"
#include "model/encoding_util.hpp"
#include "osier/model/encoding_path.hpp"

namespace osier::model {

using encoding_detail::apply_diff;

bool area_includes_area_for_encoding(const Area& outer, const Area& inner) {
  if (inner.times.is_empty()) return false;
  if (outer.subspace && outer.subspace != inner.subspace) return false;
  return outer.path.is_prefix_of(inner.path) && outer.times.includes_range(inner.times);
}

void set_area_time_bits(BitByte& header, const AreaTimeCode& code) {
  header.set_bit(2, code.start_from_start);
  header.set_bit(3, code.end_from_start);
  header.set(4, 2, c64_minimal_tag(code.start_diff, 2));
  header.set(6, 2, code.end_diff ? c64_minimal_tag(*code.end_diff, 2) : 0);
}

void encode_area_time_diffs(Encoder& enc, const AreaTimeCode& code) {
  c64_encode_corresponding(enc, code.start_diff, c64_minimal_tag(code.start_diff, 2), 2);
  if (code.end_diff)
    c64_encode_corresponding(enc, *code.end_diff, c64_minimal_tag(*code.end_diff, 2), 2);
}

Result<TimeRange> decode_area_times(Decoder& dec, BitByte header, bool end_open,
                                    const TimeRange& reference) {
  // A difference from the end is only announced for a closed reference end (checked by callers).
  auto apply = [&](bool from_start, std::uint64_t diff) {
    return from_start ? apply_diff(reference.start, diff, true)
                      : apply_diff(*reference.end, diff, false);
  };
  TimeRange times;
  OSIER_ASSIGN_OR_RETURN(std::uint64_t start_diff,
                         c64_decode_corresponding(dec, header.get(4, 2), 2, DecodeMode::kAny));
  OSIER_ASSIGN_OR_RETURN(times.start, apply(header.bit(2), start_diff));
  if (!end_open) {
    OSIER_ASSIGN_OR_RETURN(std::uint64_t end_diff,
                           c64_decode_corresponding(dec, header.get(6, 2), 2, DecodeMode::kAny));
    OSIER_ASSIGN_OR_RETURN(std::uint64_t end, apply(header.bit(3), end_diff));
    times.end = end;
  }
  return times;
}

// spec: encodings#area_encodings
Status encode_area_in_area(Encoder& enc, const Area& area, const Area& reference) {
  if (!area_includes_area_for_encoding(reference, area)) {
    return error(ErrorCode::kInvalidArgument, "the reference area does not include the area");
  }
  const TimeRange& rt = reference.times;
  const TimeRange& vt = area.times;
  AreaTimeCode time;
  time.start_diff = vt.start - rt.start;
  time.end_from_start = vt.end.has_value();
  if (vt.end) time.end_diff = *vt.end - rt.start;
  if (rt.end) {
    // Canonic: the lesser difference; false on a tie. (A closed reference range means the
    // area's range is closed too.)
    const std::uint64_t start_from_end = *rt.end - vt.start;
    time.start_from_start = time.start_diff < start_from_end;
    if (!time.start_from_start) time.start_diff = start_from_end;
    const std::uint64_t end_from_end = *rt.end - *vt.end;
    time.end_from_start = *time.end_diff < end_from_end;
    if (!time.end_from_start) time.end_diff = end_from_end;
  }
  const bool subspace_differs = area.subspace != reference.subspace;
  BitByte header;
  header.set_bit(0, subspace_differs);
  header.set_bit(1, !vt.end);
  set_area_time_bits(header, time);
  enc.byte(header.value());
  if (subspace_differs) enc.bytes(*area.subspace);
  encode_area_time_diffs(enc, time);
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
    if (end_from_start == end_open)
      return invalid_encoding("end flags contradict an open reference");
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
  OSIER_ASSIGN_OR_RETURN(area.times, decode_area_times(dec, header, end_open, rt));
  OSIER_ASSIGN_OR_RETURN(area.path,
                         decode_path_extends_path(dec, reference.path, DecodeMode::kAny));
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
