#include "osier/model/encoding_entry.hpp"

#include "base/compact_u64.hpp"
#include "model/encoding_util.hpp"
#include "osier/model/encoding_path.hpp"

namespace osier::model {
using encoding_detail::abs_diff;
using encoding_detail::apply_diff;

// spec: encodings#encsec_EncodeEntry
void encode_entry(Encoder& enc, const Entry& entry) {
  enc.bytes(entry.namespace_id);
  enc.bytes(entry.subspace_id);
  encode_path(enc, entry.path);
  c64_encode_standalone(enc, entry.timestamp);
  c64_encode_standalone(enc, entry.payload_length);
  enc.bytes(entry.payload_digest);
}

Bytes encode_entry_bytes(const Entry& entry) {
  Encoder enc;
  encode_entry(enc, entry);
  return enc.take();
}

Result<Entry> decode_entry(Decoder& dec, DecodeMode mode) {
  Entry e;
  OSIER_ASSIGN_OR_RETURN(e.namespace_id, dec.array<32>());
  OSIER_ASSIGN_OR_RETURN(e.subspace_id, dec.array<32>());
  OSIER_ASSIGN_OR_RETURN(e.path, decode_path(dec, mode));
  OSIER_ASSIGN_OR_RETURN(e.timestamp, c64_decode_standalone(dec, mode));
  OSIER_ASSIGN_OR_RETURN(e.payload_length, c64_decode_standalone(dec, mode));
  OSIER_ASSIGN_OR_RETURN(e.payload_digest, dec.array<32>());
  return e;
}

// spec: encodings#encsec_EncodeEntryRelativeEntry
Status encode_entry_relative_entry(Encoder& enc, const Entry& entry, const Entry& reference) {
  const bool namespace_differs = entry.namespace_id != reference.namespace_id;
  const bool subspace_differs = entry.subspace_id != reference.subspace_id;
  const std::uint64_t time_diff = abs_diff(entry.timestamp, reference.timestamp);
  const unsigned time_tag = c64_minimal_tag(time_diff, 2);
  const unsigned length_tag = c64_minimal_tag(entry.payload_length, 3);
  BitByte header;
  header.set_bit(0, namespace_differs);
  header.set_bit(1, subspace_differs);
  header.set_bit(2, entry.timestamp > reference.timestamp);
  header.set(3, 2, time_tag);
  header.set(5, 3, length_tag);
  enc.byte(header.value());
  if (namespace_differs) enc.bytes(entry.namespace_id);
  if (subspace_differs) enc.bytes(entry.subspace_id);
  c64_encode_corresponding(enc, time_diff, time_tag, 2);
  c64_encode_corresponding(enc, entry.payload_length, length_tag, 3);
  encode_path_rel_path(enc, entry.path, reference.path);
  enc.bytes(entry.payload_digest);
  return Status::ok();
}

Result<Entry> decode_entry_relative_entry(Decoder& dec, const Entry& reference) {
  OSIER_ASSIGN_OR_RETURN(std::uint8_t header_byte, dec.byte());
  const BitByte header(header_byte);
  Entry e;
  e.namespace_id = reference.namespace_id;
  if (header.bit(0)) {
    OSIER_ASSIGN_OR_RETURN(e.namespace_id, dec.array<32>());
    if (e.namespace_id == reference.namespace_id) {
      return invalid_encoding("namespace id marked as different but equal to the reference's");
    }
  }
  e.subspace_id = reference.subspace_id;
  if (header.bit(1)) {
    OSIER_ASSIGN_OR_RETURN(e.subspace_id, dec.array<32>());
    if (e.subspace_id == reference.subspace_id) {
      return invalid_encoding("subspace id marked as different but equal to the reference's");
    }
  }
  OSIER_ASSIGN_OR_RETURN(std::uint64_t time_diff,
                         c64_decode_corresponding(dec, header.get(3, 2), 2, DecodeMode::kAny));
  const bool later = header.bit(2);
  if (later && time_diff == 0) return invalid_encoding("timestamp marked as greater but equal");
  OSIER_ASSIGN_OR_RETURN(e.timestamp, apply_diff(reference.timestamp, time_diff, later));
  OSIER_ASSIGN_OR_RETURN(e.payload_length,
                         c64_decode_corresponding(dec, header.get(5, 3), 3, DecodeMode::kAny));
  OSIER_ASSIGN_OR_RETURN(e.path, decode_path_rel_path(dec, reference.path, DecodeMode::kAny));
  OSIER_ASSIGN_OR_RETURN(e.payload_digest, dec.array<32>());
  return e;
}

// spec: encodings#encsec_EncodeEntryInNamespace3dRange
Status encode_entry_in_namespace_3d_range(Encoder& enc, const Entry& entry,
                                          const EntryInNamespace3dRangeReference& reference) {
  const D3Range& range = reference.range;
  if (entry.namespace_id != reference.namespace_id) {
    return error(ErrorCode::kInvalidArgument, "the entry is not in the reference namespace");
  }
  if (!range.includes(entry)) {
    return error(ErrorCode::kInvalidArgument, "the reference 3d range does not include the entry");
  }
  const bool subspace_differs = entry.subspace_id != range.subspaces.start;

  // Shortest code; ties go to the option relative to the start (the first the spec lists).
  Encoder path_code;
  encode_path_rel_path(path_code, entry.path, range.paths.start);
  bool path_relative_to_start = true;
  if (range.paths.end) {
    Encoder from_end;
    encode_path_rel_path(from_end, entry.path, *range.paths.end);
    if (from_end.size() < path_code.size()) {
      path_relative_to_start = false;
      path_code = std::move(from_end);
    }
  }

  std::uint64_t time_diff = entry.timestamp - range.times.start;
  bool time_relative_to_start = true;
  if (range.times.end) {
    const std::uint64_t from_end = *range.times.end - entry.timestamp;
    if (c64_minimal_tag(from_end, 2) < c64_minimal_tag(time_diff, 2)) {
      time_relative_to_start = false;
      time_diff = from_end;
    }
  }
  const unsigned time_tag = c64_minimal_tag(time_diff, 2);
  const unsigned length_tag = c64_minimal_tag(entry.payload_length, 3);

  BitByte header;
  header.set_bit(0, subspace_differs);
  header.set_bit(1, path_relative_to_start);
  header.set_bit(2, time_relative_to_start);
  header.set(3, 2, time_tag);
  header.set(5, 3, length_tag);
  enc.byte(header.value());
  if (subspace_differs) enc.bytes(entry.subspace_id);
  enc.bytes(path_code.bytes());
  c64_encode_corresponding(enc, time_diff, time_tag, 2);
  c64_encode_corresponding(enc, entry.payload_length, length_tag, 3);
  enc.bytes(entry.payload_digest);
  return Status::ok();
}

Result<Entry> decode_entry_in_namespace_3d_range(
    Decoder& dec, const EntryInNamespace3dRangeReference& reference) {
  const D3Range& range = reference.range;
  OSIER_ASSIGN_OR_RETURN(std::uint8_t header_byte, dec.byte());
  const BitByte header(header_byte);
  Entry e;
  e.namespace_id = reference.namespace_id;
  e.subspace_id = range.subspaces.start;
  if (header.bit(0)) {
    OSIER_ASSIGN_OR_RETURN(e.subspace_id, dec.array<32>());
    if (e.subspace_id == range.subspaces.start) {
      return invalid_encoding("subspace id marked as different but equal to the range start");
    }
  }
  const bool path_relative_to_start = header.bit(1);
  if (!path_relative_to_start && !range.paths.end) {
    return invalid_encoding("path encoded relative to the end of an open path range");
  }
  const Path& path_reference = path_relative_to_start ? range.paths.start : *range.paths.end;
  OSIER_ASSIGN_OR_RETURN(e.path, decode_path_rel_path(dec, path_reference, DecodeMode::kAny));
  const bool time_relative_to_start = header.bit(2);
  if (!time_relative_to_start && !range.times.end) {
    return invalid_encoding("timestamp encoded relative to the end of an open time range");
  }
  OSIER_ASSIGN_OR_RETURN(std::uint64_t time_diff,
                         c64_decode_corresponding(dec, header.get(3, 2), 2, DecodeMode::kAny));
  if (time_relative_to_start) {
    OSIER_ASSIGN_OR_RETURN(e.timestamp, apply_diff(range.times.start, time_diff, true));
  } else {
    OSIER_ASSIGN_OR_RETURN(e.timestamp, apply_diff(*range.times.end, time_diff, false));
  }
  OSIER_ASSIGN_OR_RETURN(e.payload_length,
                         c64_decode_corresponding(dec, header.get(5, 3), 3, DecodeMode::kAny));
  OSIER_ASSIGN_OR_RETURN(e.payload_digest, dec.array<32>());
  if (!range.includes(e)) return invalid_encoding("decoded entry lies outside the 3d range");
  return e;
}

}  // namespace osier::model
