#include "sync/payload_requests.hpp"

#include <algorithm>
#include <string>
#include <utility>

#include "sync/payload_chunks.hpp"

namespace osier::sync {

namespace {

Status request_violation(const std::string& what) {
  return error(ErrorCode::kInvalidArgument, "payload request: " + what);
}

// spec: confidential_sync#PayloadRequestBindRequest — "the granted_area ... must contain the
// subspace_id and path" (the namespace is the capability's granted namespace).
bool area_contains(const model::Area& area, const model::SubspaceId& subspace,
                   const model::Path& path) {
  return (!area.subspace || *area.subspace == subspace) && area.path.is_prefix_of(path);
}

ResourceHandleFree free_message(bool mine, std::uint64_t id, std::uint64_t count) {
  return ResourceHandleFree{HandleType::kPayloadRequest, mine, id, count};
}

}  // namespace

Result<PayloadRequestCore> PayloadRequestCore::create(const PayloadRequestConfig& config,
                                                      store::Store& store,
                                                      const ReadCapabilityLookup& capabilities) {
  if (config.max_requests == 0 || config.peer_max_requests == 0 || config.chunks_per_message == 0) {
    return error(ErrorCode::kInvalidArgument, "payload request: a limit of 0");
  }
  return PayloadRequestCore(config, store, capabilities);
}

PayloadRequestCore::PayloadRequestCore(const PayloadRequestConfig& config, store::Store& store,
                                       const ReadCapabilityLookup& capabilities)
    : config_(config),
      store_(&store),
      capabilities_(&capabilities),
      own_book_(HandleType::kPayloadRequest, Binder::kUs, config.max_requests),
      peer_book_(HandleType::kPayloadRequest, Binder::kPeer, config.peer_max_requests) {}

Status PayloadRequestCore::fail(Status status) {
  if (error_.is_ok()) error_ = std::move(status);
  return error_;
}

void PayloadRequestCore::sweep() {
  std::erase_if(requests_, [&](const auto& kv) {
    return !own_book_.contains(kv.first) && !(streaming_ && streaming_->first == kv.first);
  });
  std::erase_if(serving_, [&](const auto& kv) { return !peer_book_.contains(kv.first); });
}

// --- Requester

Result<std::optional<std::uint64_t>> PayloadRequestCore::request(const model::Entry& entry,
                                                                 std::uint64_t own_capability,
                                                                 std::uint64_t peer_capability) {
  if (failed()) return error_;
  sweep();
  if (own_book_.free_slots() == 0) {
    return error(ErrorCode::kOutOfRange, "payload request: max_requests requests are live");
  }
  const meadowcap::McCapability* own = capabilities_->own(own_capability);
  const meadowcap::McCapability* peer = capabilities_->peer(peer_capability);
  if (own == nullptr || peer == nullptr) {
    return request_violation("request under a ReadCapabilityHandle that is not bound");
  }
  if (model::NamespaceId(own->granted_namespace()) != entry.namespace_id ||
      model::NamespaceId(peer->granted_namespace()) != entry.namespace_id) {
    return request_violation("request for an entry of another namespace than the capabilities'");
  }
  if (!own->granted_area().includes(entry) || !peer->granted_area().includes(entry)) {
    return request_violation("request for an entry outside a capability's granted area");
  }
  OSIER_ASSIGN_OR_RETURN(const std::optional<store::PayloadState> state,
                         store_->payload_state(entry.namespace_id, entry.subspace_id, entry.path));
  if (!state) return error(ErrorCode::kNotFound, "payload request: the entry is not stored");
  if (state->complete()) return std::optional<std::uint64_t>();
  OSIER_ASSIGN_OR_RETURN(PayloadTransfer transfer,
                         PayloadTransfer::start(*store_, entry, 0, config_.origin));
  OSIER_ASSIGN_OR_RETURN(const std::uint64_t id, own_book_.bind_mine(/*hopeful=*/false));
  Request r;
  r.entry = entry;
  r.cursor = PayloadCursor{entry.payload_length, 0};
  r.transfer.emplace(std::move(transfer));
  requests_.emplace(id, std::move(r));
  messages_.emplace_back(PayloadRequestBindRequest{entry.namespace_id, entry.subspace_id,
                                                   entry.path, entry.payload_digest, own_capability,
                                                   peer_capability});
  return std::optional<std::uint64_t>(id);
}

Status PayloadRequestCore::cancel(std::uint64_t handle) {
  if (failed()) return error_;
  auto it = requests_.find(handle);
  if (it == requests_.end() || it->second.ended) {
    return request_violation("cancelling a request that is not running");
  }
  end(handle, it->second, PayloadRequestOutcome::kUnavailable);
  return free_own_if_bound(handle);
}

Status PayloadRequestCore::free_own_if_bound(std::uint64_t handle) {
  const std::optional<HandleState> s = own_book_.state(handle);
  if (s != HandleState::kFullyBound && s != HandleState::kYouFreed) return Status::ok();
  OSIER_ASSIGN_OR_RETURN(const std::uint64_t count, own_book_.free(handle));
  messages_.emplace_back(free_message(/*mine=*/true, handle, count));
  return Status::ok();
}

void PayloadRequestCore::end(std::uint64_t handle, Request& r, PayloadRequestOutcome outcome) {
  PayloadRequestEvent ev;
  ev.handle = handle;
  ev.entry = r.entry;
  ev.outcome = outcome;
  ev.verified_end = r.transfer ? r.transfer->verified_end() : r.verified_end;
  r.verified_end = ev.verified_end;
  r.transfer.reset();
  r.ended = true;
  events_.push_back(std::move(ev));
}

Status PayloadRequestCore::check_response(std::uint64_t handle) {
  if (requests_.count(handle) == 0) {
    return fail(request_violation("a response for a PayloadRequestHandle we did not bind"));
  }
  // Our own handles: their binding channel is never dropping at us.
  const Result<Disposition> d = own_book_.check_peer_reference(handle, false);
  if (!d.is_ok()) return fail(d.status());
  own_book_.count_peer_reference(handle);
  ++requests_.at(handle).received;
  return Status::ok();
}

Status PayloadRequestCore::feed(std::uint64_t handle, ByteView bytes) {
  Request& r = requests_.at(handle);
  if (!r.transfer) return Status::ok();  // cancelled: counted, ignored
  if (bytes.size() > r.transfer->stream_length() - r.transfer->received()) {
    return fail(request_violation("response bytes past the payload's last Chunk"));
  }
  const Result<store::PayloadState> fed = r.transfer->feed(bytes);
  if (!fed.is_ok()) return fail(fed.status());
  return Status::ok();
}

Status PayloadRequestCore::settle(std::uint64_t handle) {
  auto it = requests_.find(handle);
  if (it == requests_.end()) return Status::ok();
  Request& r = it->second;
  if (r.ended) return Status::ok();
  if (r.transfer && r.transfer->complete()) {
    end(handle, r, PayloadRequestOutcome::kCompleted);
  } else if (r.peer_final && r.received >= *r.peer_final &&
             !(streaming_ && streaming_->first == handle)) {
    // The peer gave up, and every response it sent before has arrived (a streamed one whole).
    end(handle, r, PayloadRequestOutcome::kUnavailable);
  } else {
    return Status::ok();
  }
  const Status st = free_own_if_bound(handle);
  return st.is_ok() ? st : fail(st);
}

Status PayloadRequestCore::on_send_response(const PayloadRequestSendResponse& msg) {
  if (failed()) return error_;
  if (streaming_) return request_violation("a whole response while a streamed one is being fed");
  sweep();
  OSIER_RETURN_IF_ERROR(check_response(msg.handle));
  OSIER_RETURN_IF_ERROR(feed(msg.handle, msg.bytes));
  return settle(msg.handle);
}

Status PayloadRequestCore::on_response_head(const PayloadHead& head) {
  if (failed()) return error_;
  if (head.kind != SyncMessageKind::kPayloadRequestSendResponse) {
    return request_violation("a payload head that is not a PayloadRequestSendResponse");
  }
  if (streaming_) return request_violation("a response head before the previous one's bytes");
  sweep();
  OSIER_RETURN_IF_ERROR(check_response(head.handle));
  const Request& r = requests_.at(head.handle);
  if (r.transfer && head.length > r.transfer->stream_length() - r.transfer->received()) {
    return fail(request_violation("response bytes past the payload's last Chunk"));
  }
  if (head.length == 0) return settle(head.handle);
  streaming_.emplace(head.handle, head.length);
  return Status::ok();
}

Status PayloadRequestCore::feed_response_bytes(std::uint64_t handle, ByteView piece) {
  if (failed()) return error_;
  if (!streaming_ || streaming_->first != handle || piece.size() > streaming_->second) {
    return request_violation("response bytes that no fed head announced");
  }
  OSIER_RETURN_IF_ERROR(feed(handle, piece));
  streaming_->second -= piece.size();
  if (streaming_->second != 0) return Status::ok();
  streaming_.reset();
  return settle(handle);
}

// --- Responder

Result<PayloadRequestCore::Verdict> PayloadRequestCore::judge(const PayloadRequestBindRequest& msg,
                                                              std::optional<model::Entry>& entry) {
  // sender_handle: the requester's (the peer's) capability; receiver_handle: ours.
  const meadowcap::McCapability* peer = capabilities_->peer(msg.sender_handle);
  const meadowcap::McCapability* own = capabilities_->own(msg.receiver_handle);
  if (peer == nullptr || own == nullptr) {
    return request_violation("PayloadRequestBindRequest naming an unbound ReadCapabilityHandle");
  }
  // SPEC-NOTES Sync 13.
  if (model::NamespaceId(peer->granted_namespace()) != msg.namespace_id ||
      model::NamespaceId(own->granted_namespace()) != msg.namespace_id) {
    return request_violation(
        "PayloadRequestBindRequest whose capabilities are not of its namespace");
  }
  const model::Area peer_area = peer->granted_area();
  const model::Area own_area = own->granted_area();
  if (!area_contains(peer_area, msg.subspace_id, msg.path) ||
      !area_contains(own_area, msg.subspace_id, msg.path)) {
    if (kRequestOutsideAreaIsError) {
      return request_violation("PayloadRequestBindRequest outside a capability's granted area");
    }
    return Verdict::kGiveUp;
  }
  OSIER_ASSIGN_OR_RETURN(const std::optional<store::LengthyAuthorisedEntry> stored,
                         store_->get(msg.namespace_id, msg.subspace_id, msg.path));
  if (!stored) return Verdict::kGiveUp;
  const model::Entry& e = stored->authorised.entry;
  if (e.payload_digest != msg.payload_digest) return Verdict::kGiveUp;
  // SPEC-NOTES Sync 21: both areas include the entry, its timestamp too.
  if (!peer_area.includes(e) || !own_area.includes(e)) return Verdict::kGiveUp;
  // This version serves complete payloads only.
  if (stored->available != e.payload_length) return Verdict::kGiveUp;
  entry = e;
  return Verdict::kServe;
}

Status PayloadRequestCore::give_up(std::uint64_t peer_handle) {
  auto it = serving_.find(peer_handle);
  if (it != serving_.end()) it->second.active = false;
  OSIER_ASSIGN_OR_RETURN(const std::uint64_t count, peer_book_.free(peer_handle));
  messages_.emplace_back(free_message(/*mine=*/false, peer_handle, count));
  return Status::ok();
}

Result<std::uint64_t> PayloadRequestCore::bind_peer(bool discarded) {
  if (failed()) return error_;
  sweep();
  if (peer_book_.free_slots() == 0) {
    return fail(
        request_violation("the peer bound more PayloadRequestHandles than peer_max_requests"));
  }
  Result<std::uint64_t> id =
      discarded ? peer_book_.on_peer_bind_discarded() : peer_book_.on_peer_bind();
  if (!id.is_ok()) return fail(id.status());
  return id;
}

Status PayloadRequestCore::on_bind_request(const PayloadRequestBindRequest& msg) {
  const Result<std::uint64_t> id = bind_peer(/*discarded=*/false);
  if (!id.is_ok()) return id.status();
  std::optional<model::Entry> entry;
  const Result<Verdict> verdict = judge(msg, entry);
  if (!verdict.is_ok()) return fail(verdict.status());
  if (*verdict == Verdict::kGiveUp) {
    const Status st = give_up(*id);
    return st.is_ok() ? st : fail(st);
  }
  Serving s;
  s.cursor = PayloadCursor{entry->payload_length, 0};
  s.chunk_count = payload_chunk_count(entry->payload_length);
  s.entry = std::move(*entry);
  s.active = true;
  serving_.emplace(*id, std::move(s));
  serve_order_.push_back(*id);
  return Status::ok();
}

Status PayloadRequestCore::on_bind_request_discarded() {
  const Result<std::uint64_t> id = bind_peer(/*discarded=*/true);
  if (!id.is_ok()) return id.status();
  const Status st = give_up(*id);
  return st.is_ok() ? st : fail(st);
}

Result<std::optional<PayloadRequestMessage>> PayloadRequestCore::next_response() {
  while (!serve_order_.empty()) {
    const std::uint64_t id = serve_order_.front();
    serve_order_.pop_front();
    auto it = serving_.find(id);
    if (it == serving_.end() || !it->second.active) continue;
    Serving& s = it->second;
    const std::uint64_t amount = std::min(config_.chunks_per_message, s.chunk_count - s.next_chunk);
    const std::optional<std::uint64_t> length =
        payload_chunks_length(s.entry.payload_length, s.next_chunk, amount);
    if (!length || *length > max_response_bytes(config_.chunks_per_message)) {
      return fail(error(ErrorCode::kInternal, "payload request: a response beyond its bound"));
    }
    buffer_.clear();
    buffer_.reserve(static_cast<std::size_t>(*length));
    const Status sent =
        send_payload_chunks(*store_, s.entry, s.next_chunk, amount, [&](ByteView b) {
          if (buffer_.size() + b.size() > *length) {
            return error(ErrorCode::kInternal, "payload request: more bytes than the Chunks");
          }
          append(buffer_, b);
          return Status::ok();
        });
    if (sent.code() == ErrorCode::kNotFound) {
      // The entry was overwritten or its payload forgotten meanwhile: give up.
      const Status st = give_up(id);
      if (!st.is_ok()) return fail(st);
      return pop_message();
    }
    if (!sent.is_ok()) return fail(sent);
    if (buffer_.size() != *length) {
      return fail(error(ErrorCode::kInternal, "payload request: fewer bytes than the Chunks"));
    }
    const Status ref = peer_book_.reference(id);
    if (!ref.is_ok()) return fail(ref);
    s.next_chunk += amount;
    if (s.next_chunk == s.chunk_count) {
      s.active = false;  // served; the requester frees the handle
    } else {
      serve_order_.push_back(id);
    }
    return std::optional<PayloadRequestMessage>(
        PayloadRequestSendResponse{id, amount, ByteView(buffer_)});
  }
  return std::optional<PayloadRequestMessage>();
}

// --- Both

Status PayloadRequestCore::on_resource_handle_free(const ResourceHandleFree& msg,
                                                   bool binding_channel_dropping) {
  if (failed()) return error_;
  if (msg.handle_type != HandleType::kPayloadRequest) {
    return request_violation("a ResourceHandleFree of another handle type");
  }
  sweep();
  if (msg.mine) {
    // The peer frees a handle it bound: a request we serve (done or cancelled).
    const Result<Disposition> d =
        peer_book_.on_peer_free(msg.handle_id, msg.reference_count, binding_channel_dropping);
    if (!d.is_ok()) return fail(d.status());
    if (*d == Disposition::kDiscard) return Status::ok();
    auto it = serving_.find(msg.handle_id);
    if (it != serving_.end()) it->second.active = false;
    if (peer_book_.state(msg.handle_id) == HandleState::kYouFreed) {
      const Result<std::uint64_t> count = peer_book_.free(msg.handle_id);
      if (!count.is_ok()) return fail(count.status());
      messages_.emplace_back(free_message(/*mine=*/false, msg.handle_id, *count));
    }
    sweep();
    return Status::ok();
  }
  // The peer frees a handle we bound: it gave up our request, or answers our free.
  const Result<Disposition> d = own_book_.on_peer_free(msg.handle_id, msg.reference_count, false);
  if (!d.is_ok()) return fail(d.status());
  auto it = requests_.find(msg.handle_id);
  if (it != requests_.end()) {
    it->second.peer_final = msg.reference_count;
    // Free in return at once (we never name the handle); the outcome waits for every response
    // the peer counted.
    const Status st = free_own_if_bound(msg.handle_id);
    if (!st.is_ok()) return fail(st);
    OSIER_RETURN_IF_ERROR(settle(msg.handle_id));
  }
  return Status::ok();
}

std::optional<PayloadRequestMessage> PayloadRequestCore::pop_message() {
  std::optional<PayloadRequestMessage> m(std::move(messages_.front()));
  messages_.pop_front();
  return m;
}

Result<std::optional<PayloadRequestMessage>> PayloadRequestCore::poll_message() {
  if (failed()) return error_;
  sweep();
  if (!messages_.empty()) return pop_message();
  return next_response();
}

std::size_t PayloadRequestCore::serving_count() const {
  return static_cast<std::size_t>(std::count_if(serving_.begin(), serving_.end(),
                                                [](const auto& kv) { return kv.second.active; }));
}

std::optional<PayloadRequestEvent> PayloadRequestCore::poll_event() {
  if (events_.empty()) return std::nullopt;
  PayloadRequestEvent ev = std::move(events_.front());
  events_.pop_front();
  return ev;
}

PayloadCursor* PayloadRequestCore::cursor_for_sending(std::uint64_t peer_handle) {
  auto it = serving_.find(peer_handle);
  if (it == serving_.end() || !peer_book_.contains(peer_handle)) return nullptr;
  return &it->second.cursor;
}

PayloadCursor* PayloadRequestCore::cursor_for_receiving(std::uint64_t own_handle) {
  // Also while the record of a handle deleted by the last streamed response stays for
  // commit_payload_head (sweep); a message naming it later fails in check_response.
  auto it = requests_.find(own_handle);
  if (it == requests_.end()) return nullptr;
  return &it->second.cursor;
}

}  // namespace osier::sync
