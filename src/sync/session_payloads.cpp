// Session: payloads. During reconciliation, the payload of an entry we send follows it
// (ReconciliationSendPayload); on the Data channel we push the rest of a payload the peer's answer
// shows it lacks (DataSendEntry, DataSendPayload). Received ones of both kinds go through a
// PayloadTransfer into the store. spec: confidential_sync#sync_payloads, #sync_data
//
// When we send what (docs/spec-notes.md, "Session: which payloads travel when"):
//   - with an announcement that asks for a response, the peer may hold the entries already: only
//     payloads up to max_blind_payload go along;
//   - with an answer (no response wanted), we know the peer's state of each entry it sent us: we
//     send the payload from the first Chunk the peer lacks (RbsrCore sets the offset);
//   - an entry in the peer's answer whose payload it holds less of than we hold whole: we push
//     the rest on the Data channel (a bounded queue of such pushes; beyond it, a later sync),
//     unless the peer asked us not to for that overlap (DataSetEagerness, set_eager false).
// Always only within the peer's max_payload_power (SPEC-NOTES Sync 19), and only payloads we hold
// whole (a partial one is not sent yet).
#include <algorithm>
#include <string>

#include "osier/store/authoriser.hpp"
#include "sync/payload_chunks.hpp"
#include "sync/session.hpp"

namespace osier::sync {
namespace {

bool within_power(std::uint64_t length, std::uint8_t max_payload_power) {
  return max_payload_power >= 64 || length <= (std::uint64_t{1} << max_payload_power);
}

}  // namespace

// --- receiving

void Session::begin_receiving(std::optional<ReceivingPayload>& r, const model::Entry& entry,
                              std::uint64_t offset) {
  end_receiving(r);
  r = ReceivingPayload{entry, offset, std::nullopt, 0, 0, false};
}

Status Session::receive_payload(std::optional<ReceivingPayload>& receiving, ByteView bytes) {
  if (!receiving) {
    return error(ErrorCode::kInvalidArgument, "sync: payload bytes with no entry before them");
  }
  ReceivingPayload& r = *receiving;
  if (r.ignore || bytes.empty()) return Status::ok();
  if (!r.transfer) {
    if (store_.payloads == nullptr) {
      r.ignore = true;
      return Status::ok();
    }
    // The entry must be stored before its payload's bytes can be.
    rbsr_->flush_entries();
    OSIER_RETURN_IF_ERROR(take_rbsr_events());
    OSIER_ASSIGN_OR_RETURN(
        const std::optional<store::PayloadState> held,
        store_.payloads->payload_state(r.entry.namespace_id, r.entry.subspace_id, r.entry.path));
    Result<PayloadTransfer> t = PayloadTransfer::start(*store_.payloads, r.entry, r.offset,
                                                       store::Origin::remote(session_id_));
    if (!t) {
      // kNotFound: the store did not take the entry (it holds a newer one) or cannot prove the
      // Chunks before the offset; kOutOfRange: the offset lies beyond what it holds. Either way
      // these bytes have nowhere to go (SPEC-NOTES Sync 19: they may be ignored).
      const ErrorCode c = t.status().code();
      if (c == ErrorCode::kNotFound || c == ErrorCode::kOutOfRange) {
        r.ignore = true;
        return Status::ok();
      }
      return t.status();
    }
    r.transfer.emplace(std::move(*t));
    r.transfer->set_append_batch(kPayloadAppendBatch);
    // The disk's syncs overlap the next batch's reading and verifying (payload_transfer.hpp).
    r.transfer->set_background_appends(true);
    r.held_before = held ? held->held : 0;
    r.counted_end = std::max(r.held_before, r.offset * 1024);
  }
  Result<store::PayloadState> st = r.transfer->feed(bytes);
  // Bytes new to the store, as they verify (progress reports read this).
  if (r.transfer->verified_end() > r.counted_end) {
    stats_.payload_bytes_received += r.transfer->verified_end() - r.counted_end;
    r.counted_end = r.transfer->verified_end();
  }
  if (!st) {
    if (st.status().code() == ErrorCode::kNotFound) {
      r.ignore = true;  // the entry was overwritten meanwhile
      return Status::ok();
    }
    return error(st.status().code(),
                 "sync: the peer's payload for an entry does not verify or cannot be stored: " +
                     st.status().message());
  }
  // A whole payload ends its transmission here (a Data channel one has no other end).
  if (r.transfer->complete()) end_receiving(receiving);
  return Status::ok();
}

void Session::end_receiving(std::optional<ReceivingPayload>& r) {
  if (r && r->transfer) {
    // What verified is stored even when the sender stopped early; a failure here leaves the
    // store as it was after the last append, which a later sync resumes from.
    (void)r->transfer->flush();
    const PayloadTransfer& t = *r->transfer;
    if (t.complete() && r->held_before < r->entry.payload_length) ++stats_.payloads_received;
    events_.emplace_back(PayloadReceivedEvent{r->entry, t.verified_end(), t.complete()});
  }
  r.reset();
}

Status Session::on_reconciliation_entry(const ReconciliationSendEntry& msg) {
  begin_receiving(receiving_payload_, msg.entry.entry.entry, msg.offset);
  // The peer's answer tells what it holds: push what it lacks of a payload we hold whole.
  if (!incoming_want_response_) return plan_push(msg.entry);
  return Status::ok();
}

// spec: confidential_sync#DataSendEntry; SPEC-NOTES Sync 18: an entry outside all our areas of
// interest is ignored, a token that does not authorise it is an error.
Status Session::on_data_entry(const DataSendEntry& msg) {
  auto verified = meadowcap::AuthorisedEntry::verify(msg.entry, data_verified_capabilities_);
  if (!verified) {
    return error(ErrorCode::kInvalidArgument,
                 "sync: DataSendEntry with a token that does not authorise its entry");
  }
  const model::Entry& e = msg.entry.entry;
  const bool ours = std::any_of(
      own_capabilities_.begin(), own_capabilities_.end(), [&](const meadowcap::McCapability& c) {
        return c.granted_namespace() == e.namespace_id && c.granted_area().includes(e);
      });
  begin_receiving(receiving_data_, e, msg.offset);
  if (!ours) {
    receiving_data_->ignore = true;
    ++stats_.messages_discarded;
    return Status::ok();
  }
  OSIER_ASSIGN_OR_RETURN(Bytes token, store::encode_token_bytes(verified->token()));
  RbsrEntriesEvent batch{0,
                         e.namespace_id,
                         {store::AuthorisedEntry{e, std::move(token)}},
                         store::Origin::remote(session_id_)};
  ++stats_.entries_received;
  return store_.ingest(batch);
}

// --- sending

void Session::plan_payload(const ReconciliationSendEntry& msg) {
  const model::Entry& e = msg.entry.entry.entry;
  if (store_.payloads == nullptr || e.payload_length == 0 ||
      msg.entry.available != e.payload_length) {
    return;
  }
  // SPEC-NOTES Sync 19: the receiver's max_payload_power, that of the capability the
  // announcement names as the receiver's.
  const PioCore::PeerCapability* peer = pio_->peer_capability(announcing_to_);
  if (peer == nullptr || !within_power(e.payload_length, peer->max_payload_power)) return;
  if (announcing_want_response_ && e.payload_length > max_blind_payload_) return;
  const std::uint64_t chunks = payload_chunk_count(e.payload_length);
  if (msg.offset >= chunks) return;
  // From the entry's offset: the first Chunk the peer lacks, when it said (rbsr.hpp).
  sending_payload_ = SendingPayload{e, msg.offset, chunks};
}

Status Session::plan_push(const LengthyEntry& theirs) {
  const model::Entry& e = theirs.entry.entry;
  if (store_.payloads == nullptr || theirs.available >= e.payload_length ||
      pushes_.size() >= kMaxPushes || lazy_overlaps_.contains({incoming_from_, incoming_to_})) {
    return Status::ok();
  }
  const PioCore::PeerCapability* peer = pio_->peer_capability(incoming_from_);
  if (peer == nullptr || !within_power(e.payload_length, peer->max_payload_power)) {
    return Status::ok();
  }
  // Only when we hold this very entry (not a newer one at its path) with its payload whole.
  OSIER_ASSIGN_OR_RETURN(const std::optional<store::LengthyAuthorisedEntry> mine,
                         store_.payloads->get(e.namespace_id, e.subspace_id, e.path));
  if (!mine || mine->authorised.entry != e || mine->available != e.payload_length) {
    return Status::ok();
  }
  pushes_.push_back(Push{theirs.entry, theirs.available / 1024});
  return Status::ok();
}

Status Session::start_push() {
  Push p = std::move(pushes_.front());
  pushes_.pop_front();
  const std::uint64_t chunks = payload_chunk_count(p.entry.entry.payload_length);
  OSIER_RETURN_IF_ERROR(queue(DataSendEntry{p.entry, p.offset}));
  pushing_payload_ = SendingPayload{p.entry.entry, p.offset, chunks};
  return Status::ok();
}

Status Session::queue_payload_message(std::optional<SendingPayload>& sending, bool data) {
  SendingPayload& p = *sending;
  const std::uint64_t amount = std::min(kChunksPerMessage, p.end_chunk - p.next_chunk);
  payload_buffer_.clear();
  Status read =
      send_payload_chunks(*store_.payloads, p.entry, p.next_chunk, amount, [this](ByteView piece) {
        payload_buffer_.insert(payload_buffer_.end(), piece.begin(), piece.end());
        return Status::ok();
      });
  if (!read) {
    // The payload went (overwritten, forgotten) since we decided: we stop sending it. In
    // reconciliation the Terminate that follows ends the transmission early; on the Data
    // channel the receiver keeps the verified prefix. Both are fine for the receiver.
    if (read.code() == ErrorCode::kNotFound) {
      sending.reset();
      return Status::ok();
    }
    return read;
  }
  if (data) {
    OSIER_RETURN_IF_ERROR(queue(DataSendPayload{amount, payload_buffer_}));
  } else {
    OSIER_RETURN_IF_ERROR(queue(ReconciliationSendPayload{amount, payload_buffer_}));
  }
  const std::uint64_t from = std::min(p.entry.payload_length, p.next_chunk * 1024);
  stats_.payload_bytes_sent +=
      std::min<std::uint64_t>(p.entry.payload_length - from, amount * 1024);
  p.next_chunk += amount;
  if (p.next_chunk == p.end_chunk) {
    ++stats_.payloads_sent;
    sending.reset();
  }
  return Status::ok();
}

}  // namespace osier::sync
