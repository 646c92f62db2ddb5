#include "drop/drop_codec.hpp"

#include "base/compact_u64.hpp"
#include "osier/meadowcap/encoding_relative.hpp"
#include "osier/model/encoding_path.hpp"

namespace osier::drop {

namespace {
// Every header field decoded here is a 32-byte id or digest.
template <std::size_t N>
void put(Encoder& enc, const ByteArray<N>& a) {
  enc.bytes(ByteView(a.data(), a.size()));
}
}  // namespace

crypto::BabStreamOptions drop_slice_options(crypto::BabSlice slice, unsigned left_skip) {
  crypto::BabStreamOptions opts;
  opts.light = false;
  opts.k = 6;  // 64-grouped
  opts.slice = slice;
  opts.length_prefix = false;
  opts.left_skip = left_skip;
  return opts;
}

// spec: drop_format#drop_format_desc (sl_enc_nested)
Status encode_entry_header(Encoder& enc, const EntryHeader& header, const model::Entry& prev_entry,
                           const meadowcap::MeadowcapAuthorisationToken& prev_token) {
  const model::Entry& e = header.entry;
  const bool ns_differs = e.namespace_id != prev_entry.namespace_id;
  const bool ss_differs = e.subspace_id != prev_entry.subspace_id;
  const unsigned ts_tag = c64_minimal_tag(e.timestamp, 2);
  BitByte h;
  h.set(0, 2, 1);
  h.set_bit(2, ns_differs);
  h.set_bit(3, ss_differs);
  h.set(4, 2, ts_tag);
  h.set(6, 2, static_cast<unsigned>(header.mode));
  enc.byte(h.value());
  if (ns_differs) put(enc, e.namespace_id);
  if (ss_differs) put(enc, e.subspace_id);
  model::encode_path_rel_path(enc, e.path, prev_entry.path);
  c64_encode_corresponding(enc, e.timestamp, ts_tag, 2);
  c64_encode_standalone(enc, e.payload_length);
  put(enc, e.payload_digest);
  return meadowcap::encode_meadowcap_authorisation_token_relative(enc, header.token, prev_token, e);
}

Result<EntryHeader> decode_entry_header(Decoder& dec, const model::Entry& prev_entry,
                                        const meadowcap::MeadowcapAuthorisationToken& prev_token) {
  OSIER_ASSIGN_OR_RETURN(std::uint8_t first, dec.byte());
  const BitByte h(first);
  if (h.get(0, 2) != 1) {
    return Status(ErrorCode::kInvalidEncoding, "drop: an entry header must start with the bits 01");
  }
  model::Entry e;
  e.namespace_id = prev_entry.namespace_id;
  e.subspace_id = prev_entry.subspace_id;
  if (h.bit(2)) {
    OSIER_ASSIGN_OR_RETURN(e.namespace_id, dec.array<32>());
  }
  if (h.bit(3)) {
    OSIER_ASSIGN_OR_RETURN(e.subspace_id, dec.array<32>());
  }
  OSIER_ASSIGN_OR_RETURN(e.path,
                         model::decode_path_rel_path(dec, prev_entry.path, DecodeMode::kAny));
  OSIER_ASSIGN_OR_RETURN(e.timestamp,
                         c64_decode_corresponding(dec, h.get(4, 2), 2, DecodeMode::kAny));
  OSIER_ASSIGN_OR_RETURN(e.payload_length, c64_decode_standalone(dec, DecodeMode::kAny));
  OSIER_ASSIGN_OR_RETURN(e.payload_digest, dec.array<32>());
  OSIER_ASSIGN_OR_RETURN(
      meadowcap::MeadowcapAuthorisationToken token,
      meadowcap::decode_meadowcap_authorisation_token_relative(dec, prev_token, e));
  return EntryHeader{std::move(e), std::move(token), static_cast<SliceMode>(h.get(6, 2))};
}

// spec: drop_format#drop_format_desc (sl_enc_nested_nested)
void encode_slice_header(Encoder& enc, const SliceHeader& header) {
  const unsigned off_tag = c64_minimal_tag(header.offset, 3);
  const unsigned len_tag = c64_minimal_tag(header.chunk_count, 4);
  BitByte h;
  h.set_bit(0, true);
  h.set(1, 3, off_tag);
  h.set(4, 4, len_tag);
  enc.byte(h.value());
  c64_encode_corresponding(enc, header.offset, off_tag, 3);
  c64_encode_corresponding(enc, header.chunk_count, len_tag, 4);
}

Result<SliceHeader> decode_slice_header(Decoder& dec) {
  OSIER_ASSIGN_OR_RETURN(std::uint8_t first, dec.byte());
  const BitByte h(first);
  if (!h.bit(0)) return Status(ErrorCode::kInvalidEncoding, "drop: not a slice header");
  SliceHeader out;
  OSIER_ASSIGN_OR_RETURN(out.offset,
                         c64_decode_corresponding(dec, h.get(1, 3), 3, DecodeMode::kAny));
  OSIER_ASSIGN_OR_RETURN(out.chunk_count,
                         c64_decode_corresponding(dec, h.get(4, 4), 4, DecodeMode::kAny));
  if (out.chunk_count == 0) {
    return Status(ErrorCode::kInvalidEncoding, "drop: a payload slice of zero chunks");
  }
  return out;
}

}  // namespace osier::drop
