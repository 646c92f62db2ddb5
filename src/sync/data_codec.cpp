// The data messages. spec: confidential_sync#sync_encode_data
#include "osier/meadowcap/encoding_relative.hpp"
#include "osier/model/encoding_entry.hpp"
#include "sync/codec_util.hpp"
#include "sync/message_codec.hpp"

namespace osier::sync {

using codec_detail::C64Field;
using codec_detail::commit_scratch;
using codec_detail::put_corresponding;
using codec_detail::put_tag;
using codec_detail::read_c64;

// spec: confidential_sync#sync_msg_enc_DataSendEntry
// [1 0 0, offset tag (5)] offset, entry relative to data_current_entry, token relative to it
Status encode_data_send_entry(Encoder& enc, const DataSendEntry& msg, CodecState& state,
                              CodeChooser* chooser) {
  BitByte header;
  header.set(0, 3, 0b100);
  C64Field offset{msg.offset, 5};
  OSIER_RETURN_IF_ERROR(put_tag(chooser, header, 3, offset));
  const meadowcap::PossiblyAuthorisedEntry& current = state.data_current_entry;
  Encoder out;
  out.byte(header.value());
  put_corresponding(out, offset);
  OSIER_RETURN_IF_ERROR(model::encode_entry_relative_entry(out, msg.entry.entry, current.entry));
  OSIER_RETURN_IF_ERROR(meadowcap::encode_meadowcap_authorisation_token_relative(
      out, msg.entry.token, current.token, msg.entry.entry));
  commit_scratch(enc, out);
  state.data_current_entry = msg.entry;
  state.data_payload = PayloadCursor{msg.entry.entry.payload_length, msg.offset};
  return Status::ok();
}

Result<DataSendEntry> decode_data_send_entry(Decoder& dec, CodecState& state) {
  OSIER_ASSIGN_OR_RETURN(const std::uint8_t b, dec.byte());
  const BitByte header(b);
  if (header.get(0, 3) != 0b100) return invalid_encoding("sync: not a DataSendEntry");
  OSIER_ASSIGN_OR_RETURN(const std::uint64_t offset, read_c64(dec, header, 3, 5));
  const meadowcap::PossiblyAuthorisedEntry& current = state.data_current_entry;
  OSIER_ASSIGN_OR_RETURN(model::Entry entry,
                         model::decode_entry_relative_entry(dec, current.entry));
  OSIER_ASSIGN_OR_RETURN(meadowcap::PossiblyAuthorisedEntry authorised,
                         codec_detail::read_token_for(dec, std::move(entry), current));
  DataSendEntry msg{std::move(authorised), offset};
  state.data_current_entry = msg.entry;
  state.data_payload = PayloadCursor{msg.entry.entry.payload_length, offset};
  return msg;
}

// spec: confidential_sync#sync_msg_enc_DataSendPayload
// [1 0 1, amount tag (5)] amount, bytes
Status encode_data_send_payload(Encoder& enc, const DataSendPayload& msg, CodecState& state,
                                CodeChooser* chooser) {
  return codec_detail::put_payload_message(enc, chooser, 0b101, state.data_payload, msg.amount,
                                           msg.bytes, "DataSendPayload");
}

Result<DataSendPayload> decode_data_send_payload(Decoder& dec, CodecState& state) {
  OSIER_ASSIGN_OR_RETURN(
      const codec_detail::PayloadRead r,
      codec_detail::read_payload_message(dec, SyncMessageKind::kDataSendPayload, &state, nullptr));
  return DataSendPayload{r.head.amount, r.bytes};
}

// spec: confidential_sync#sync_msg_enc_DataSetEagerness
// [0 1, set_eager, sender_handle tag (2), receiver_handle tag (3)] sender_handle, receiver_handle
Status encode_data_set_eagerness(Encoder& enc, const DataSetEagerness& msg, CodeChooser* chooser) {
  BitByte header;
  header.set(0, 2, 0b01);
  header.set_bit(2, msg.set_eager);
  C64Field sender{msg.sender_handle, 2};
  C64Field receiver{msg.receiver_handle, 3};
  OSIER_RETURN_IF_ERROR(put_tag(chooser, header, 3, sender));
  OSIER_RETURN_IF_ERROR(put_tag(chooser, header, 5, receiver));
  enc.byte(header.value());
  put_corresponding(enc, sender);
  put_corresponding(enc, receiver);
  return Status::ok();
}

Result<DataSetEagerness> decode_data_set_eagerness(Decoder& dec) {
  OSIER_ASSIGN_OR_RETURN(const std::uint8_t b, dec.byte());
  const BitByte header(b);
  if (header.get(0, 2) != 0b01) return invalid_encoding("sync: not a DataSetEagerness");
  DataSetEagerness msg;
  msg.set_eager = header.bit(2);
  OSIER_ASSIGN_OR_RETURN(msg.sender_handle, read_c64(dec, header, 3, 2));
  OSIER_ASSIGN_OR_RETURN(msg.receiver_handle, read_c64(dec, header, 5, 3));
  return msg;
}

}  // namespace osier::sync
