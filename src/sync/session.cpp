#include "sync/session.hpp"

#include <algorithm>
#include <string>
#include <utility>

#include "sync/message_codec.hpp"
#include "sync/payload_chunks.hpp"
#include "sync/payload_requests.hpp"
#include "sync/pio_codec_context.hpp"

namespace osier::sync {
namespace {

constexpr std::uint8_t bit(LogicalChannel c) {
  return static_cast<std::uint8_t>(1U << static_cast<unsigned>(c));
}

// Receiving: the channels that bind handles come first in every round (session.hpp, Ordering).
constexpr std::array<LogicalChannel, kLogicalChannelCount> kReadOrder = {
    LogicalChannel::kOverlap, LogicalChannel::kCapability, LogicalChannel::kPayloadRequest,
    LogicalChannel::kReconciliation, LogicalChannel::kData};

// Sending: the binding channels of the handle types a message of ours names (its bindings
// must have gone out before it). docs/spec-notes.md, "Session: message order across channels".
std::uint8_t channels_to_wait_for(const SyncMessage& m) {
  switch (message_kind(m)) {
    case SyncMessageKind::kPioAnnounceOverlap:     // names our OverlapHandle
    case SyncMessageKind::kPioBindReadCapability:  // names OverlapHandles
      return bit(LogicalChannel::kOverlap);
    case SyncMessageKind::kReconciliationSendFingerprint:  // RangeInfo: ReadCapabilityHandles
    case SyncMessageKind::kReconciliationAnnounceEntries:
    case SyncMessageKind::kDataSetEagerness:
    case SyncMessageKind::kPayloadRequestBindRequest:
      return bit(LogicalChannel::kCapability);
    case SyncMessageKind::kPayloadRequestSendResponse:
      return bit(LogicalChannel::kPayloadRequest);
    case SyncMessageKind::kResourceHandleFree: {
      const auto& f = std::get<ResourceHandleFree>(m);
      return f.mine ? bit(binding_channel(f.handle_type)) : 0;
    }
    default:
      return 0;
  }
}

Status unimplemented(SyncMessageKind kind) {
  return error(ErrorCode::kInvalidArgument,
               std::string("sync: the peer sent ") + message_kind_name(kind) +
                   ", which this version does not support yet (payloads, payload requests and "
                   "forwarding are issue #14's next steps)");
}

}  // namespace

// PIO's handle tables, for the payload request core.
class Session::Lookup : public ReadCapabilityLookup {
 public:
  explicit Lookup(const PioCore& pio) : pio_(pio) {}
  const meadowcap::McCapability* own(std::uint64_t handle) const override {
    return pio_.own_capability(handle);
  }
  const meadowcap::McCapability* peer(std::uint64_t handle) const override {
    const PioCore::PeerCapability* p = pio_.peer_capability(handle);
    return p == nullptr ? nullptr : &p->capability;
  }

 private:
  const PioCore& pio_;
};

// The codec's questions: PIO's answers, and the payload request cursors (payload_requests.hpp:
// our responses name the peer's handles, the peer's responses ours).
class Session::Context : public PioCodecContext {
 public:
  Context(const PioCore& pio, std::optional<PayloadRequestCore>& requests, bool sending)
      : PioCodecContext(pio, sending), requests_(requests), sending_(sending) {}
  PayloadCursor* payload_request(std::uint64_t handle) override {
    if (!requests_) return nullptr;
    return sending_ ? requests_->cursor_for_sending(handle)
                    : requests_->cursor_for_receiving(handle);
  }

 private:
  std::optional<PayloadRequestCore>& requests_;
  bool sending_;
};

Session::Session(const SessionConfig& config, SyncRole role)
    : role_(role),
      session_id_(config.session_id),
      max_queued_output_(config.max_queued_output),
      max_message_bytes_(config.max_message_bytes),
      max_rbsr_backlog_(config.max_rbsr_backlog),
      send_state_(role),
      receive_state_(role == SyncRole::kAlfie ? SyncRole::kBetty : SyncRole::kAlfie),
      own_capabilities_(config.read_capabilities),
      max_blind_payload_(config.max_blind_payload),
      eager_pushes_(config.eager_pushes),
      lazy_namespaces_(config.lazy_namespaces) {}

// A session that ends (the connection closed, the peer failed) stores the payload bytes it
// verified and had not appended yet (PayloadTransfer batches appends).
Session::~Session() { keep_verified(); }

void Session::keep_verified() {
  // Verified entries first (their payload bytes follow them into the store).
  if (rbsr_) {
    rbsr_->flush_entries();
    (void)take_rbsr_events();
  }
  end_receiving(receiving_payload_);
  end_receiving(receiving_data_);
}

Result<std::unique_ptr<Session>> Session::create(const SessionConfig& config,
                                                 const HandshakeResult& handshake,
                                                 const crypto::Ed25519PublicKey& own_key,
                                                 SessionStore store) {
  if (!store.snapshots || !store.ingest) {
    return error(ErrorCode::kInvalidArgument, "sync: a session needs snapshots and an ingest");
  }
  // spec: confidential_sync#sync_protocol — the initiator of the connection is Alfie.
  const SyncRole role =
      handshake.role == HandshakeRole::kInitiator ? SyncRole::kAlfie : SyncRole::kBetty;
  std::unique_ptr<Session> s(new Session(config, role));
  PioConfig pio = config.pio;
  pio.role = role;
  pio.handshake_hash = handshake.h;
  pio.own_key = own_key;
  pio.peer_key = handshake.peer_static_pk;
  OSIER_ASSIGN_OR_RETURN(PioCore core, PioCore::create(pio, config.read_capabilities,
                                                       config.enumeration_capabilities));
  s->pio_.emplace(std::move(core));
  RbsrConfig rbsr = config.rbsr;
  rbsr.role = role;
  rbsr.session_id = config.session_id;
  OSIER_ASSIGN_OR_RETURN(RbsrCore rcore, RbsrCore::create(rbsr, store.snapshots));
  s->store_ = std::move(store);
  s->rbsr_.emplace(std::move(rcore));
  s->lookup_ = std::make_unique<Lookup>(*s->pio_);
  if (s->store_.payloads != nullptr) {
    PayloadRequestConfig rc = config.requests;
    rc.origin = store::Origin::remote(config.session_id);
    OSIER_ASSIGN_OR_RETURN(PayloadRequestCore core,
                           PayloadRequestCore::create(rc, *s->store_.payloads, *s->lookup_));
    s->requests_.emplace(std::move(core));
  }
  s->send_context_ = std::make_unique<Context>(*s->pio_, s->requests_, true);
  s->receive_context_ = std::make_unique<Context>(*s->pio_, s->requests_, false);
  return s;
}

Status Session::fail(Status status) {
  if (error_.is_ok()) error_ = std::move(status);
  return error_;
}

Status Session::on_global(LcmuxSession& mux, ByteView message) {
  if (!error_.is_ok()) return error_;
  // Channel bytes that arrived before the global message may bind what it names.
  if (Status st = read_channels(mux); !st) return end_keeping_verified(std::move(st));
  Result<SyncMessage> m = decode_global_message(message, *receive_context_);
  if (!m) return end_keeping_verified(m.status());
  if (Status st = dispatch(mux, std::move(*m)); !st) return end_keeping_verified(std::move(st));
  // As in on_progress: what was read is one batch, stored by the next produce (idle() says no
  // until then).
  rbsr_->flush_entries();
  return Status::ok();
}

Status Session::on_progress(LcmuxSession& mux) {
  if (!error_.is_ok()) return error_;
  if (Status st = read_channels(mux); !st) return end_keeping_verified(std::move(st));
  // What the peer's messages brought is stored before we answer anything more (produce takes
  // the batch): one batch per read, not one per announcement.
  rbsr_->flush_entries();
  if (Status st = produce(mux); !st) return end_keeping_verified(std::move(st));
  return Status::ok();
}

// A session that ends (the peer broke the protocol, the store failed) keeps what verified
// before: RBSR's verified entries not yet stored (its batch, and batches not yet handed over)
// and the payload bytes verified but not yet appended. The cause is the session's error; a
// store error while keeping them only adds nothing more.
Status Session::end_keeping_verified(Status cause) {
  keep_verified();
  return fail(std::move(cause));
}

std::optional<SessionEvent> Session::poll_event() {
  if (events_.empty()) return std::nullopt;
  SessionEvent e = std::move(events_.front());
  events_.pop_front();
  return e;
}

bool Session::idle(const LcmuxSession& mux) const {
  if (!error_.is_ok() || !fifo_.empty() || !events_.empty() || sending_payload_ ||
      pushing_payload_ || !pushes_.empty() || !forwards_.empty()) {
    return false;
  }
  if (mux.queued_bytes() != 0 || rbsr_->queued_messages() != 0 || rbsr_->has_pending()) {
    return false;
  }
  // Every payload request answered and its handles freed on both sides.
  if (requests_ && (requests_->own_book().live() != 0 || requests_->peer_book().live() != 0)) {
    return false;
  }
  for (std::size_t c = 0; c < kLogicalChannelCount; ++c) {
    if (!input_[c].empty() || mux.readable(c) != 0 || mux.unsent_bytes(c) != 0) return false;
  }
  return rbsr_->completed_root_count() == rbsr_->root_count();
}

bool Session::awaiting_peer() const {
  if (pio_->overlaps_awaiting_peer() != 0) return true;
  return role_ == SyncRole::kBetty && rbsr_->overlap_count() > rbsr_->root_count();
}

// --- receiving

Status Session::read_channels(LcmuxSession& mux) {
  for (const LogicalChannel c : kReadOrder) OSIER_RETURN_IF_ERROR(read_channel(mux, c));
  return Status::ok();
}

Status Session::read_channel(LcmuxSession& mux, LogicalChannel channel) {
  const auto c = static_cast<std::size_t>(channel);
  Bytes& in = input_[c];
  const std::size_t readable = mux.readable(c);
  if (readable == 0) return Status::ok();
  const Bytes got = mux.read(c, readable);
  in.insert(in.end(), got.begin(), got.end());
  std::size_t pos = 0;
  Status st = Status::ok();
  while (pos < in.size()) {
    Decoder dec(ByteView(in).subspan(pos));
    Result<SyncMessage> m = decode_channel_message(channel, dec, receive_state_, *receive_context_);
    if (!m) {
      if (m.status().code() != ErrorCode::kIncomplete) {
        st = m.status();
        break;
      }
      // Decoded in vain: the next piece decodes it again from its start. A peer sending a long
      // message in tiny pieces would make that quadratic in its length.
      const std::uint64_t pending = in.size() - pos;
      reread_[c] += pending;
      if (reread_[c] > kRereadAllowance + kRereadFactor * pending) {
        st = error(ErrorCode::kOutOfRange, "sync: a message on channel " + std::to_string(c) +
                                               " arrives in too many " + "small pieces (" +
                                               std::to_string(pending) + " bytes so far, decoded " +
                                               std::to_string(reread_[c]) + " bytes in vain)");
      }
      break;
    }
    pos += dec.position();
    reread_[c] = 0;
    ++stats_.messages_received;
    st = dispatch(mux, std::move(*m));
    if (!st) break;
  }
  in.erase(in.begin(), in.begin() + static_cast<std::ptrdiff_t>(pos));
  OSIER_RETURN_IF_ERROR(st);
  if (in.size() > max_message_bytes_) {
    return error(ErrorCode::kOutOfRange,
                 "sync: a message on channel " + std::to_string(c) + " is longer than " +
                     std::to_string(max_message_bytes_) + " bytes and still incomplete");
  }
  return Status::ok();
}

Result<Disposition> Session::check_capability_pair(const LcmuxSession& mux,
                                                   std::uint64_t peer_handle,
                                                   std::uint64_t own_handle) {
  const bool dropping =
      mux.server(static_cast<std::uint64_t>(LogicalChannel::kCapability)).dropping();
  auto& peers = pio_->peer_capabilities();
  auto& owns = pio_->own_capabilities();
  OSIER_ASSIGN_OR_RETURN(const Disposition p, peers.check_peer_reference(peer_handle, dropping));
  OSIER_ASSIGN_OR_RETURN(const Disposition o, owns.check_peer_reference(own_handle, false));
  peers.count_peer_reference(peer_handle);
  owns.count_peer_reference(own_handle);
  return p == Disposition::kDiscard || o == Disposition::kDiscard ? Disposition::kDiscard
                                                                  : Disposition::kAccept;
}

Status Session::dispatch(LcmuxSession& mux, SyncMessage message) {
  const SyncMessageKind kind = message_kind(message);
  if (sent_since_received_) {
    ++stats_.round_trips;
    sent_since_received_ = false;
  }
  switch (kind) {
    case SyncMessageKind::kPioBindHash:
      OSIER_RETURN_IF_ERROR(pio_->on_bind_hash(std::get<PioBindHash>(message)));
      return take_pio_events();
    case SyncMessageKind::kPioBindReadCapability:
      OSIER_RETURN_IF_ERROR(
          pio_->on_bind_read_capability(std::get<PioBindReadCapability>(message)));
      return take_pio_events();
    case SyncMessageKind::kPioAnnounceOverlap: {
      const auto& a = std::get<PioAnnounceOverlap>(message);
      // SPEC-NOTES Sync 9: a binding still being dropped at us cannot be named yet.
      const bool dropping =
          mux.server(static_cast<std::uint64_t>(LogicalChannel::kOverlap)).dropping();
      if (dropping && a.sender_handle >= pio_->peer_hashes().book().next_id()) {
        ++stats_.messages_discarded;
        return Status::ok();
      }
      OSIER_RETURN_IF_ERROR(pio_->on_announce_overlap(a));
      return take_pio_events();
    }
    case SyncMessageKind::kReconciliationSendFingerprint: {
      const auto& f = std::get<ReconciliationSendFingerprint>(message);
      OSIER_ASSIGN_OR_RETURN(const Disposition d, check_capability_pair(mux, f.info.sender_handle,
                                                                        f.info.receiver_handle));
      if (d == Disposition::kDiscard) {
        ++stats_.messages_discarded;
        return Status::ok();
      }
      return rbsr_->on_send_fingerprint(f);
    }
    case SyncMessageKind::kReconciliationAnnounceEntries: {
      const auto& a = std::get<ReconciliationAnnounceEntries>(message);
      OSIER_ASSIGN_OR_RETURN(const Disposition d, check_capability_pair(mux, a.info.sender_handle,
                                                                        a.info.receiver_handle));
      // The entries that follow a discarded announcement go with it.
      discarding_announcement_ = d == Disposition::kDiscard;
      if (discarding_announcement_) {
        ++stats_.messages_discarded;
        return Status::ok();
      }
      incoming_from_ = a.info.sender_handle;
      incoming_to_ = a.info.receiver_handle;
      incoming_want_response_ = a.want_response;
      return rbsr_->on_announce_entries(a);
    }
    case SyncMessageKind::kReconciliationSendEntry:
    case SyncMessageKind::kReconciliationSendPayload:
    case SyncMessageKind::kReconciliationTerminatePayload:
      if (discarding_announcement_) {
        ++stats_.messages_discarded;
        return Status::ok();
      }
      if (kind == SyncMessageKind::kReconciliationSendEntry) {
        const auto& e = std::get<ReconciliationSendEntry>(message);
        OSIER_RETURN_IF_ERROR(rbsr_->on_send_entry(e));
        return on_reconciliation_entry(e);
      }
      if (kind == SyncMessageKind::kReconciliationSendPayload) {
        const auto& p = std::get<ReconciliationSendPayload>(message);
        OSIER_RETURN_IF_ERROR(rbsr_->on_send_payload(p));
        return receive_payload(receiving_payload_, p.bytes);  // RBSR checked its place
      }
      OSIER_RETURN_IF_ERROR(
          rbsr_->on_terminate_payload(std::get<ReconciliationTerminatePayload>(message)));
      end_receiving(receiving_payload_);
      return Status::ok();
    case SyncMessageKind::kDataSendEntry:
      return on_data_entry(std::get<DataSendEntry>(message));
    case SyncMessageKind::kDataSendPayload:
      // The codec checked its length against data_current_entry's Chunks.
      return receive_payload(receiving_data_, std::get<DataSendPayload>(message).bytes);
    case SyncMessageKind::kDataSetEagerness: {
      const auto& e = std::get<DataSetEagerness>(message);
      OSIER_ASSIGN_OR_RETURN(const Disposition d,
                             check_capability_pair(mux, e.sender_handle, e.receiver_handle));
      // spec: confidential_sync#sync_msg_DataSetEagerness — a polite request about our pushes
      // (Data channel) of entries in this overlap; reconciliation's payloads follow
      // max_payload_power alone. Honoured in plan_push.
      if (d == Disposition::kDiscard) return Status::ok();
      const std::pair<std::uint64_t, std::uint64_t> pair{e.sender_handle, e.receiver_handle};
      if (e.set_eager) {
        lazy_overlaps_.erase(pair);
      } else if (lazy_overlaps_.size() < kMaxLazyOverlaps) {
        lazy_overlaps_.insert(pair);
      }
      return Status::ok();
    }
    case SyncMessageKind::kResourceHandleFree:
      return on_resource_handle_free(mux, std::get<ResourceHandleFree>(message));
    case SyncMessageKind::kPayloadRequestBindRequest: {
      if (!requests_) break;
      const auto& b = std::get<PayloadRequestBindRequest>(message);
      OSIER_ASSIGN_OR_RETURN(const Disposition d,
                             check_capability_pair(mux, b.sender_handle, b.receiver_handle));
      if (d == Disposition::kDiscard) {
        ++stats_.messages_discarded;
        return requests_->on_bind_request_discarded();
      }
      return requests_->on_bind_request(b);
    }
    case SyncMessageKind::kPayloadRequestSendResponse:
      if (!requests_) break;
      OSIER_RETURN_IF_ERROR(
          requests_->on_send_response(std::get<PayloadRequestSendResponse>(message)));
      return take_request_events();
  }
  return unimplemented(kind);
}

Status Session::on_resource_handle_free(LcmuxSession& mux, const ResourceHandleFree& msg) {
  // spec: confidential_sync#ResourceHandleFree — `mine`: the sender (the peer) bound it.
  const bool dropping =
      msg.mine &&
      mux.server(static_cast<std::uint64_t>(binding_channel(msg.handle_type))).dropping();
  Result<Disposition> d = Disposition::kAccept;
  switch (msg.handle_type) {
    case HandleType::kOverlap:
      d = msg.mine ? pio_->peer_hashes().on_peer_free(msg.handle_id, msg.reference_count, dropping)
                   : pio_->own_hashes().on_peer_free(msg.handle_id, msg.reference_count, false);
      break;
    case HandleType::kReadCapability:
      d = msg.mine
              ? pio_->peer_capabilities().on_peer_free(msg.handle_id, msg.reference_count, dropping)
              : pio_->own_capabilities().on_peer_free(msg.handle_id, msg.reference_count, false);
      break;
    case HandleType::kPayloadRequest:
      if (!requests_) return unimplemented(SyncMessageKind::kResourceHandleFree);
      OSIER_RETURN_IF_ERROR(requests_->on_resource_handle_free(
          msg, mux.server(static_cast<std::uint64_t>(LogicalChannel::kPayloadRequest)).dropping()));
      return take_request_events();
  }
  if (!d) return d.status();
  if (*d == Disposition::kDiscard) ++stats_.messages_discarded;
  return Status::ok();
}

// --- sending

std::size_t Session::queued_bytes(const LcmuxSession& mux) const {
  return fifo_bytes_ + static_cast<std::size_t>(mux.queued_bytes());
}

Status Session::queue(const SyncMessage& message) {
  Encoder enc;
  OSIER_RETURN_IF_ERROR(encode_sync_message(enc, message, send_state_, *send_context_));
  Outgoing out;
  out.channel = message_channel(message_kind(message));
  out.wait_for = channels_to_wait_for(message);
  out.bytes = enc.take();
  fifo_bytes_ += out.bytes.size();
  fifo_.push_back(std::move(out));
  ++stats_.messages_sent;
  if (message_kind(message) == SyncMessageKind::kReconciliationSendEntry) ++stats_.entries_sent;
  sent_since_received_ = true;
  return Status::ok();
}

void Session::flush(LcmuxSession& mux) {
  while (!fifo_.empty()) {
    Outgoing& out = fifo_.front();
    for (std::size_t c = 0; c < kLogicalChannelCount; ++c) {
      if ((out.wait_for & (1U << c)) != 0 && mux.unsent_bytes(c) != 0) return;
    }
    const Status st = out.channel
                          ? mux.send_channel(static_cast<std::uint64_t>(*out.channel), out.bytes)
                          : mux.send_global(out.bytes);
    if (!st) {
      (void)fail(st);
      return;
    }
    fifo_bytes_ -= out.bytes.size();
    fifo_.pop_front();
  }
}

Status Session::produce(LcmuxSession& mux) {
  flush(mux);
  OSIER_RETURN_IF_ERROR(error_);
  // PIO's queue is bounded by PIO (two messages per overlap plus our bindings): always drained.
  while (std::optional<PioMessage> m = pio_->poll_message()) {
    OSIER_RETURN_IF_ERROR(
        queue(std::visit([](const auto& x) { return SyncMessage(x); }, std::move(*m))));
  }
  OSIER_RETURN_IF_ERROR(take_pio_events());
  flush(mux);
  OSIER_RETURN_IF_ERROR(error_);
  // Payload requests: binds and frees, and responses while there is room (one per poll).
  while (requests_ && queued_bytes(mux) < max_queued_output_) {
    OSIER_ASSIGN_OR_RETURN(std::optional<PayloadRequestMessage> m, requests_->poll_message());
    if (!m) break;
    if (const auto* b = std::get_if<PayloadRequestBindRequest>(&*m)) {
      // It names our capability and the peer's (SPEC-NOTES Sync 9).
      OSIER_RETURN_IF_ERROR(pio_->own_capabilities().reference(b->sender_handle));
      OSIER_RETURN_IF_ERROR(pio_->peer_capabilities().reference(b->receiver_handle));
    }
    OSIER_RETURN_IF_ERROR(
        queue(std::visit([](auto&& x) { return SyncMessage(x); }, std::move(*m))));
    flush(mux);
    OSIER_RETURN_IF_ERROR(error_);
  }
  OSIER_RETURN_IF_ERROR(take_request_events());
  for (;;) {
    OSIER_RETURN_IF_ERROR(take_rbsr_events());
    if (queued_bytes(mux) >= max_queued_output_) break;
    if (sending_payload_) {
      // The payload of the entry just sent goes before RBSR's next message (its Terminate).
      OSIER_RETURN_IF_ERROR(queue_payload_message(sending_payload_, false));
      flush(mux);
      OSIER_RETURN_IF_ERROR(error_);
      continue;
    }
    // Data channel pushes take turns with reconciliation (they are independent of its phase).
    prefer_push_ = !prefer_push_;
    if (pushing_payload_ && prefer_push_) {
      OSIER_RETURN_IF_ERROR(queue_payload_message(pushing_payload_, true));
      flush(mux);
      OSIER_RETURN_IF_ERROR(error_);
      continue;
    }
    OSIER_ASSIGN_OR_RETURN(std::optional<RbsrMessage> m, rbsr_->poll_message());
    if (!m) {
      if (pushing_payload_) {
        OSIER_RETURN_IF_ERROR(queue_payload_message(pushing_payload_, true));
      } else if (!pushes_.empty()) {
        OSIER_RETURN_IF_ERROR(start_push());
      } else if (!forwards_.empty()) {
        OSIER_RETURN_IF_ERROR(start_forward());
      } else {
        break;
      }
      flush(mux);
      OSIER_RETURN_IF_ERROR(error_);
      continue;
    }
    const SyncMessage message = std::visit([](auto&& x) { return SyncMessage(x); }, std::move(*m));
    if (const auto* a = std::get_if<ReconciliationAnnounceEntries>(&message)) {
      announcing_to_ = a->info.receiver_handle;
      announcing_want_response_ = a->want_response;
    }
    if (const auto* e = std::get_if<ReconciliationSendEntry>(&message)) plan_payload(*e);
    // RangeInfo names (our capability, the peer's): count both (SPEC-NOTES Sync 9).
    const RangeInfo* info = nullptr;
    if (const auto* f = std::get_if<ReconciliationSendFingerprint>(&message)) info = &f->info;
    if (const auto* a = std::get_if<ReconciliationAnnounceEntries>(&message)) info = &a->info;
    if (info != nullptr) {
      OSIER_RETURN_IF_ERROR(pio_->own_capabilities().reference(info->sender_handle));
      OSIER_RETURN_IF_ERROR(pio_->peer_capabilities().reference(info->receiver_handle));
    }
    OSIER_RETURN_IF_ERROR(queue(message));
    flush(mux);
    OSIER_RETURN_IF_ERROR(error_);
  }
  if (rbsr_->queued_messages() > max_rbsr_backlog_) {
    return error(ErrorCode::kOutOfRange,
                 "sync: the peer keeps sending while " + std::to_string(rbsr_->queued_messages()) +
                     " of our reconciliation answers wait for it to read them");
  }
  return Status::ok();
}

Status Session::take_request_events() {
  if (!requests_) return Status::ok();
  while (std::optional<PayloadRequestEvent> e = requests_->poll_event()) {
    const bool complete = e->outcome == PayloadRequestOutcome::kCompleted;
    if (complete) ++stats_.payloads_received;
    events_.emplace_back(PayloadReceivedEvent{std::move(e->entry), e->verified_end, complete});
  }
  return Status::ok();
}

Result<std::optional<std::uint64_t>> Session::request_payload(const model::Entry& entry) {
  if (!error_.is_ok()) return error_;
  if (!requests_)
    return error(ErrorCode::kInvalidArgument, "sync: the session has no payload store");
  const auto [from, to] = overlaps_by_namespace_.equal_range(entry.namespace_id);
  for (auto it = from; it != to; ++it) {
    const PioOverlapEvent& o = overlaps_[it->second];
    if (!o.area.includes(entry)) continue;
    if (pio_->own_capability(o.own_capability) == nullptr ||
        pio_->peer_capability(o.peer_capability) == nullptr) {
      continue;
    }
    return requests_->request(entry, o.own_capability, o.peer_capability);
  }
  return error(ErrorCode::kNotFound, "sync: no overlap with the peer includes the entry");
}

// Reconciliation learns of an overlap the moment PIO finds it: the peer may name it in the very
// next message (its root fingerprint, in the same round). Alfie's root fingerprint names our
// capability; it waits in the FIFO behind our capability's binding (channels_to_wait_for).
Status Session::take_pio_events() {
  while (std::optional<PioOverlapEvent> e = pio_->poll_event()) {
    ++stats_.overlaps;
    OSIER_RETURN_IF_ERROR(rbsr_->on_overlap(*e));
    if (!eager_pushes_ || lazy_namespaces_.contains(e->namespace_id)) {
      // spec: confidential_sync#sync_msg_DataSetEagerness — the sender's handle first.
      OSIER_RETURN_IF_ERROR(
          queue(DataSetEagerness{e->own_capability, e->peer_capability, /*set_eager=*/false}));
    }
    overlaps_by_namespace_.emplace(e->namespace_id, overlaps_.size());
    overlaps_.push_back(*e);
    events_.emplace_back(std::move(*e));
  }
  return Status::ok();
}

Status Session::take_rbsr_events() {
  while (std::optional<RbsrEvent> e = rbsr_->poll_event()) {
    if (auto* batch = std::get_if<RbsrEntriesEvent>(&*e)) {
      stats_.entries_received += batch->entries.size() + batch->held;
      if (!batch->entries.empty()) OSIER_RETURN_IF_ERROR(store_.ingest(*batch));
    } else if (auto* done = std::get_if<RbsrRootCompleteEvent>(&*e)) {
      events_.emplace_back(std::move(*done));
    } else {
      events_.emplace_back(std::get<RbsrRootMatchedEvent>(std::move(*e)));
    }
  }
  return Status::ok();
}

}  // namespace osier::sync
