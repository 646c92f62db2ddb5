// The payload request messages. spec: confidential_sync#sync_encode_request_payload
#include "osier/model/encoding_path.hpp"
#include "sync/codec_util.hpp"
#include "sync/message_codec.hpp"

namespace osier::sync {

using codec_detail::C64Field;
using codec_detail::invalid_message;
using codec_detail::put_corresponding;
using codec_detail::put_tag;
using codec_detail::read_c64;

// spec: confidential_sync#sync_msg_enc_PayloadRequestBindRequest
// [sender_handle tag (4), receiver_handle tag (4)] sender_handle, receiver_handle,
// namespace id, subspace id, path, payload digest
Status encode_payload_request_bind_request(Encoder& enc, const PayloadRequestBindRequest& msg,
                                           CodeChooser* chooser) {
  BitByte header;
  C64Field sender{msg.sender_handle, 4};
  C64Field receiver{msg.receiver_handle, 4};
  OSIER_RETURN_IF_ERROR(put_tag(chooser, header, 0, sender));
  OSIER_RETURN_IF_ERROR(put_tag(chooser, header, 4, receiver));
  enc.byte(header.value());
  put_corresponding(enc, sender);
  put_corresponding(enc, receiver);
  enc.bytes(msg.namespace_id);
  enc.bytes(msg.subspace_id);
  model::encode_path(enc, msg.path);
  enc.bytes(msg.payload_digest);
  return Status::ok();
}

Result<PayloadRequestBindRequest> decode_payload_request_bind_request(Decoder& dec) {
  OSIER_ASSIGN_OR_RETURN(const std::uint8_t b, dec.byte());
  const BitByte header(b);
  PayloadRequestBindRequest msg;
  OSIER_ASSIGN_OR_RETURN(msg.sender_handle, read_c64(dec, header, 0, 4));
  OSIER_ASSIGN_OR_RETURN(msg.receiver_handle, read_c64(dec, header, 4, 4));
  OSIER_ASSIGN_OR_RETURN(msg.namespace_id, dec.array<32>());
  OSIER_ASSIGN_OR_RETURN(msg.subspace_id, dec.array<32>());
  OSIER_ASSIGN_OR_RETURN(msg.path, model::decode_path(dec, DecodeMode::kAny));
  OSIER_ASSIGN_OR_RETURN(msg.payload_digest, dec.array<32>());
  return msg;
}

// spec: confidential_sync#sync_msg_enc_PayloadRequestSendResponse
// [1 1, handle tag (2), amount tag (4)] handle, amount, bytes (Chunks from the transfer's
// next_chunk; the transfer starts at Chunk 0, SPEC-NOTES Sync 12)
Status encode_payload_request_send_response(Encoder& enc, const PayloadRequestSendResponse& msg,
                                            CodecContext& context, CodeChooser* chooser) {
  PayloadCursor* cursor = context.payload_request(msg.handle);
  if (cursor == nullptr) {
    return invalid_message("PayloadRequestSendResponse for no live PayloadRequestHandle");
  }
  OSIER_RETURN_IF_ERROR(
      codec_detail::check_chunks(*cursor, msg.amount, msg.bytes, "PayloadRequestSendResponse"));
  BitByte header;
  header.set(0, 2, 0b11);
  C64Field handle{msg.handle, 2};
  C64Field amount{msg.amount, 4};
  OSIER_RETURN_IF_ERROR(put_tag(chooser, header, 2, handle));
  OSIER_RETURN_IF_ERROR(put_tag(chooser, header, 4, amount));
  enc.byte(header.value());
  put_corresponding(enc, handle);
  put_corresponding(enc, amount);
  enc.bytes(msg.bytes);
  cursor->next_chunk += msg.amount;
  return Status::ok();
}

Result<PayloadRequestSendResponse> decode_payload_request_send_response(Decoder& dec,
                                                                        CodecContext& context) {
  OSIER_ASSIGN_OR_RETURN(const codec_detail::PayloadRead r,
                         codec_detail::read_payload_message(
                             dec, SyncMessageKind::kPayloadRequestSendResponse, nullptr, &context));
  return PayloadRequestSendResponse{r.head.handle, r.head.amount, r.bytes};
}

}  // namespace osier::sync
