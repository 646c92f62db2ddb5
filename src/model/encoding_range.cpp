#include "osier/model/encoding_range.hpp"

#include "base/compact_u64.hpp"
#include "model/encoding_util.hpp"
#include "osier/model/encoding_path.hpp"

namespace osier::model {
namespace {

using encoding_detail::abs_diff;
using encoding_detail::apply_diff;

bool has_valid_ranges(const D3Range& r) {
  return !r.subspaces.is_empty() && !r.paths.is_empty() && !r.times.is_empty();
}

// Bits for a subspace bound: 01 = the reference start, 10 = the reference end, 11 = explicit.
unsigned subspace_bound_bits(const SubspaceId& value, const SubspaceRange& reference) {
  if (value == reference.start) return 0b01;
  if (reference.end && value == *reference.end) return 0b10;
  return 0b11;
}

Result<SubspaceId> decode_subspace_bound(Decoder& dec, unsigned bits,
                                         const SubspaceRange& reference) {
  switch (bits) {
    case 0b01:
      return reference.start;
    case 0b10:
      if (!reference.end) return invalid_encoding("subspace bound equals the end of an open range");
      return *reference.end;
    case 0b11:
      return dec.array<32>();
    default:
      return invalid_encoding("invalid subspace start bits");
  }
}

// The shorter path_rel_path code of `path` relative to the reference range's start or end
// (start on ties, and always when the reference range is open). Returns whether it is the start.
bool encode_path_bound(Encoder& enc, const Path& path, const PathRange& reference) {
  Encoder from_start;
  encode_path_rel_path(from_start, path, reference.start);
  if (reference.end) {
    Encoder from_end;
    encode_path_rel_path(from_end, path, *reference.end);
    if (from_end.size() < from_start.size()) {
      enc.bytes(from_end.bytes());
      return false;
    }
  }
  enc.bytes(from_start.bytes());
  return true;
}

Result<Path> decode_path_bound(Decoder& dec, bool relative_to_start, const PathRange& reference) {
  if (relative_to_start) return decode_path_rel_path(dec, reference.start, DecodeMode::kAny);
  if (!reference.end) return invalid_encoding("path encoded relative to the end of an open range");
  return decode_path_rel_path(dec, *reference.end, DecodeMode::kAny);
}

struct TimeBound {
  bool relative_to_start;
  bool add;  // the value is the reference bound plus (not minus) the difference
  std::uint64_t diff;
};

// The choice with the shorter compact code (start on ties, and always for an open reference).
TimeBound time_bound(Timestamp value, const TimeRange& reference) {
  TimeBound b{true, value > reference.start, abs_diff(value, reference.start)};
  if (reference.end) {
    const std::uint64_t from_end = abs_diff(value, *reference.end);
    if (c64_minimal_tag(from_end, 2) < c64_minimal_tag(b.diff, 2)) {
      b = TimeBound{false, value > *reference.end, from_end};
    }
  }
  return b;
}

Result<Timestamp> decode_time_bound(Decoder& dec, bool relative_to_start, bool add, unsigned tag,
                                    const TimeRange& reference) {
  if (!relative_to_start && !reference.end) {
    return invalid_encoding("time encoded relative to the end of an open range");
  }
  OSIER_ASSIGN_OR_RETURN(std::uint64_t diff,
                         c64_decode_corresponding(dec, tag, 2, DecodeMode::kAny));
  return apply_diff(relative_to_start ? reference.start : *reference.end, diff, add);
}

}  // namespace

// spec: encodings#d3range_encodings
Status encode_3d_range_relative_3d_range(Encoder& enc, const D3Range& range,
                                         const D3Range& reference) {
  if (!has_valid_ranges(range)) {
    return error(ErrorCode::kInvalidArgument, "the 3d range has an empty closed range");
  }
  const unsigned ss_start_bits = subspace_bound_bits(range.subspaces.start, reference.subspaces);
  const unsigned ss_end_bits =
      range.subspaces.end ? subspace_bound_bits(*range.subspaces.end, reference.subspaces) : 0b00;

  Encoder path_start;
  const bool path_start_rel = encode_path_bound(path_start, range.paths.start, reference.paths);
  Encoder path_end;
  bool path_end_rel = false;  // arbitrary (zero) for an open path range
  if (range.paths.end)
    path_end_rel = encode_path_bound(path_end, *range.paths.end, reference.paths);

  const TimeBound time_start = time_bound(range.times.start, reference.times);
  TimeBound time_end{false, false, 0};  // arbitrary (zero) for an open time range
  if (range.times.end) time_end = time_bound(*range.times.end, reference.times);
  const unsigned start_tag = c64_minimal_tag(time_start.diff, 2);
  const unsigned end_tag = range.times.end ? c64_minimal_tag(time_end.diff, 2) : 0;

  BitByte first;
  first.set(0, 2, ss_start_bits);
  first.set(2, 2, ss_end_bits);
  first.set_bit(4, path_start_rel);
  first.set_bit(5, !range.paths.end);
  first.set_bit(6, path_end_rel);
  first.set_bit(7, !range.times.end);
  BitByte second;
  second.set_bit(0, time_start.relative_to_start);
  second.set_bit(1, time_start.add);
  second.set(2, 2, start_tag);
  second.set_bit(4, time_end.relative_to_start);
  second.set_bit(5, time_end.add);
  second.set(6, 2, end_tag);
  enc.byte(first.value());
  enc.byte(second.value());
  if (ss_start_bits == 0b11) enc.bytes(range.subspaces.start);
  if (ss_end_bits == 0b11) enc.bytes(*range.subspaces.end);
  enc.bytes(path_start.bytes());
  enc.bytes(path_end.bytes());
  c64_encode_corresponding(enc, time_start.diff, start_tag, 2);
  if (range.times.end) c64_encode_corresponding(enc, time_end.diff, end_tag, 2);
  return Status::ok();
}

Result<D3Range> decode_3d_range_relative_3d_range(Decoder& dec, const D3Range& reference) {
  OSIER_ASSIGN_OR_RETURN(std::uint8_t first_byte, dec.byte());
  OSIER_ASSIGN_OR_RETURN(std::uint8_t second_byte, dec.byte());
  const BitByte first(first_byte);
  const BitByte second(second_byte);
  D3Range range;
  OSIER_ASSIGN_OR_RETURN(range.subspaces.start,
                         decode_subspace_bound(dec, first.get(0, 2), reference.subspaces));
  if (first.get(2, 2) != 0b00) {
    OSIER_ASSIGN_OR_RETURN(SubspaceId end,
                           decode_subspace_bound(dec, first.get(2, 2), reference.subspaces));
    range.subspaces.end = end;
  }
  OSIER_ASSIGN_OR_RETURN(range.paths.start, decode_path_bound(dec, first.bit(4), reference.paths));
  if (!first.bit(5)) {
    OSIER_ASSIGN_OR_RETURN(Path end, decode_path_bound(dec, first.bit(6), reference.paths));
    range.paths.end = end;
  }
  OSIER_ASSIGN_OR_RETURN(range.times.start, decode_time_bound(dec, second.bit(0), second.bit(1),
                                                              second.get(2, 2), reference.times));
  if (!first.bit(7)) {
    OSIER_ASSIGN_OR_RETURN(Timestamp end, decode_time_bound(dec, second.bit(4), second.bit(5),
                                                            second.get(6, 2), reference.times));
    range.times.end = end;
  }
  if (!has_valid_ranges(range))
    return invalid_encoding("decoded 3d range has an empty closed range");
  return range;
}

}  // namespace osier::model
