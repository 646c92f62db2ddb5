#include "sync/decoder_state.hpp"

#include "osier/meadowcap/willow25_defaults.hpp"
#include "sync/payload_chunks.hpp"

namespace osier::sync {

namespace {

meadowcap::PossiblyAuthorisedEntry initial_current_entry() {
  return {meadowcap::willow25_default_entry(), meadowcap::default_authorisation_token()};
}

}  // namespace

CodecState::CodecState(SyncRole sender)
    : previously_received_fingerprint_3drange(model::D3Range::full(model::SubspaceId{})),
      previously_received_itemset_3drange(model::D3Range::full(model::SubspaceId{})),
      reconciliation_current_entry(initial_current_entry()),
      reconciliation_payload{reconciliation_current_entry.entry.payload_length, 0},
      data_current_entry(initial_current_entry()),
      data_payload{data_current_entry.entry.payload_length, 0},
      next_root_message_id(sender == SyncRole::kAlfie ? 1 : 2) {}

Result<std::uint64_t> payload_message_length(const PayloadCursor& cursor, std::uint64_t amount) {
  if (amount == 0) return std::uint64_t{0};
  const std::uint64_t chunks = payload_chunk_count(cursor.payload_length);
  if (cursor.next_chunk >= chunks || amount > chunks - cursor.next_chunk) {
    return error(ErrorCode::kInvalidArgument,
                 "sync: a payload message runs past the payload's last Chunk");
  }
  const std::optional<std::uint64_t> len =
      payload_chunks_length(cursor.payload_length, cursor.next_chunk, amount);
  if (!len) return error(ErrorCode::kOutOfRange, "sync: payload message longer than 2^64 - 1");
  return *len;
}

}  // namespace osier::sync
