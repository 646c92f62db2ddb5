// The reconciliation messages. spec: confidential_sync#sync_encode_rec
#include "osier/meadowcap/encoding_relative.hpp"
#include "osier/model/encoding_entry.hpp"
#include "osier/model/encoding_range.hpp"
#include "sync/codec_util.hpp"
#include "sync/message_codec.hpp"

namespace osier::sync {

using codec_detail::C64Field;
using codec_detail::choose_bits;
using codec_detail::commit_scratch;
using codec_detail::invalid_message;
using codec_detail::put_corresponding;
using codec_detail::put_tag;
using codec_detail::read_c64;

namespace {

// "a RangeInfoRootId of root_id_none is encoded as if it was the U64 0"
Result<std::uint64_t> root_code(const RangeInfo& info) {
  if (!info.root_id) return std::uint64_t{0};
  if (*info.root_id == 0) return invalid_message("a RangeInfoRootId is non-zero or none");
  return *info.root_id;
}
std::optional<std::uint64_t> root_of_code(std::uint64_t code) {
  if (code == 0) return std::nullopt;
  return code;
}

// spec: confidential_sync#sync_reconciliation — a root message takes the sender's range counter,
// which then grows by two.
void assign_root_id(CodecState& state, const RangeInfo& info) {
  if (info.root_id) return;
  state.last_root_message_id = state.next_root_message_id;
  state.next_root_message_id += 2;
}

Status require_phase(const CodecState& state, ReconciliationPhase phase, const char* message) {
  if (state.reconciliation_phase != phase) return invalid_message(message);
  return Status::ok();
}

// Both codes of ReconciliationSendEntry's entry (spec: sync_msg_enc_ReconciliationSendEntry):
// relative to the current entry, or in the announced namespace and itemset range.
std::optional<model::EntryInNamespace3dRangeReference> in_range_reference(const CodecState& state) {
  if (!state.announced_namespace) return std::nullopt;
  return model::EntryInNamespace3dRangeReference{*state.announced_namespace,
                                                 state.previously_received_itemset_3drange};
}

}  // namespace

// spec: confidential_sync#sync_msg_enc_ReconciliationSendFingerprint
// [root tag (4), sender_handle tag (2), receiver_handle tag (2)]
// root, sender_handle, receiver_handle, range relative to previously_received_fingerprint_3drange,
// fingerprint
Status encode_reconciliation_send_fingerprint(Encoder& enc,
                                              const ReconciliationSendFingerprint& msg,
                                              CodecState& state, CodeChooser* chooser) {
  OSIER_ASSIGN_OR_RETURN(const std::uint64_t root, root_code(msg.info));
  BitByte header;
  C64Field fields[3] = {{root, 4}, {msg.info.sender_handle, 2}, {msg.info.receiver_handle, 2}};
  OSIER_RETURN_IF_ERROR(put_tag(chooser, header, 0, fields[0]));
  OSIER_RETURN_IF_ERROR(put_tag(chooser, header, 4, fields[1]));
  OSIER_RETURN_IF_ERROR(put_tag(chooser, header, 6, fields[2]));
  Encoder out;
  out.byte(header.value());
  for (const C64Field& f : fields) put_corresponding(out, f);
  OSIER_RETURN_IF_ERROR(model::encode_3d_range_relative_3d_range(
      out, msg.info.range, state.previously_received_fingerprint_3drange));
  out.bytes(msg.fingerprint);
  commit_scratch(enc, out);
  state.previously_received_fingerprint_3drange = msg.info.range;
  assign_root_id(state, msg.info);
  return Status::ok();
}

Result<ReconciliationSendFingerprint> decode_reconciliation_send_fingerprint(Decoder& dec,
                                                                             CodecState& state) {
  OSIER_ASSIGN_OR_RETURN(const std::uint8_t b, dec.byte());
  const BitByte header(b);
  OSIER_ASSIGN_OR_RETURN(const std::uint64_t root, read_c64(dec, header, 0, 4));
  ReconciliationSendFingerprint msg;
  msg.info.root_id = root_of_code(root);
  OSIER_ASSIGN_OR_RETURN(msg.info.sender_handle, read_c64(dec, header, 4, 2));
  OSIER_ASSIGN_OR_RETURN(msg.info.receiver_handle, read_c64(dec, header, 6, 2));
  OSIER_ASSIGN_OR_RETURN(msg.info.range, model::decode_3d_range_relative_3d_range(
                                             dec, state.previously_received_fingerprint_3drange));
  OSIER_ASSIGN_OR_RETURN(msg.fingerprint, dec.array<32>());
  state.previously_received_fingerprint_3drange = msg.info.range;
  assign_root_id(state, msg.info);
  return msg;
}

// spec: confidential_sync#sync_msg_enc_ReconciliationAnnounceEntries (SPEC-NOTES Sync 11)
// [0 0 0, is_empty, want_response, will_sort, root tag (2)]
// [sender_handle tag (4), receiver_handle tag (4)]
// root, sender_handle, receiver_handle, range relative to previously_received_itemset_3drange
Status encode_reconciliation_announce_entries(Encoder& enc,
                                              const ReconciliationAnnounceEntries& msg,
                                              CodecState& state, CodecContext& context,
                                              CodeChooser* chooser) {
  OSIER_RETURN_IF_ERROR(require_phase(state, ReconciliationPhase::kIdle,
                                      "ReconciliationAnnounceEntries while entries are due"));
  OSIER_ASSIGN_OR_RETURN(const std::uint64_t root, root_code(msg.info));
  BitByte first;
  first.set(0, 3, 0b000);
  first.set_bit(3, msg.is_empty);
  first.set_bit(4, msg.want_response);
  first.set_bit(5, msg.will_sort);
  C64Field fields[3] = {{root, 2}, {msg.info.sender_handle, 4}, {msg.info.receiver_handle, 4}};
  OSIER_RETURN_IF_ERROR(put_tag(chooser, first, 6, fields[0]));
  BitByte second;
  OSIER_RETURN_IF_ERROR(put_tag(chooser, second, 0, fields[1]));
  OSIER_RETURN_IF_ERROR(put_tag(chooser, second, 4, fields[2]));
  Encoder out;
  out.byte(first.value());
  out.byte(second.value());
  for (const C64Field& f : fields) put_corresponding(out, f);
  OSIER_RETURN_IF_ERROR(model::encode_3d_range_relative_3d_range(
      out, msg.info.range, state.previously_received_itemset_3drange));
  commit_scratch(enc, out);
  state.previously_received_itemset_3drange = msg.info.range;
  state.announced_namespace =
      context.announced_namespace(msg.info.sender_handle, msg.info.receiver_handle);
  state.reconciliation_phase =
      msg.is_empty ? ReconciliationPhase::kIdle : ReconciliationPhase::kAwaitEntry;
  assign_root_id(state, msg.info);
  return Status::ok();
}

Result<ReconciliationAnnounceEntries> decode_reconciliation_announce_entries(
    Decoder& dec, CodecState& state, CodecContext& context) {
  OSIER_ASSIGN_OR_RETURN(const std::uint8_t b0, dec.byte());
  const BitByte first(b0);
  if (first.get(0, 3) != 0b000) {
    return invalid_encoding("sync: not a ReconciliationAnnounceEntries");
  }
  OSIER_RETURN_IF_ERROR(require_phase(state, ReconciliationPhase::kIdle,
                                      "ReconciliationAnnounceEntries while entries are due"));
  OSIER_ASSIGN_OR_RETURN(const std::uint8_t b1, dec.byte());
  const BitByte second(b1);
  ReconciliationAnnounceEntries msg;
  msg.is_empty = first.bit(3);
  msg.want_response = first.bit(4);
  msg.will_sort = first.bit(5);
  OSIER_ASSIGN_OR_RETURN(const std::uint64_t root, read_c64(dec, first, 6, 2));
  msg.info.root_id = root_of_code(root);
  OSIER_ASSIGN_OR_RETURN(msg.info.sender_handle, read_c64(dec, second, 0, 4));
  OSIER_ASSIGN_OR_RETURN(msg.info.receiver_handle, read_c64(dec, second, 4, 4));
  OSIER_ASSIGN_OR_RETURN(msg.info.range, model::decode_3d_range_relative_3d_range(
                                             dec, state.previously_received_itemset_3drange));
  state.previously_received_itemset_3drange = msg.info.range;
  state.announced_namespace =
      context.announced_namespace(msg.info.sender_handle, msg.info.receiver_handle);
  state.reconciliation_phase =
      msg.is_empty ? ReconciliationPhase::kIdle : ReconciliationPhase::kAwaitEntry;
  assign_root_id(state, msg.info);
  return msg;
}

// spec: confidential_sync#sync_msg_enc_ReconciliationSendEntry
// [0 0 1, relative_to_entry, offset tag (2), available tag (2)]
// offset, available, entry (relative to reconciliation_current_entry, or in the announced
// namespace and previously_received_itemset_3drange), token relative to the current entry
Status encode_reconciliation_send_entry(Encoder& enc, const ReconciliationSendEntry& msg,
                                        CodecState& state, CodeChooser* chooser) {
  OSIER_RETURN_IF_ERROR(require_phase(state, ReconciliationPhase::kAwaitEntry,
                                      "ReconciliationSendEntry without an open announcement"));
  const model::Entry& entry = msg.entry.entry.entry;
  const meadowcap::PossiblyAuthorisedEntry& current = state.reconciliation_current_entry;
  Encoder relative;
  OSIER_RETURN_IF_ERROR(model::encode_entry_relative_entry(relative, entry, current.entry));
  std::optional<Encoder> in_range;
  if (const auto ref = in_range_reference(state)) {
    Encoder e;
    if (model::encode_entry_in_namespace_3d_range(e, entry, *ref).is_ok()) in_range = std::move(e);
  }
  bool use_relative = !in_range || relative.size() <= in_range->size();
  if (in_range && chooser != nullptr) {
    if (const std::optional<bool> pick = chooser->relative_to_entry()) use_relative = *pick;
  }
  BitByte header;
  header.set(0, 3, 0b001);
  header.set_bit(3, use_relative);
  C64Field fields[2] = {{msg.offset, 2}, {msg.entry.available, 2}};
  OSIER_RETURN_IF_ERROR(put_tag(chooser, header, 4, fields[0]));
  OSIER_RETURN_IF_ERROR(put_tag(chooser, header, 6, fields[1]));
  Encoder out;
  out.byte(header.value());
  for (const C64Field& f : fields) put_corresponding(out, f);
  out.bytes(use_relative ? relative.bytes() : in_range->bytes());
  OSIER_RETURN_IF_ERROR(meadowcap::encode_meadowcap_authorisation_token_relative(
      out, msg.entry.entry.token, current.token, entry));
  commit_scratch(enc, out);
  state.reconciliation_current_entry = msg.entry.entry;
  state.reconciliation_payload = PayloadCursor{entry.payload_length, msg.offset};
  state.reconciliation_phase = ReconciliationPhase::kInEntry;
  return Status::ok();
}

Result<ReconciliationSendEntry> decode_reconciliation_send_entry(Decoder& dec, CodecState& state) {
  OSIER_ASSIGN_OR_RETURN(const std::uint8_t b, dec.byte());
  const BitByte header(b);
  if (header.get(0, 3) != 0b001) return invalid_encoding("sync: not a ReconciliationSendEntry");
  OSIER_RETURN_IF_ERROR(require_phase(state, ReconciliationPhase::kAwaitEntry,
                                      "ReconciliationSendEntry without an open announcement"));
  const bool relative = header.bit(3);
  const std::optional<model::EntryInNamespace3dRangeReference> ref = in_range_reference(state);
  if (!relative && !ref) {
    // docs/spec-notes.md: the namespace of an announcement naming unbound handles is unknown.
    return invalid_message("ReconciliationSendEntry in the namespace of an unknown announcement");
  }
  OSIER_ASSIGN_OR_RETURN(const std::uint64_t offset, read_c64(dec, header, 4, 2));
  OSIER_ASSIGN_OR_RETURN(const std::uint64_t available, read_c64(dec, header, 6, 2));
  const meadowcap::PossiblyAuthorisedEntry& current = state.reconciliation_current_entry;
  OSIER_ASSIGN_OR_RETURN(model::Entry entry,
                         relative ? model::decode_entry_relative_entry(dec, current.entry)
                                  : model::decode_entry_in_namespace_3d_range(dec, *ref));
  OSIER_ASSIGN_OR_RETURN(meadowcap::PossiblyAuthorisedEntry authorised,
                         codec_detail::read_token_for(dec, std::move(entry), current));
  ReconciliationSendEntry msg{LengthyEntry{std::move(authorised), available}, offset};
  state.reconciliation_current_entry = msg.entry.entry;
  state.reconciliation_payload = PayloadCursor{msg.entry.entry.entry.payload_length, offset};
  state.reconciliation_phase = ReconciliationPhase::kInEntry;
  return msg;
}

// spec: confidential_sync#sync_msg_enc_ReconciliationSendPayload
// [0 1 0, amount tag (5)] amount, bytes
Status encode_reconciliation_send_payload(Encoder& enc, const ReconciliationSendPayload& msg,
                                          CodecState& state, CodeChooser* chooser) {
  OSIER_RETURN_IF_ERROR(require_phase(state, ReconciliationPhase::kInEntry,
                                      "ReconciliationSendPayload outside an entry"));
  return codec_detail::put_payload_message(enc, chooser, 0b010, state.reconciliation_payload,
                                           msg.amount, msg.bytes, "ReconciliationSendPayload");
}

Result<ReconciliationSendPayload> decode_reconciliation_send_payload(Decoder& dec,
                                                                     CodecState& state) {
  OSIER_ASSIGN_OR_RETURN(const codec_detail::PayloadRead r,
                         codec_detail::read_payload_message(
                             dec, SyncMessageKind::kReconciliationSendPayload, &state, nullptr));
  return ReconciliationSendPayload{r.head.amount, r.bytes};
}

// spec: confidential_sync#sync_msg_enc_ReconciliationTerminatePayload
// [0 1 1, is_final, 4 arbitrary bits]
Status encode_reconciliation_terminate_payload(Encoder& enc,
                                               const ReconciliationTerminatePayload& msg,
                                               CodecState& state, CodeChooser* chooser) {
  OSIER_RETURN_IF_ERROR(require_phase(state, ReconciliationPhase::kInEntry,
                                      "ReconciliationTerminatePayload outside an entry"));
  BitByte header;
  header.set(0, 3, 0b011);
  header.set_bit(3, msg.is_final);
  header.set(4, 4, choose_bits(chooser, 4));
  enc.byte(header.value());
  state.reconciliation_phase =
      msg.is_final ? ReconciliationPhase::kIdle : ReconciliationPhase::kAwaitEntry;
  return Status::ok();
}

Result<ReconciliationTerminatePayload> decode_reconciliation_terminate_payload(Decoder& dec,
                                                                               CodecState& state) {
  OSIER_ASSIGN_OR_RETURN(const std::uint8_t b, dec.byte());
  const BitByte header(b);
  if (header.get(0, 3) != 0b011) {
    return invalid_encoding("sync: not a ReconciliationTerminatePayload");
  }
  OSIER_RETURN_IF_ERROR(require_phase(state, ReconciliationPhase::kInEntry,
                                      "ReconciliationTerminatePayload outside an entry"));
  ReconciliationTerminatePayload msg{header.bit(3)};
  state.reconciliation_phase =
      msg.is_final ? ReconciliationPhase::kIdle : ReconciliationPhase::kAwaitEntry;
  return msg;
}

}  // namespace osier::sync
