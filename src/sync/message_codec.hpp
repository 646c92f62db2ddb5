// The encodings of the 14 Confidential Sync messages: one encoder and one bounded decoder per
// message, and the dispatch of channel and global frames' contents to them.
// spec: confidential_sync#sync_encodings (each function cites its sync_msg_enc_* section)
//
// Where messages travel (spec: the sync_msg_enc_* sections; message_channel in messages.hpp):
//   channel 0 Reconciliation  ReconciliationSendFingerprint (the only message: no kind bits)
//   channel 1 Data            first bits 000 ReconciliationAnnounceEntries, 001 SendEntry,
//                             010 SendPayload, 011 TerminatePayload, 100 DataSendEntry,
//                             101 DataSendPayload, 11 PayloadRequestSendResponse
//   channel 2 Overlap         PioBindHash
//   channel 3 Capability      PioBindReadCapability
//   channel 4 PayloadRequest  PayloadRequestBindRequest
//   global                    first bits 00 PioAnnounceOverlap, 01 DataSetEagerness,
//                             1 ResourceHandleFree
// A channel's bytes are a concatenation of messages; a SendGlobalFrame holds exactly one.
//
// Encoders write the shortest code (minimal compact U64 tags, arbitrary bits 0, the shorter of
// ReconciliationSendEntry's two entry codes) unless a CodeChooser picks another valid code, and
// fail with kInvalidArgument for values outside the relation (a root id of 0, a capability the
// reference cannot encode, payload bytes whose length does not match their Chunks, a message the
// reconciliation phase does not allow). Decoders accept every valid code (every tag width, any
// arbitrary bits). A strict prefix of a valid code is kIncomplete; other failures are
// kInvalidEncoding (bytes that are no code) or kInvalidArgument (a code the state or the
// protocol rules out: SPEC-NOTES Sync 10-17). Both update the CodecState (and the payload
// cursors) only on success, with the same transitions, so a sender's mirror and the receiver's
// state stay equal; a failed call changes nothing in the state, and a decoder can be called
// again with more bytes after kIncomplete — from the caller's saved position: the Decoder
// itself is left wherever the failure was found. Errors the CodecContext returns pass through
// with the context's own code.
//
// Bounds: decoders never read past their input; work is linear in the bytes consumed (payload
// lengths are computed in O(64^2), never by walking Chunks); allocation is bounded by the model
// and Meadowcap decoders (paths within willow25's limits, delegations one per signature read);
// payload bytes are views into the input, never copied. Decoding a payload message whose bytes
// have not all arrived is kIncomplete: a session that streams payloads instead decodes the
// message's head with decode_payload_head, reads `length` bytes itself, then calls
// commit_payload_head (which advances the cursor as the whole-message decoder does).
// Encoding advances the sender's mirror at once: every encoded message must be sent.
//
// Stateless apart from the arguments; not thread-safe for one CodecState.
#pragma once

#include <cstdint>

#include "osier/base/codec.hpp"
#include "osier/base/status.hpp"
#include "sync/decoder_state.hpp"
#include "sync/messages.hpp"

namespace osier::sync {

// --- Private interest overlap (spec: confidential_sync#sync_encode_pio)

// spec: confidential_sync#sync_msg_enc_PioBindHash — channel 2.
Status encode_pio_bind_hash(Encoder& enc, const PioBindHash& msg, CodeChooser* chooser = nullptr);
Result<PioBindHash> decode_pio_bind_hash(Decoder& dec);

// spec: confidential_sync#sync_msg_enc_PioAnnounceOverlap — global. The enumeration capability
// is encoded relative to context.enumeration_capability_reference(handles).
Status encode_pio_announce_overlap(Encoder& enc, const PioAnnounceOverlap& msg,
                                   CodecContext& context, CodeChooser* chooser = nullptr);
Result<PioAnnounceOverlap> decode_pio_announce_overlap(Decoder& dec, CodecContext& context);

// spec: confidential_sync#sync_msg_enc_PioBindReadCapability — channel 3. The capability is
// encoded relative to context.read_capability_reference(handles) (SPEC-NOTES Sync 23).
Status encode_pio_bind_read_capability(Encoder& enc, const PioBindReadCapability& msg,
                                       CodecContext& context, CodeChooser* chooser = nullptr);
Result<PioBindReadCapability> decode_pio_bind_read_capability(Decoder& dec, CodecContext& context);

// --- Reconciliation (spec: confidential_sync#sync_encode_rec)

// spec: confidential_sync#sync_msg_enc_ReconciliationSendFingerprint — channel 0. The range is
// relative to previously_received_fingerprint_3drange, which becomes it; a root message takes
// next_root_message_id.
Status encode_reconciliation_send_fingerprint(Encoder& enc,
                                              const ReconciliationSendFingerprint& msg,
                                              CodecState& state, CodeChooser* chooser = nullptr);
Result<ReconciliationSendFingerprint> decode_reconciliation_send_fingerprint(Decoder& dec,
                                                                             CodecState& state);

// spec: confidential_sync#sync_msg_enc_ReconciliationAnnounceEntries — channel 1. No fingerprint,
// the range relative to previously_received_itemset_3drange (SPEC-NOTES Sync 11). Only in
// ReconciliationPhase::kIdle; records context.announced_namespace(handles).
Status encode_reconciliation_announce_entries(Encoder& enc,
                                              const ReconciliationAnnounceEntries& msg,
                                              CodecState& state, CodecContext& context,
                                              CodeChooser* chooser = nullptr);
Result<ReconciliationAnnounceEntries> decode_reconciliation_announce_entries(Decoder& dec,
                                                                             CodecState& state,
                                                                             CodecContext& context);

// spec: confidential_sync#sync_msg_enc_ReconciliationSendEntry — channel 1. Only in kAwaitEntry.
// The entry relative to reconciliation_current_entry, or in the namespace-3d-range reference
// (previously_received_itemset_3drange, announced_namespace: kInvalidArgument if unknown); the
// token relative to the current entry's token; the entry becomes the current entry.
Status encode_reconciliation_send_entry(Encoder& enc, const ReconciliationSendEntry& msg,
                                        CodecState& state, CodeChooser* chooser = nullptr);
Result<ReconciliationSendEntry> decode_reconciliation_send_entry(Decoder& dec, CodecState& state);

// spec: confidential_sync#sync_msg_enc_ReconciliationSendPayload — channel 1. Only in kInEntry;
// `amount` Chunks of the current entry's payload from reconciliation_payload.next_chunk.
Status encode_reconciliation_send_payload(Encoder& enc, const ReconciliationSendPayload& msg,
                                          CodecState& state, CodeChooser* chooser = nullptr);
Result<ReconciliationSendPayload> decode_reconciliation_send_payload(Decoder& dec,
                                                                     CodecState& state);

// spec: confidential_sync#sync_msg_enc_ReconciliationTerminatePayload — channel 1. Only in
// kInEntry.
Status encode_reconciliation_terminate_payload(Encoder& enc,
                                               const ReconciliationTerminatePayload& msg,
                                               CodecState& state, CodeChooser* chooser = nullptr);
Result<ReconciliationTerminatePayload> decode_reconciliation_terminate_payload(Decoder& dec,
                                                                               CodecState& state);

// --- Data (spec: confidential_sync#sync_encode_data)

// spec: confidential_sync#sync_msg_enc_DataSendEntry — channel 1. Entry and token relative to
// data_current_entry, which becomes the entry.
Status encode_data_send_entry(Encoder& enc, const DataSendEntry& msg, CodecState& state,
                              CodeChooser* chooser = nullptr);
Result<DataSendEntry> decode_data_send_entry(Decoder& dec, CodecState& state);

// spec: confidential_sync#sync_msg_enc_DataSendPayload — channel 1; Chunks of data_current_entry.
Status encode_data_send_payload(Encoder& enc, const DataSendPayload& msg, CodecState& state,
                                CodeChooser* chooser = nullptr);
Result<DataSendPayload> decode_data_send_payload(Decoder& dec, CodecState& state);

// spec: confidential_sync#sync_msg_enc_DataSetEagerness — global.
Status encode_data_set_eagerness(Encoder& enc, const DataSetEagerness& msg,
                                 CodeChooser* chooser = nullptr);
Result<DataSetEagerness> decode_data_set_eagerness(Decoder& dec);

// --- PayloadRequest (spec: confidential_sync#sync_encode_request_payload)

// spec: confidential_sync#sync_msg_enc_PayloadRequestBindRequest — channel 4.
Status encode_payload_request_bind_request(Encoder& enc, const PayloadRequestBindRequest& msg,
                                           CodeChooser* chooser = nullptr);
Result<PayloadRequestBindRequest> decode_payload_request_bind_request(Decoder& dec);

// spec: confidential_sync#sync_msg_enc_PayloadRequestSendResponse — channel 1. Chunks of the
// transfer context.payload_request(handle) (kInvalidArgument if there is none).
Status encode_payload_request_send_response(Encoder& enc, const PayloadRequestSendResponse& msg,
                                            CodecContext& context, CodeChooser* chooser = nullptr);
Result<PayloadRequestSendResponse> decode_payload_request_send_response(Decoder& dec,
                                                                        CodecContext& context);

// --- ResourceHandle (spec: confidential_sync#sync_encode_handle)

// spec: confidential_sync#sync_encode_handle (EncodeResourceHandleFree) — global. Type bits per
// SPEC-NOTES Sync 10 (kResourceHandleFreeTypeBits); 11 is kInvalidEncoding.
Status encode_resource_handle_free(Encoder& enc, const ResourceHandleFree& msg,
                                   CodeChooser* chooser = nullptr);
Result<ResourceHandleFree> decode_resource_handle_free(Decoder& dec);

// --- Dispatch

// Any message (channel or global). The caller sends the bytes on message_channel(kind).
Status encode_sync_message(Encoder& enc, const SyncMessage& msg, CodecState& state,
                           CodecContext& context, CodeChooser* chooser = nullptr);
// The next message of `channel`'s byte stream.
Result<SyncMessage> decode_channel_message(LogicalChannel channel, Decoder& dec, CodecState& state,
                                           CodecContext& context);
// The message of one SendGlobalFrame's content: kInvalidEncoding unless it is exactly one
// message (SPEC-NOTES Sync 8) — a frame's content is complete, so a truncated message is no
// message here (the per-message decoders still say kIncomplete). SPEC-NOTES Sync 6 has the
// session ignore empty global frames before this. Global messages use no CodecState.
Result<SyncMessage> decode_global_message(ByteView content, CodecContext& context);

// The head of a payload message (ReconciliationSendPayload, DataSendPayload,
// PayloadRequestSendResponse) at the start of a Data channel stream: its kind, handle, amount,
// the length of its header and of its payload bytes. Changes nothing; for sessions that stream
// payload bytes rather than buffer whole messages.
struct PayloadHead {
  SyncMessageKind kind = SyncMessageKind::kDataSendPayload;
  std::uint64_t handle = 0;  // PayloadRequestSendResponse only
  std::uint64_t amount = 0;
  std::size_t header_length = 0;
  std::uint64_t length = 0;
};
// kInvalidEncoding if the next Data channel message is not a payload message.
Result<PayloadHead> decode_payload_head(ByteView channel_bytes, CodecState& state,
                                        CodecContext& context);
// After the head's header and its `length` payload bytes were consumed: the state change the
// whole-message decoder makes (the message's payload cursor moves on by `amount` Chunks), so
// the next payload message's length follows from the right Chunk. kInvalidArgument if `head`
// no longer matches the state (it was committed already, or the state changed in between);
// then nothing changes.
Status commit_payload_head(const PayloadHead& head, CodecState& state, CodecContext& context);

}  // namespace osier::sync
