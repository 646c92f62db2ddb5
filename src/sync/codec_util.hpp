// Internal to the message codec files (pio_codec.cpp, reconciliation_codec.cpp, data_codec.cpp,
// payload_request_codec.cpp, message_codec.cpp): tag choice, compact U64 fields, and the error
// shorthands. Not part of the sync API.
#pragma once

#include <cstdint>
#include <string>

#include "base/compact_u64.hpp"
#include "osier/base/codec.hpp"
#include "sync/decoder_state.hpp"
#include "sync/message_codec.hpp"

namespace osier::sync::codec_detail {

inline Status invalid_message(const std::string& message) {
  return error(ErrorCode::kInvalidArgument, "sync: " + message);
}

// The tag an encoder writes for n in a field of `width` bits.
inline Result<unsigned> choose_tag(CodeChooser* chooser, std::uint64_t n, unsigned width) {
  if (chooser == nullptr) return c64_minimal_tag(n, width);
  const unsigned tag = chooser->c64_tag(n, width);
  if (!c64_is_tag_for(n, tag, width)) return invalid_message("a code chooser's tag is not valid");
  return tag;
}

inline unsigned choose_bits(CodeChooser* chooser, unsigned count) {
  return chooser == nullptr ? 0u : chooser->arbitrary_bits(count) & ((1u << count) - 1u);
}

// A compact U64 field: its tag's position in a header byte and its value.
struct C64Field {
  std::uint64_t value = 0;
  unsigned width = 2;
  unsigned tag = 0;
};

// Chooses the tag of `f` and sets it in `header` at bit `offset`.
inline Status put_tag(CodeChooser* chooser, BitByte& header, unsigned offset, C64Field& f) {
  OSIER_ASSIGN_OR_RETURN(f.tag, choose_tag(chooser, f.value, f.width));
  header.set(offset, f.width, f.tag);
  return Status::ok();
}

inline void put_corresponding(Encoder& enc, const C64Field& f) {
  c64_encode_corresponding(enc, f.value, f.tag, f.width);
}

// Reads the corresponding bytes of the tag at bit `offset` of `header`. Every tag is accepted.
inline Result<std::uint64_t> read_c64(Decoder& dec, BitByte header, unsigned offset,
                                      unsigned width) {
  return c64_decode_corresponding(dec, header.get(offset, width), width, DecodeMode::kAny);
}

// Appends `scratch` to `enc`: encoders write into a scratch encoder and append only on success,
// so a failed encode leaves `enc` and the state as they were.
inline void commit_scratch(Encoder& enc, const Encoder& scratch) { enc.bytes(scratch.bytes()); }

// Reads the authorisation token that follows an entry's code, relative to the current entry
// (spec: EncodeAuthorisationToken relative to the current entry and `entry`), and pairs them.
Result<meadowcap::PossiblyAuthorisedEntry> read_token_for(
    Decoder& dec, model::Entry entry, const meadowcap::PossiblyAuthorisedEntry& current);

// An encoder's check that `bytes` are exactly the next `amount` Chunks at `cursor`.
inline Status check_chunks(const PayloadCursor& cursor, std::uint64_t amount, ByteView bytes,
                           const char* what) {
  OSIER_ASSIGN_OR_RETURN(const std::uint64_t length, payload_message_length(cursor, amount));
  if (length != bytes.size()) {
    return invalid_message(std::string(what) + " bytes do not match their Chunks");
  }
  return Status::ok();
}

// The two payload messages without a handle (ReconciliationSendPayload: kind 0b010,
// DataSendPayload: 0b101): [kind (3), amount tag (5)] amount, bytes. Checks that `bytes` are the
// next `amount` Chunks at `cursor`, then moves the cursor past them.
inline Status put_payload_message(Encoder& enc, CodeChooser* chooser, std::uint8_t kind,
                                  PayloadCursor& cursor, std::uint64_t amount, ByteView bytes,
                                  const char* what) {
  OSIER_RETURN_IF_ERROR(check_chunks(cursor, amount, bytes, what));
  BitByte header;
  header.set(0, 3, kind);
  C64Field amount_field{amount, 5};
  OSIER_RETURN_IF_ERROR(put_tag(chooser, header, 3, amount_field));
  enc.byte(header.value());
  put_corresponding(enc, amount_field);
  enc.bytes(bytes);
  cursor.next_chunk += amount;
  return Status::ok();
}

// The head of the payload message at the decoder's position (its kind from the first bits), and
// the cursor it continues (message_codec.cpp). Reads the header only.
struct PayloadHeadAt {
  PayloadHead head;
  PayloadCursor* cursor = nullptr;  // in `state` or the context
};
// `state` is needed for ReconciliationSendPayload and DataSendPayload, `context` for
// PayloadRequestSendResponse; a kind whose one is nullptr is kInvalidEncoding.
Result<PayloadHeadAt> read_payload_head(Decoder& dec, CodecState* state, CodecContext* context);

// Reads the payload message of kind `want` at the decoder's position: its head and a view of its
// bytes; advances its cursor. Other kinds are kInvalidEncoding.
struct PayloadRead {
  PayloadHead head;
  ByteView bytes;
};
Result<PayloadRead> read_payload_message(Decoder& dec, SyncMessageKind want, CodecState* state,
                                         CodecContext* context);

}  // namespace osier::sync::codec_detail
