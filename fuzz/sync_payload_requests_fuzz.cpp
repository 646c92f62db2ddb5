// PayloadRequestCore (sync/payload_requests.hpp): a requester and a responder core over their own
// MemoryStores, messages through the real codec, driven by fuzzer-chosen steps: requests,
// cancels, deliveries in either direction (whole or streamed in pieces, possibly with a byte
// flipped), raw messages from the input, and the responder forgetting payloads. The cores must
// never crash; the requester's store only ever holds a prefix of each true payload (no
// unverified byte stored); a completed request means the whole payload is stored; a failed core
// stays failed with the same error.
//
// Input: [entries][chunks per message] then 4-byte steps (op, a, b, c).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <map>
#include <memory>
#include <random>
#include <utility>
#include <vector>

#include "fuzz_keys.hpp"
#include "fuzz_store.hpp"
#include "osier/crypto/william3.hpp"
#include "osier/meadowcap/owned_capability.hpp"
#include "osier/store/authoriser.hpp"
#include "store/memory_store.hpp"
#include "sync/message_codec.hpp"
#include "sync/payload_requests.hpp"

namespace {

using namespace osier;

using fuzz::AcceptAll;
using fuzz::check;

// Handle 0 of each side names the one read capability (the full area of the namespace).
class OneCapability : public sync::ReadCapabilityLookup {
 public:
  explicit OneCapability(const meadowcap::McCapability& cap) : cap_(cap) {}
  const meadowcap::McCapability* own(std::uint64_t h) const override {
    return h == 0 ? &cap_ : nullptr;
  }
  const meadowcap::McCapability* peer(std::uint64_t h) const override {
    return h == 0 ? &cap_ : nullptr;
  }

 private:
  const meadowcap::McCapability& cap_;
};

class Context : public sync::CodecContext {
 public:
  Context(sync::PayloadRequestCore& core, bool sending) : core_(core), sending_(sending) {}
  Result<meadowcap::EnumerationCapabilityContext> enumeration_capability_reference(
      std::uint64_t, std::uint64_t) override {
    return error(ErrorCode::kNotFound, "unused");
  }
  Result<meadowcap::PersonalPrivateInterest> read_capability_reference(std::uint64_t,
                                                                       std::uint64_t) override {
    return error(ErrorCode::kNotFound, "unused");
  }
  std::optional<model::NamespaceId> announced_namespace(std::uint64_t, std::uint64_t) override {
    return std::nullopt;
  }
  sync::PayloadCursor* payload_request(std::uint64_t handle) override {
    return sending_ ? core_.cursor_for_sending(handle) : core_.cursor_for_receiving(handle);
  }

 private:
  sync::PayloadRequestCore& core_;
  bool sending_;
};

struct Side {
  Side(store::Store& s, const sync::ReadCapabilityLookup& caps, std::uint64_t chunks)
      : core(make(s, caps, chunks)) {}
  static sync::PayloadRequestCore make(store::Store& s, const sync::ReadCapabilityLookup& caps,
                                       std::uint64_t chunks) {
    sync::PayloadRequestConfig config;
    config.max_requests = 4;
    config.peer_max_requests = 4;
    config.chunks_per_message = chunks;
    return sync::PayloadRequestCore::create(config, s, caps).value();
  }
  sync::PayloadRequestCore core;
  sync::CodecState send_state{sync::SyncRole::kAlfie};
  sync::CodecState receive_state{sync::SyncRole::kBetty};
  Context send_context{core, true};
  Context receive_context{core, false};
  std::deque<std::pair<sync::SyncMessageKind, Bytes>> outbox;  // encoded, not yet delivered
  std::optional<Status> failure;                               // the first error seen
};

// Encodes every message `from` has to send into its outbox.
void drain(Side& from) {
  for (;;) {
    auto m = from.core.poll_message();
    if (!m.is_ok() || !m->has_value()) return;
    const sync::SyncMessage msg =
        std::visit([](const auto& v) { return sync::SyncMessage(v); }, **m);
    Encoder enc;
    check(sync::encode_sync_message(enc, msg, from.send_state, from.send_context).is_ok());
    from.outbox.emplace_back(sync::message_kind(msg), enc.take());
  }
}

Status deliver(Side& to, sync::SyncMessageKind kind, const Bytes& wire, bool streamed,
               std::mt19937_64& rng) {
  const std::optional<sync::LogicalChannel> channel = sync::message_channel(kind);
  if (!channel) {
    OSIER_ASSIGN_OR_RETURN(const sync::SyncMessage m,
                           sync::decode_global_message(wire, to.receive_context));
    const auto* f = std::get_if<sync::ResourceHandleFree>(&m);
    if (f == nullptr || f->handle_type != sync::HandleType::kPayloadRequest) return Status::ok();
    return to.core.on_resource_handle_free(*f, false);
  }
  if (kind == sync::SyncMessageKind::kPayloadRequestSendResponse && streamed) {
    OSIER_ASSIGN_OR_RETURN(const sync::PayloadHead head,
                           sync::decode_payload_head(wire, to.receive_state, to.receive_context));
    if (head.header_length + head.length != wire.size()) {
      return error(ErrorCode::kInvalidEncoding, "length");
    }
    OSIER_RETURN_IF_ERROR(to.core.on_response_head(head));
    std::size_t pos = head.header_length;
    while (pos < wire.size()) {
      const std::size_t n = std::min<std::size_t>(1 + rng() % 1500, wire.size() - pos);
      OSIER_RETURN_IF_ERROR(
          to.core.feed_response_bytes(head.handle, ByteView(wire).subspan(pos, n)));
      pos += n;
    }
    return sync::commit_payload_head(head, to.receive_state, to.receive_context);
  }
  Decoder dec(wire);
  OSIER_ASSIGN_OR_RETURN(
      const sync::SyncMessage m,
      sync::decode_channel_message(*channel, dec, to.receive_state, to.receive_context));
  if (const auto* bind = std::get_if<sync::PayloadRequestBindRequest>(&m)) {
    return to.core.on_bind_request(*bind);
  }
  if (const auto* r = std::get_if<sync::PayloadRequestSendResponse>(&m)) {
    return to.core.on_send_response(*r);
  }
  return Status::ok();
}

void note(Side& side, const Status& st) {
  if (st.is_ok() || !side.core.failed()) return;
  if (!side.failure) side.failure = side.core.status();
  // Sticky: the core keeps returning its first error.
  check(side.core.status().code() == side.failure->code());
  check(side.core.poll_message().status().code() == side.failure->code());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  static const meadowcap::McCapability cap(meadowcap::OwnedCapability::create(
      fuzz::owned_namespace(), meadowcap::AccessMode::kRead, fuzz::key(1).public_key()));
  static const auto authoriser = std::make_shared<const AcceptAll>();
  static const OneCapability caps(cap);

  // Up to 4 entries; what the responder holds of each: all, a prefix, nothing, another digest.
  store::MemoryStore requester_store(authoriser), responder_store(authoriser);
  std::vector<store::AuthorisedEntry> entries;
  std::vector<Bytes> payloads;
  const std::size_t count = 1 + data[0] % 4;
  for (std::size_t i = 0; i < count; ++i) {
    const std::uint8_t kind = (data[0] >> (2 + i)) & 1 ? (data[0] >> i) % 4 : 0;
    const std::size_t len = (i * 7919 + data[1] * 131) % (i == 0 ? 40000 : 6000);
    Bytes payload(len);
    std::mt19937_64 rng(len * 4 + i);
    for (auto& b : payload) b = static_cast<std::uint8_t>(rng());
    store::AuthorisedEntry ae;
    ae.entry.namespace_id = cap.granted_namespace();
    ae.entry.subspace_id.fill(2);
    ae.entry.path =
        model::Path::from_strings({"f", std::string(1, static_cast<char>('a' + i))}).value();
    ae.entry.timestamp = 1;
    ae.entry.payload_length = len;
    ae.entry.payload_digest = crypto::william3(payload);
    check(requester_store.ingest(ae, store::Trust::kAlreadyVerified).is_ok());
    if (kind == 0) {
      check(responder_store
                .ingest_with_payload(ae, memory_source(payload), store::Trust::kAlreadyVerified)
                .is_ok());
    } else if (kind == 1) {
      check(responder_store.ingest(ae, store::Trust::kAlreadyVerified).is_ok());
      const std::size_t prefix = std::min<std::size_t>(len, 1024);
      const model::Entry& e = ae.entry;
      check(responder_store
                .append_verified(e.namespace_id, e.subspace_id, e.path, e.payload_digest, 0,
                                 ByteView(payload).first(prefix), {})
                .is_ok());
    } else if (kind == 3) {
      store::AuthorisedEntry other = ae;
      other.entry.payload_digest.fill(9);
      check(responder_store.ingest(other, store::Trust::kAlreadyVerified).is_ok());
    }
    entries.push_back(std::move(ae));
    payloads.push_back(std::move(payload));
  }

  const std::uint64_t chunks = 1 + data[1] % 4;
  Side a(requester_store, caps, chunks);           // the requester
  Side b(responder_store, caps, chunks);           // the responder
  std::map<std::uint64_t, std::size_t> requested;  // handle -> entry
  std::mt19937_64 rng(size);

  for (std::size_t pos = 2; pos + 4 <= size; pos += 4) {
    const std::uint8_t op = data[pos] % 8;
    const std::uint8_t x = data[pos + 1];
    const std::uint8_t y = data[pos + 2];
    const std::uint8_t z = data[pos + 3];
    Status st;
    switch (op) {
      case 0: {  // request
        const std::size_t k = x % entries.size();
        auto h = a.core.request(entries[k].entry, 0, 0);
        if (h.is_ok() && h->has_value()) requested[**h] = k;
        if (!h.is_ok()) st = h.status();
        break;
      }
      case 1:  // cancel
        st = a.core.cancel(x % 8);
        break;
      case 2:
      case 3: {  // A -> B
        drain(a);
        if (a.outbox.empty()) break;
        auto [kind, wire] = std::move(a.outbox.front());
        a.outbox.pop_front();
        st = deliver(b, kind, wire, false, rng);
        note(b, st);
        continue;
      }
      case 4:
      case 5: {  // B -> A, streamed or whole, maybe with a flipped byte
        drain(b);
        if (b.outbox.empty()) break;
        auto [kind, wire] = std::move(b.outbox.front());
        b.outbox.pop_front();
        if (z & 1 && !wire.empty()) wire[(x << 8 | y) % wire.size()] ^= 1 << (z >> 5);
        st = deliver(a, kind, wire, op == 5, rng);
        break;
      }
      case 6: {  // raw bytes from the input, to either side
        const std::size_t n = std::min<std::size_t>(x % 64, size - pos - 4);
        const Bytes wire(data + pos + 4, data + pos + 4 + n);
        pos += n;
        const sync::SyncMessageKind kinds[] = {sync::SyncMessageKind::kPayloadRequestBindRequest,
                                               sync::SyncMessageKind::kPayloadRequestSendResponse,
                                               sync::SyncMessageKind::kResourceHandleFree};
        Side& to = (y & 1) ? a : b;
        st = deliver(to, kinds[z % 3], wire, (y & 2) != 0, rng);
        note(to, st);
        continue;
      }
      default: {  // the responder forgets a payload
        const model::Entry& e = entries[x % entries.size()].entry;
        (void)responder_store.forget_payload(e.namespace_id, e.subspace_id, e.path);
        break;
      }
    }
    note(a, st);
    note(b, st);
  }

  // No unverified byte is stored; a completed request stored its whole payload.
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const model::Entry& e = entries[i].entry;
    auto state = requester_store.payload_state(e.namespace_id, e.subspace_id, e.path);
    check(state.is_ok() && state->has_value());
    Bytes got;
    check(requester_store
              .read_payload(e.namespace_id, e.subspace_id, e.path, 0, (*state)->held,
                            [&](ByteView bytes) {
                              append(got, bytes);
                              return Status::ok();
                            })
              .is_ok());
    check(std::equal(got.begin(), got.end(), payloads[i].begin()));
  }
  while (auto ev = a.core.poll_event()) {
    if (ev->outcome != sync::PayloadRequestOutcome::kCompleted) continue;
    const model::Entry& e = ev->entry;
    auto state = requester_store.payload_state(e.namespace_id, e.subspace_id, e.path);
    check(state.is_ok() && state->has_value() && (*state)->complete());
  }
  return 0;
}
