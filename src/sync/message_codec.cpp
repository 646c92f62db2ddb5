// ResourceHandleFree, the payload message heads shared by the three payload messages, and the
// dispatch of channel and global frames. spec: confidential_sync#sync_encodings
#include "sync/message_codec.hpp"

#include "osier/meadowcap/encoding_relative.hpp"
#include "sync/codec_util.hpp"

namespace osier::sync {

using codec_detail::C64Field;
using codec_detail::invalid_message;
using codec_detail::put_corresponding;
using codec_detail::put_tag;
using codec_detail::read_c64;

const char* message_kind_name(SyncMessageKind kind) {
  static constexpr const char* kNames[kSyncMessageKindCount] = {
      "PioBindHash",
      "PioAnnounceOverlap",
      "PioBindReadCapability",
      "ReconciliationSendFingerprint",
      "ReconciliationAnnounceEntries",
      "ReconciliationSendEntry",
      "ReconciliationSendPayload",
      "ReconciliationTerminatePayload",
      "DataSendEntry",
      "DataSendPayload",
      "DataSetEagerness",
      "PayloadRequestBindRequest",
      "PayloadRequestSendResponse",
      "ResourceHandleFree",
  };
  return kNames[static_cast<std::size_t>(kind)];
}

// spec: the "messages use the ...Channel" / "are global_messages" line of each sync_msg_enc_*.
std::optional<LogicalChannel> message_channel(SyncMessageKind kind) {
  switch (kind) {
    case SyncMessageKind::kPioBindHash:
      return LogicalChannel::kOverlap;
    case SyncMessageKind::kPioBindReadCapability:
      return LogicalChannel::kCapability;
    case SyncMessageKind::kReconciliationSendFingerprint:
      return LogicalChannel::kReconciliation;
    case SyncMessageKind::kPayloadRequestBindRequest:
      return LogicalChannel::kPayloadRequest;
    case SyncMessageKind::kPioAnnounceOverlap:
    case SyncMessageKind::kDataSetEagerness:
    case SyncMessageKind::kResourceHandleFree:
      return std::nullopt;
    default:
      return LogicalChannel::kData;
  }
}

namespace {

// SPEC-NOTES Sync 10: ResourceHandleFree's two type bits (the page writes 00 twice); 11 is an
// error. Indexed by HandleType.
constexpr unsigned kResourceHandleFreeTypeBits[kHandleTypeCount] = {0b00, 0b01, 0b10};

Result<HandleType> handle_type_of_bits(unsigned bits) {
  for (std::size_t t = 0; t < kHandleTypeCount; ++t) {
    if (kResourceHandleFreeTypeBits[t] == bits) return static_cast<HandleType>(t);
  }
  return invalid_encoding("sync: ResourceHandleFree handle type 11");
}

}  // namespace

// spec: confidential_sync#sync_encode_handle
// [1, handle type (2), mine, handle_id tag (2), reference_count tag (2)] handle_id, reference_count
Status encode_resource_handle_free(Encoder& enc, const ResourceHandleFree& msg,
                                   CodeChooser* chooser) {
  const auto type_index = static_cast<std::size_t>(msg.handle_type);
  if (type_index >= kHandleTypeCount) {
    return error(ErrorCode::kInvalidArgument, "sync: ResourceHandleFree of no handle type");
  }
  BitByte header;
  header.set_bit(0, true);
  header.set(1, 2, kResourceHandleFreeTypeBits[type_index]);
  header.set_bit(3, msg.mine);
  C64Field id{msg.handle_id, 2};
  C64Field count{msg.reference_count, 2};
  OSIER_RETURN_IF_ERROR(put_tag(chooser, header, 4, id));
  OSIER_RETURN_IF_ERROR(put_tag(chooser, header, 6, count));
  enc.byte(header.value());
  put_corresponding(enc, id);
  put_corresponding(enc, count);
  return Status::ok();
}

Result<ResourceHandleFree> decode_resource_handle_free(Decoder& dec) {
  OSIER_ASSIGN_OR_RETURN(const std::uint8_t b, dec.byte());
  const BitByte header(b);
  if (!header.bit(0)) return invalid_encoding("sync: not a ResourceHandleFree");
  ResourceHandleFree msg;
  OSIER_ASSIGN_OR_RETURN(msg.handle_type, handle_type_of_bits(header.get(1, 2)));
  msg.mine = header.bit(3);
  OSIER_ASSIGN_OR_RETURN(msg.handle_id, read_c64(dec, header, 4, 2));
  OSIER_ASSIGN_OR_RETURN(msg.reference_count, read_c64(dec, header, 6, 2));
  return msg;
}

namespace codec_detail {

Result<meadowcap::PossiblyAuthorisedEntry> read_token_for(
    Decoder& dec, model::Entry entry, const meadowcap::PossiblyAuthorisedEntry& current) {
  Result<meadowcap::MeadowcapAuthorisationToken> token =
      meadowcap::decode_meadowcap_authorisation_token_relative(dec, current.token, entry);
  if (!token.is_ok()) return token.status();
  return meadowcap::PossiblyAuthorisedEntry{std::move(entry), std::move(token).value()};
}

// The three payload messages: [0 1 0, amount tag (5)] ReconciliationSendPayload,
// [1 0 1, amount tag (5)] DataSendPayload, [1 1, handle tag (2), amount tag (4)]
// PayloadRequestSendResponse; then the corresponding bytes.
Result<PayloadHeadAt> read_payload_head(Decoder& dec, CodecState* state, CodecContext* context) {
  const std::size_t start = dec.position();
  OSIER_ASSIGN_OR_RETURN(const std::uint8_t b, dec.byte());
  const BitByte header(b);
  PayloadHeadAt at;
  if (header.get(0, 2) == 0b11 && context != nullptr) {
    at.head.kind = SyncMessageKind::kPayloadRequestSendResponse;
    OSIER_ASSIGN_OR_RETURN(at.head.handle, read_c64(dec, header, 2, 2));
    OSIER_ASSIGN_OR_RETURN(at.head.amount, read_c64(dec, header, 4, 4));
    at.cursor = context->payload_request(at.head.handle);
    if (at.cursor == nullptr) {
      return invalid_message("PayloadRequestSendResponse for no live PayloadRequestHandle");
    }
  } else if (header.get(0, 3) == 0b010 && state != nullptr) {
    at.head.kind = SyncMessageKind::kReconciliationSendPayload;
    if (state->reconciliation_phase != ReconciliationPhase::kInEntry) {
      return invalid_message("ReconciliationSendPayload outside an entry");
    }
    OSIER_ASSIGN_OR_RETURN(at.head.amount, read_c64(dec, header, 3, 5));
    at.cursor = &state->reconciliation_payload;
  } else if (header.get(0, 3) == 0b101 && state != nullptr) {
    at.head.kind = SyncMessageKind::kDataSendPayload;
    OSIER_ASSIGN_OR_RETURN(at.head.amount, read_c64(dec, header, 3, 5));
    at.cursor = &state->data_payload;
  } else {
    return invalid_encoding("sync: not the payload message expected");
  }
  at.head.header_length = dec.position() - start;
  OSIER_ASSIGN_OR_RETURN(at.head.length, payload_message_length(*at.cursor, at.head.amount));
  return at;
}

Result<PayloadRead> read_payload_message(Decoder& dec, SyncMessageKind want, CodecState* state,
                                         CodecContext* context) {
  OSIER_ASSIGN_OR_RETURN(const PayloadHeadAt at, read_payload_head(dec, state, context));
  if (at.head.kind != want) return invalid_encoding("sync: not the payload message expected");
  if (at.head.length > dec.remaining()) return error(ErrorCode::kIncomplete, "sync: payload bytes");
  PayloadRead r{at.head, {}};
  OSIER_ASSIGN_OR_RETURN(r.bytes, dec.take(static_cast<std::size_t>(at.head.length)));
  at.cursor->next_chunk += at.head.amount;
  return r;
}

}  // namespace codec_detail

Result<PayloadHead> decode_payload_head(ByteView channel_bytes, CodecState& state,
                                        CodecContext& context) {
  Decoder dec(channel_bytes);
  OSIER_ASSIGN_OR_RETURN(const codec_detail::PayloadHeadAt at,
                         codec_detail::read_payload_head(dec, &state, &context));
  return at.head;
}

Status commit_payload_head(const PayloadHead& head, CodecState& state, CodecContext& context) {
  PayloadCursor* cursor = nullptr;
  switch (head.kind) {
    case SyncMessageKind::kReconciliationSendPayload:
      if (state.reconciliation_phase == ReconciliationPhase::kInEntry) {
        cursor = &state.reconciliation_payload;
      }
      break;
    case SyncMessageKind::kDataSendPayload:
      cursor = &state.data_payload;
      break;
    case SyncMessageKind::kPayloadRequestSendResponse:
      cursor = context.payload_request(head.handle);
      break;
    default:
      break;
  }
  if (cursor == nullptr) {
    return error(ErrorCode::kInvalidArgument, "sync: a payload head the state has no cursor for");
  }
  const Result<std::uint64_t> length = payload_message_length(*cursor, head.amount);
  if (!length.is_ok() || *length != head.length) {
    return error(ErrorCode::kInvalidArgument,
                 "sync: a payload head whose length does not follow from its cursor");
  }
  cursor->next_chunk += head.amount;
  return Status::ok();
}

namespace {

// Calls the encoder of the message's kind.
struct EncodeVisitor {
  Encoder& enc;
  CodecState& state;
  CodecContext& context;
  CodeChooser* chooser;

  Status operator()(const PioBindHash& m) { return encode_pio_bind_hash(enc, m, chooser); }
  Status operator()(const PioAnnounceOverlap& m) {
    return encode_pio_announce_overlap(enc, m, context, chooser);
  }
  Status operator()(const PioBindReadCapability& m) {
    return encode_pio_bind_read_capability(enc, m, context, chooser);
  }
  Status operator()(const ReconciliationSendFingerprint& m) {
    return encode_reconciliation_send_fingerprint(enc, m, state, chooser);
  }
  Status operator()(const ReconciliationAnnounceEntries& m) {
    return encode_reconciliation_announce_entries(enc, m, state, context, chooser);
  }
  Status operator()(const ReconciliationSendEntry& m) {
    return encode_reconciliation_send_entry(enc, m, state, chooser);
  }
  Status operator()(const ReconciliationSendPayload& m) {
    return encode_reconciliation_send_payload(enc, m, state, chooser);
  }
  Status operator()(const ReconciliationTerminatePayload& m) {
    return encode_reconciliation_terminate_payload(enc, m, state, chooser);
  }
  Status operator()(const DataSendEntry& m) {
    return encode_data_send_entry(enc, m, state, chooser);
  }
  Status operator()(const DataSendPayload& m) {
    return encode_data_send_payload(enc, m, state, chooser);
  }
  Status operator()(const DataSetEagerness& m) {
    return encode_data_set_eagerness(enc, m, chooser);
  }
  Status operator()(const PayloadRequestBindRequest& m) {
    return encode_payload_request_bind_request(enc, m, chooser);
  }
  Status operator()(const PayloadRequestSendResponse& m) {
    return encode_payload_request_send_response(enc, m, context, chooser);
  }
  Status operator()(const ResourceHandleFree& m) {
    return encode_resource_handle_free(enc, m, chooser);
  }
};

template <typename T>
Result<SyncMessage> lift(Result<T> r) {
  if (!r.is_ok()) return r.status();
  return SyncMessage{std::move(r).value()};
}

// The Data channel's messages, by their first bits.
Result<SyncMessage> decode_data_channel_message(Decoder& dec, CodecState& state,
                                                CodecContext& context) {
  if (dec.at_end()) return error(ErrorCode::kIncomplete, "sync: Data channel message");
  Decoder peek = dec;
  const BitByte first(*peek.byte());
  if (first.get(0, 2) == 0b11) return lift(decode_payload_request_send_response(dec, context));
  switch (first.get(0, 3)) {
    case 0b000:
      return lift(decode_reconciliation_announce_entries(dec, state, context));
    case 0b001:
      return lift(decode_reconciliation_send_entry(dec, state));
    case 0b010:
      return lift(decode_reconciliation_send_payload(dec, state));
    case 0b011:
      return lift(decode_reconciliation_terminate_payload(dec, state));
    case 0b100:
      return lift(decode_data_send_entry(dec, state));
    default:  // 0b101
      return lift(decode_data_send_payload(dec, state));
  }
}

}  // namespace

Status encode_sync_message(Encoder& enc, const SyncMessage& msg, CodecState& state,
                           CodecContext& context, CodeChooser* chooser) {
  return std::visit(EncodeVisitor{enc, state, context, chooser}, msg);
}

Result<SyncMessage> decode_channel_message(LogicalChannel channel, Decoder& dec, CodecState& state,
                                           CodecContext& context) {
  switch (channel) {
    case LogicalChannel::kReconciliation:
      return lift(decode_reconciliation_send_fingerprint(dec, state));
    case LogicalChannel::kData:
      return decode_data_channel_message(dec, state, context);
    case LogicalChannel::kOverlap:
      return lift(decode_pio_bind_hash(dec));
    case LogicalChannel::kCapability:
      return lift(decode_pio_bind_read_capability(dec, context));
    case LogicalChannel::kPayloadRequest:
      break;
  }
  return lift(decode_payload_request_bind_request(dec));
}

Result<SyncMessage> decode_global_message(ByteView content, CodecContext& context) {
  Decoder dec(content);
  if (dec.at_end()) return invalid_encoding("sync: an empty global message");
  const BitByte first(content[0]);
  Result<SyncMessage> msg = first.bit(0) ? lift(decode_resource_handle_free(dec))
                            : first.get(0, 2) == 0b00
                                ? lift(decode_pio_announce_overlap(dec, context))
                                : lift(decode_data_set_eagerness(dec));
  if (!msg.is_ok()) {
    // The frame's content is all there is: a global message cut short is no message.
    if (msg.status().code() == ErrorCode::kIncomplete) {
      return invalid_encoding("sync: a global frame holds a truncated message");
    }
    return msg;
  }
  if (!dec.at_end()) return invalid_encoding("sync: a global frame holds more than one message");
  return msg;
}

}  // namespace osier::sync
