// PayloadRequestCore: a requester and a responder core, each over its own store (LmdbStore and
// MemoryStore, both ways round), every message through the real encoders and decoders (each
// side's CodecContext answers payload_request from its core), responses decoded whole or
// streamed in pieces. Payloads arrive and verify; give-ups; protocol errors; memory bounds.
#include "sync/payload_requests.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "meadowcap/mc_test_util.hpp"
#include "osier/crypto/william3.hpp"
#include "osier/meadowcap/owned_capability.hpp"
#include "store/store_factories.hpp"
#include "sync/message_codec.hpp"
#include "sync/message_test_util.hpp"
#include "sync/payload_chunks.hpp"

namespace osier::sync {
namespace {

using meadowcap::testing::key;
using meadowcap::testing::namespace_key;
using store::testing::random_bytes;

// A read capability of the owned test namespace for user `user`, restricted to `area`.
meadowcap::McCapability request_read_capability(std::uint8_t user, const model::Area& area) {
  const meadowcap::McCapability root(meadowcap::OwnedCapability::create(
      namespace_key(false), meadowcap::AccessMode::kRead, key(1).public_key()));
  if (area == model::Area::full() && user == 1) return root;
  return root.delegate(key(1), area, key(user).public_key()).value();
}
model::NamespaceId request_ns() {
  return request_read_capability(1, model::Area::full()).granted_namespace();
}

store::AuthorisedEntry request_entry_at(const std::string& name, const Bytes& payload,
                                        model::Timestamp t = 10) {
  store::AuthorisedEntry ae;
  ae.entry.namespace_id = request_ns();
  ae.entry.subspace_id.fill(0x42);
  ae.entry.path = model::Path::from_strings({"p", name}).value();
  ae.entry.timestamp = t;
  ae.entry.payload_length = payload.size();
  ae.entry.payload_digest = crypto::william3(payload);
  ae.token = {7};
  return ae;
}

// Handle 0 on each side: the side's own capability; the peer's handle 0: the other's.
class Caps : public ReadCapabilityLookup {
 public:
  std::map<std::uint64_t, meadowcap::McCapability> own_caps;
  std::map<std::uint64_t, meadowcap::McCapability> peer_caps;
  const meadowcap::McCapability* own(std::uint64_t h) const override {
    auto it = own_caps.find(h);
    return it == own_caps.end() ? nullptr : &it->second;
  }
  const meadowcap::McCapability* peer(std::uint64_t h) const override {
    auto it = peer_caps.find(h);
    return it == peer_caps.end() ? nullptr : &it->second;
  }
};

// What the session's CodecContext does for payload requests: the encoding side asks for the
// sending cursor, the decoding side for the receiving one.
class CoreContext : public CodecContext {
 public:
  CoreContext(PayloadRequestCore** core, bool sending) : core_(core), sending_(sending) {}
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
  PayloadCursor* payload_request(std::uint64_t handle) override {
    return sending_ ? (*core_)->cursor_for_sending(handle) : (*core_)->cursor_for_receiving(handle);
  }

 private:
  PayloadRequestCore** core_;
  bool sending_;
};

struct RequestLmdbStores {
  std::unique_ptr<store::Store> open() {
    store::LmdbStoreOptions opts;
    opts.authoriser = store::testing::test_authoriser();
    opts.map_size = std::uint64_t{1} << 30;
    opts.sync_commits = false;
    return store::LmdbStore::open(dir.sub(std::to_string(n++)), opts).value();
  }
  osier::testing::TempDir dir;
  int n = 0;
};

// One side of a session: a store, capabilities, a core, and the codec state of each direction.
struct RequestSide {
  RequestSide(std::unique_ptr<store::Store> s, SyncRole role, const PayloadRequestConfig& config)
      : store(std::move(s)),
        core(PayloadRequestCore::create(config, *store, caps).value()),
        send_state(role),
        receive_state(role == SyncRole::kAlfie ? SyncRole::kBetty : SyncRole::kAlfie) {}
  std::unique_ptr<store::Store> store;
  Caps caps;
  PayloadRequestCore core;
  PayloadRequestCore* core_ptr = &core;
  CodecState send_state;
  CodecState receive_state;
  CoreContext send_context{&core_ptr, true};
  CoreContext receive_context{&core_ptr, false};
};

// How a side receives responses: whole messages, or streamed (head, then pieces).
enum class Delivery { kWhole, kStreamed };

class PayloadRequestTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override { make(PayloadRequestConfig{}); }

  // GetParam(): the requester's store is the LmdbStore (else the responder's).
  void make(PayloadRequestConfig config, const model::Area& requester_area = model::Area::full(),
            const model::Area& responder_area = model::Area::full()) {
    config.origin = store::Origin::remote(3);
    auto mem = std::make_unique<store::MemoryStore>(store::testing::test_authoriser());
    auto lmdb = lmdb_.open();
    const bool lmdb_requests = GetParam();
    a_ = std::make_unique<RequestSide>(lmdb_requests ? std::move(lmdb) : std::move(mem),
                                       SyncRole::kAlfie, config);
    b_ = std::make_unique<RequestSide>(lmdb_requests ? std::move(mem) : std::move(lmdb),
                                       SyncRole::kBetty, config);
    const auto cap_a = request_read_capability(2, requester_area);
    const auto cap_b = request_read_capability(3, responder_area);
    a_->caps.own_caps.emplace(0, cap_a);
    a_->caps.peer_caps.emplace(0, cap_b);
    b_->caps.own_caps.emplace(0, cap_b);
    b_->caps.peer_caps.emplace(0, cap_a);
  }

  // The requester holds the entry (and `prefix_chunks` Chunks' bytes); the responder the whole
  // payload when `responder_has`.
  void put(const store::AuthorisedEntry& ae, const Bytes& payload, bool responder_has = true,
           std::uint64_t prefix_bytes = 0) {
    if (responder_has) {
      auto r = b_->store->ingest_with_payload(ae, memory_source(payload),
                                              store::Trust::kAlreadyVerified);
      ASSERT_TRUE(r && r->outcome == store::IngestOutcome::kInserted);
    }
    auto r2 = a_->store->ingest(ae, store::Trust::kAlreadyVerified);
    ASSERT_TRUE(r2 && r2->outcome == store::IngestOutcome::kInserted);
    if (prefix_bytes > 0) {
      const model::Entry& e = ae.entry;
      ASSERT_TRUE(a_->store
                      ->append_verified(e.namespace_id, e.subspace_id, e.path, e.payload_digest, 0,
                                        ByteView(payload).first(prefix_bytes), {})
                      .is_ok());
    }
  }

  // Sends every queued message of `from` to `to` through the codec; false when a side failed.
  // `tamper` may change an encoded response (its index among all responses sent).
  template <typename Tamper>
  bool pump(RequestSide& from, RequestSide& to, Delivery delivery, Tamper tamper) {
    for (;;) {
      auto m = from.core.poll_message();
      if (!m.is_ok()) return false;
      if (!*m) return true;
      if (auto* r = std::get_if<PayloadRequestSendResponse>(&**m)) {
        max_response_ = std::max(max_response_, r->bytes.size());
        capacity_ok_ &= from.core.buffer_capacity() <= max_response_bytes(chunks_per_message_);
      }
      const SyncMessage msg = std::visit([](const auto& v) { return SyncMessage(v); }, **m);
      Encoder enc;
      const Status enc_st = encode_sync_message(enc, msg, from.send_state, from.send_context);
      EXPECT_TRUE(enc_st.is_ok()) << enc_st.to_string();
      Bytes wire = enc.take();
      const SyncMessageKind kind = message_kind(msg);
      ++sent_;
      if (kind == SyncMessageKind::kPayloadRequestSendResponse) tamper(responses_++, wire);
      last_status_ = deliver(to, kind, wire, delivery);
      if (!last_status_.is_ok()) return false;
    }
  }
  bool pump(RequestSide& from, RequestSide& to, Delivery delivery = Delivery::kWhole) {
    return pump(from, to, delivery, [](std::size_t, Bytes&) {});
  }

  Status deliver(RequestSide& to, SyncMessageKind kind, const Bytes& wire, Delivery delivery) {
    const std::optional<LogicalChannel> channel = message_channel(kind);
    if (!channel) {
      OSIER_ASSIGN_OR_RETURN(const SyncMessage m, decode_global_message(wire, to.receive_context));
      return to.core.on_resource_handle_free(std::get<ResourceHandleFree>(m), false);
    }
    if (kind == SyncMessageKind::kPayloadRequestSendResponse && delivery == Delivery::kStreamed) {
      OSIER_ASSIGN_OR_RETURN(const PayloadHead head,
                             decode_payload_head(wire, to.receive_state, to.receive_context));
      EXPECT_EQ(head.header_length + head.length, wire.size());
      OSIER_RETURN_IF_ERROR(to.core.on_response_head(head));
      std::size_t pos = head.header_length;
      while (pos < wire.size()) {
        const std::size_t n = std::min<std::size_t>(1 + rng_() % 5000, wire.size() - pos);
        OSIER_RETURN_IF_ERROR(
            to.core.feed_response_bytes(head.handle, ByteView(wire).subspan(pos, n)));
        pos += n;
      }
      return commit_payload_head(head, to.receive_state, to.receive_context);
    }
    Decoder dec(wire);
    OSIER_ASSIGN_OR_RETURN(
        const SyncMessage m,
        decode_channel_message(*channel, dec, to.receive_state, to.receive_context));
    EXPECT_TRUE(dec.at_end());
    if (const auto* bind = std::get_if<PayloadRequestBindRequest>(&m)) {
      return to.core.on_bind_request(*bind);
    }
    return to.core.on_send_response(std::get<PayloadRequestSendResponse>(m));
  }

  // Responses of 4 Chunks; one request of a 40000-byte payload, its bind delivered.
  void start_small_request(const std::string& name, std::uint32_t seed) {
    PayloadRequestConfig config;
    config.chunks_per_message = 4;
    chunks_per_message_ = 4;
    make(config);
    payload_ = random_bytes(40000, seed);
    ae_ = request_entry_at(name, payload_);
    put(ae_, payload_);
    auto h = a_->core.request(ae_.entry, 0, 0);
    ASSERT_TRUE(h.is_ok() && h->has_value());
    handle_ = **h;
    ASSERT_TRUE(pump(*a_, *b_));
  }

  // Sends the responder's next message, a response, to the requester (decoded whole); returns
  // it, or nullopt after a test failure.
  std::optional<PayloadRequestSendResponse> relay_response() {
    auto m = b_->core.poll_message();
    if (!m.is_ok() || !m->has_value()) {
      ADD_FAILURE() << "no message";
      return std::nullopt;
    }
    const auto* r = std::get_if<PayloadRequestSendResponse>(&**m);
    if (r == nullptr) {
      ADD_FAILURE() << "not a response";
      return std::nullopt;
    }
    const PayloadRequestSendResponse copy = *r;
    Encoder enc;
    const Status st = encode_sync_message(enc, SyncMessage(copy), b_->send_state, b_->send_context);
    EXPECT_TRUE(st.is_ok()) << st.to_string();
    in_flight_ = enc.take();
    return copy;
  }
  // Delivers what relay_response encoded.
  Status deliver_in_flight() {
    return deliver(*a_, SyncMessageKind::kPayloadRequestSendResponse, in_flight_, Delivery::kWhole);
  }

  // Both ways until neither side has anything to send.
  bool run(Delivery delivery = Delivery::kWhole) {
    for (int i = 0; i < 1000; ++i) {
      const std::size_t before = sent_;
      if (!pump(*a_, *b_)) return false;
      if (!pump(*b_, *a_, delivery)) return false;
      if (sent_ == before) return true;
    }
    ADD_FAILURE() << "no quiescence";
    return false;
  }

  std::vector<PayloadRequestEvent> events() {
    std::vector<PayloadRequestEvent> out;
    while (auto e = a_->core.poll_event()) out.push_back(*e);
    return out;
  }

  Bytes held_bytes(const model::Entry& e) {
    const auto st = a_->store->payload_state(e.namespace_id, e.subspace_id, e.path).value();
    Bytes out;
    EXPECT_TRUE(a_->store
                    ->read_payload(e.namespace_id, e.subspace_id, e.path, 0, st->held,
                                   [&](ByteView b) {
                                     append(out, b);
                                     return Status::ok();
                                   })
                    .is_ok());
    return out;
  }
  void expect_complete(const model::Entry& e, const Bytes& payload) {
    const auto st = a_->store->payload_state(e.namespace_id, e.subspace_id, e.path).value();
    ASSERT_TRUE(st);
    EXPECT_EQ(st->held, payload.size());
    EXPECT_EQ(held_bytes(e), payload);
  }
  // Both sides deleted every handle.
  void expect_all_deleted() {
    EXPECT_EQ(a_->core.own_book().live(), 0u);
    EXPECT_EQ(b_->core.peer_book().live(), 0u);
  }

  RequestLmdbStores lmdb_;
  std::unique_ptr<RequestSide> a_;  // the requester
  std::unique_ptr<RequestSide> b_;  // the responder
  std::mt19937 rng_{7};
  std::size_t responses_ = 0;
  std::size_t sent_ = 0;
  Bytes in_flight_;
  Bytes payload_;
  store::AuthorisedEntry ae_;
  std::uint64_t handle_ = 0;
  std::size_t max_response_ = 0;
  bool capacity_ok_ = true;
  std::uint64_t chunks_per_message_ = 64;
  Status last_status_;
};

INSTANTIATE_TEST_SUITE_P(Stores, PayloadRequestTest, ::testing::Bool(), [](const auto& info) {
  return std::string(info.param ? "LmdbRequests" : "MemoryRequests");
});

TEST_P(PayloadRequestTest, PayloadsArriveAndVerify) {
  const std::vector<std::size_t> lengths = {1, 1023, 1024, 1025, 5000, 300 * 1024 + 5};
  for (Delivery delivery : {Delivery::kWhole, Delivery::kStreamed}) {
    for (std::size_t n : lengths) {
      SCOPED_TRACE(std::string("length ") + std::to_string(n) +
                   (delivery == Delivery::kWhole ? " whole" : " streamed"));
      // Payloads are shared by digest in a store: a distinct one per round.
      const Bytes payload = random_bytes(
          n, static_cast<std::uint32_t>(n) * 2 + (delivery == Delivery::kWhole ? 1 : 0));
      const auto ae =
          request_entry_at(std::to_string(n) + (delivery == Delivery::kWhole ? "w" : "s"), payload);
      put(ae, payload);
      auto h = a_->core.request(ae.entry, 0, 0);
      ASSERT_TRUE(h.is_ok()) << h.status().to_string();
      ASSERT_TRUE(h->has_value());
      ASSERT_TRUE(run(delivery)) << last_status_.to_string() << a_->core.status().to_string()
                                 << b_->core.status().to_string();
      const auto ev = events();
      ASSERT_EQ(ev.size(), 1u);
      EXPECT_EQ(ev[0].handle, **h);
      EXPECT_EQ(ev[0].outcome, PayloadRequestOutcome::kCompleted);
      EXPECT_EQ(ev[0].entry, ae.entry);
      EXPECT_EQ(ev[0].verified_end, n);
      expect_complete(ae.entry, payload);
      expect_all_deleted();
    }
  }
  EXPECT_LE(max_response_, max_response_bytes(64));
  EXPECT_TRUE(capacity_ok_);
}

TEST_P(PayloadRequestTest, AnEmptyOrHeldPayloadNeedsNoRequest) {
  const auto empty = request_entry_at("empty", {});
  put(empty, {});
  auto h = a_->core.request(empty.entry, 0, 0);
  ASSERT_TRUE(h.is_ok());
  EXPECT_FALSE(h->has_value());
  auto m = a_->core.poll_message();
  ASSERT_TRUE(m.is_ok());
  EXPECT_FALSE(m->has_value());

  // A responder asked for the empty payload (by another implementation) sends its one Chunk.
  PayloadRequestBindRequest bind{
      request_ns(), empty.entry.subspace_id, empty.entry.path, empty.entry.payload_digest, 0, 0};
  ASSERT_TRUE(b_->store->ingest(empty, store::Trust::kAlreadyVerified).is_ok());
  ASSERT_TRUE(b_->core.on_bind_request(bind).is_ok());
  auto r = b_->core.poll_message();
  ASSERT_TRUE(r.is_ok() && r->has_value());
  const auto* resp = std::get_if<PayloadRequestSendResponse>(&**r);
  ASSERT_NE(resp, nullptr);
  EXPECT_EQ(resp->amount, 1u);
  EXPECT_TRUE(resp->bytes.empty());
}

TEST_P(PayloadRequestTest, AHeldPrefixEndsWhole) {
  const std::size_t n = 200 * 1024 + 3;
  const Bytes payload = random_bytes(n, 11);
  const auto ae = request_entry_at("prefix", payload);
  put(ae, payload, true, 70 * 1024);
  ASSERT_TRUE(a_->core.request(ae.entry, 0, 0).is_ok());
  ASSERT_TRUE(run(Delivery::kStreamed)) << last_status_.to_string();
  const auto ev = events();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].outcome, PayloadRequestOutcome::kCompleted);
  expect_complete(ae.entry, payload);
}

TEST_P(PayloadRequestTest, GiveUpWhenTheResponderLacksTheEntryOrThePayload) {
  const Bytes payload = random_bytes(3000, 12);
  const auto lacking = request_entry_at("lacking", payload);
  put(lacking, payload, /*responder_has=*/false);
  // (Payloads are shared by digest in a store: each entry has its own.)
  const Bytes partial_payload = random_bytes(3000, 112);
  const auto partial = request_entry_at("partial", partial_payload);
  put(partial, partial_payload, false);
  // The responder holds the entry and only its first chunk.
  ASSERT_TRUE(b_->store->ingest(partial, store::Trust::kAlreadyVerified).is_ok());
  const model::Entry& p = partial.entry;
  ASSERT_TRUE(b_->store
                  ->append_verified(p.namespace_id, p.subspace_id, p.path, p.payload_digest, 0,
                                    ByteView(partial_payload).first(1024), {})
                  .is_ok());
  const Bytes served_payload = random_bytes(3000, 212);
  const auto other_digest = request_entry_at("digest", served_payload);
  put(other_digest, served_payload, true);
  model::Entry wrong = other_digest.entry;  // the requester asks for another payload
  ASSERT_TRUE(a_->store->forget_entry(wrong.namespace_id, wrong.subspace_id, wrong.path).value());
  const Bytes other = random_bytes(3000, 13);
  wrong.payload_digest = crypto::william3(other);
  ASSERT_TRUE(a_->store->ingest(store::AuthorisedEntry{wrong, {7}}, store::Trust::kAlreadyVerified)
                  .is_ok());
  for (const model::Entry* e :
       std::vector<const model::Entry*>{&lacking.entry, &partial.entry, &wrong}) {
    auto h = a_->core.request(*e, 0, 0);
    ASSERT_TRUE(h.is_ok() && h->has_value()) << h.status().to_string();
  }
  ASSERT_TRUE(run()) << last_status_.to_string();
  const auto ev = events();
  ASSERT_EQ(ev.size(), 3u);
  for (const auto& e : ev) EXPECT_EQ(e.outcome, PayloadRequestOutcome::kUnavailable);
  expect_all_deleted();
  EXPECT_FALSE(a_->core.failed());
  EXPECT_FALSE(b_->core.failed());
}

TEST_P(PayloadRequestTest, GiveUpForAnEntryOutsideAGrantedAreaInTime) {
  model::Area area = model::Area::full();
  area.times = model::TimeRange{100, 200};
  make(PayloadRequestConfig{}, model::Area::full(), area);
  const Bytes payload = random_bytes(2000, 14);
  const auto ae = request_entry_at("old", payload, /*t=*/50);
  put(ae, payload);
  // Our requester checks before sending; the peer's request (another implementation) is
  // answered with a give-up.
  auto h = a_->core.request(ae.entry, 0, 0);
  ASSERT_FALSE(h.is_ok());
  EXPECT_EQ(h.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_FALSE(a_->core.failed());
  ASSERT_TRUE(b_->core
                  .on_bind_request({request_ns(), ae.entry.subspace_id, ae.entry.path,
                                    ae.entry.payload_digest, 0, 0})
                  .is_ok());
  auto m = b_->core.poll_message();
  ASSERT_TRUE(m.is_ok() && m->has_value());
  const auto* given_up = std::get_if<ResourceHandleFree>(&**m);
  ASSERT_NE(given_up, nullptr);
  EXPECT_FALSE(given_up->mine);
  EXPECT_EQ(given_up->handle_id, 0u);
  EXPECT_EQ(given_up->handle_type, HandleType::kPayloadRequest);
}

TEST_P(PayloadRequestTest, ARequestOutsideAGrantedAreaOrNamespaceIsAnError) {
  model::Area area = model::Area::full();
  area.path = model::Path::from_strings({"elsewhere"}).value();
  make(PayloadRequestConfig{}, model::Area::full(), area);
  const Bytes payload = random_bytes(10, 15);
  const auto ae = request_entry_at("x", payload);
  put(ae, payload);
  const Status st = b_->core.on_bind_request(
      {request_ns(), ae.entry.subspace_id, ae.entry.path, ae.entry.payload_digest, 0, 0});
  EXPECT_EQ(st.code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(b_->core.failed());
  EXPECT_EQ(b_->core.poll_message().status().code(), ErrorCode::kInvalidArgument);

  make(PayloadRequestConfig{});
  model::NamespaceId other{};
  other.fill(9);
  EXPECT_EQ(b_->core
                .on_bind_request(
                    {other, ae.entry.subspace_id, ae.entry.path, ae.entry.payload_digest, 0, 0})
                .code(),
            ErrorCode::kInvalidArgument);
  make(PayloadRequestConfig{});
  EXPECT_EQ(b_->core
                .on_bind_request({request_ns(), ae.entry.subspace_id, ae.entry.path,
                                  ae.entry.payload_digest, 5, 0})
                .code(),
            ErrorCode::kInvalidArgument);
}

TEST_P(PayloadRequestTest, ACorruptedResponseFailsKeepingTheVerifiedPrefix) {
  const std::size_t n = 300 * 1024;
  const Bytes payload = random_bytes(n, 16);
  const auto ae = request_entry_at("corrupt", payload);
  put(ae, payload);
  ASSERT_TRUE(a_->core.request(ae.entry, 0, 0).is_ok());
  ASSERT_TRUE(pump(*a_, *b_));
  const bool ok = pump(*b_, *a_, Delivery::kWhole, [](std::size_t i, Bytes& wire) {
    if (i == 2) wire[wire.size() / 2] ^= 0x10;
  });
  EXPECT_FALSE(ok);
  EXPECT_EQ(last_status_.code(), ErrorCode::kVerification);
  EXPECT_TRUE(a_->core.failed());
  EXPECT_EQ(a_->core.status().code(), ErrorCode::kVerification);
  const Bytes held = held_bytes(ae.entry);
  EXPECT_GE(held.size(), 64u * 1024);
  EXPECT_LT(held.size(), 3u * 64 * 1024);
  EXPECT_TRUE(std::equal(held.begin(), held.end(), payload.begin()));
}

TEST_P(PayloadRequestTest, AResponseForAnUnboundHandleIsAnError) {
  const Bytes payload = random_bytes(10, 17);
  // The codec refuses it (the context has no cursor) ...
  testing::MapContext sender;
  sender.transfers[7] = PayloadCursor{payload.size(), 0};
  CodecState sender_state(SyncRole::kBetty);
  Encoder enc;
  ASSERT_TRUE(encode_sync_message(enc, SyncMessage(PayloadRequestSendResponse{7, 1, payload}),
                                  sender_state, sender)
                  .is_ok());
  const Bytes wire = enc.take();
  Decoder dec(wire);
  auto m =
      decode_channel_message(LogicalChannel::kData, dec, a_->receive_state, a_->receive_context);
  ASSERT_FALSE(m.is_ok());
  EXPECT_EQ(m.status().code(), ErrorCode::kInvalidArgument);
  // ... and so does the core.
  const Status st = a_->core.on_send_response({7, 1, ByteView(payload)});
  EXPECT_EQ(st.code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(a_->core.failed());
}

TEST_P(PayloadRequestTest, MoreChunksThanThePayloadHasIsAnError) {
  const Bytes payload = random_bytes(100, 18);
  const auto ae = request_entry_at("short", payload);
  put(ae, payload);
  ASSERT_TRUE(a_->core.request(ae.entry, 0, 0).is_ok());
  const Bytes extra(2000, 1);
  const Status st = a_->core.on_send_response({0, 2, ByteView(extra)});
  EXPECT_EQ(st.code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(a_->core.failed());
}

TEST_P(PayloadRequestTest, TooManyPeerBindingsIsAnError) {
  PayloadRequestConfig config;
  config.peer_max_requests = 3;
  make(config);
  const Bytes payload = random_bytes(10, 19);
  const auto ae = request_entry_at("many", payload);
  put(ae, payload);
  const PayloadRequestBindRequest bind{
      request_ns(), ae.entry.subspace_id, ae.entry.path, ae.entry.payload_digest, 0, 0};
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(b_->core.on_bind_request(bind).is_ok());
  EXPECT_EQ(b_->core.on_bind_request(bind).code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(b_->core.failed());
}

TEST_P(PayloadRequestTest, OurOwnLimitIsOutOfRangeUntilRequestsEnd) {
  PayloadRequestConfig config;
  config.max_requests = 2;
  make(config);
  std::vector<store::AuthorisedEntry> es;
  for (int i = 0; i < 3; ++i) {
    const Bytes payload = random_bytes(2000, 20 + i);
    es.push_back(request_entry_at("lim" + std::to_string(i), payload));
    put(es.back(), payload);
  }
  ASSERT_TRUE(a_->core.request(es[0].entry, 0, 0).is_ok());
  ASSERT_TRUE(a_->core.request(es[1].entry, 0, 0).is_ok());
  auto third = a_->core.request(es[2].entry, 0, 0);
  ASSERT_FALSE(third.is_ok());
  EXPECT_EQ(third.status().code(), ErrorCode::kOutOfRange);
  EXPECT_FALSE(a_->core.failed());
  ASSERT_TRUE(run());
  EXPECT_EQ(events().size(), 2u);
  ASSERT_TRUE(a_->core.request(es[2].entry, 0, 0).is_ok());
}

TEST_P(PayloadRequestTest, ConcurrentRequestsInterleaveAndAllComplete) {
  PayloadRequestConfig config;
  config.chunks_per_message = 8;
  chunks_per_message_ = 8;
  make(config);
  std::vector<store::AuthorisedEntry> es;
  std::vector<Bytes> payloads;
  for (int i = 0; i < 6; ++i) {
    payloads.push_back(random_bytes(20000 + 9000 * i, 30 + i));
    es.push_back(request_entry_at("c" + std::to_string(i), payloads.back()));
    put(es.back(), payloads.back());
    ASSERT_TRUE(a_->core.request(es.back().entry, 0, 0).is_ok());
  }
  ASSERT_TRUE(pump(*a_, *b_));
  EXPECT_EQ(b_->core.serving_count(), 6u);
  // The responses alternate between the requests.
  std::vector<std::uint64_t> order;
  for (int i = 0; i < 12; ++i) {
    const auto r = relay_response();
    ASSERT_TRUE(r);
    order.push_back(r->handle);
    EXPECT_LE(r->amount, 8u);
    EXPECT_LE(b_->core.buffer_capacity(), max_response_bytes(8));
    ASSERT_TRUE(deliver_in_flight().is_ok());
  }
  EXPECT_EQ(order, (std::vector<std::uint64_t>{0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5}));
  ASSERT_TRUE(run(Delivery::kStreamed)) << last_status_.to_string();
  const auto ev = events();
  ASSERT_EQ(ev.size(), 6u);
  for (std::size_t i = 0; i < 6; ++i) {
    EXPECT_EQ(ev[i].outcome, PayloadRequestOutcome::kCompleted);
    expect_complete(es[i].entry, payloads[i]);
  }
  EXPECT_TRUE(capacity_ok_);
  EXPECT_LE(max_response_, max_response_bytes(8));
  expect_all_deleted();
}

TEST_P(PayloadRequestTest, AResponderLosingThePayloadMidwayGivesUp) {
  start_small_request("lost", 40);
  const Bytes& payload = payload_;
  const auto& ae = ae_;
  // Two responses go out, then the responder forgets the payload.
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(relay_response());
    ASSERT_TRUE(deliver_in_flight().is_ok());
  }
  const model::Entry& e = ae.entry;
  ASSERT_TRUE(b_->store->forget_payload(e.namespace_id, e.subspace_id, e.path).is_ok());
  ASSERT_TRUE(run()) << last_status_.to_string();
  const auto ev = events();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].outcome, PayloadRequestOutcome::kUnavailable);
  EXPECT_EQ(ev[0].verified_end, 8u * 1024);
  EXPECT_EQ(held_bytes(e), Bytes(payload.begin(), payload.begin() + 8 * 1024));
  expect_all_deleted();
}

TEST_P(PayloadRequestTest, CancelFreesAndIgnoresResponsesInFlight) {
  start_small_request("cancel", 41);
  // A response is in flight when we cancel.
  ASSERT_TRUE(relay_response());
  ASSERT_TRUE(a_->core.cancel(handle_).is_ok());
  ASSERT_TRUE(deliver_in_flight().is_ok());
  ASSERT_TRUE(run()) << last_status_.to_string();
  const auto ev = events();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].outcome, PayloadRequestOutcome::kUnavailable);
  EXPECT_EQ(b_->core.serving_count(), 0u);
  expect_all_deleted();
}

// LCMUX may deliver the global free before channel bytes the peer sent earlier: the outcome
// waits for every response the peer counted.
TEST_P(PayloadRequestTest, AGiveUpWaitsForTheResponsesSentBeforeIt) {
  start_small_request("early_free", 42);
  ASSERT_TRUE(relay_response());  // in flight: Chunks 0-3
  const model::Entry& e = ae_.entry;
  ASSERT_TRUE(b_->store->forget_payload(e.namespace_id, e.subspace_id, e.path).is_ok());
  ASSERT_TRUE(pump(*b_, *a_));  // the give-up free (reference count 1) arrives first
  EXPECT_FALSE(a_->core.poll_event());
  ASSERT_TRUE(deliver_in_flight().is_ok());
  const auto ev = events();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].outcome, PayloadRequestOutcome::kUnavailable);
  EXPECT_EQ(ev[0].verified_end, 4u * 1024);
  EXPECT_EQ(held_bytes(e), Bytes(payload_.begin(), payload_.begin() + 4 * 1024));
  ASSERT_TRUE(run()) << last_status_.to_string();
  expect_all_deleted();
}

// A global free handled between the pieces of a streamed response: the response's bytes are all
// verified, and the record stays for commit_payload_head.
TEST_P(PayloadRequestTest, AFreeBetweenStreamedPiecesWaitsForTheWholeResponse) {
  start_small_request("mid_stream", 43);
  ASSERT_TRUE(relay_response());
  const model::Entry& e = ae_.entry;
  ASSERT_TRUE(b_->store->forget_payload(e.namespace_id, e.subspace_id, e.path).is_ok());
  auto head = decode_payload_head(in_flight_, a_->receive_state, a_->receive_context);
  ASSERT_TRUE(head.is_ok());
  ASSERT_TRUE(a_->core.on_response_head(*head).is_ok());
  const ByteView body = ByteView(in_flight_).subspan(head->header_length);
  ASSERT_TRUE(a_->core.feed_response_bytes(head->handle, body.first(1000)).is_ok());
  ASSERT_TRUE(pump(*b_, *a_));  // the give-up free
  ASSERT_TRUE(pump(*a_, *b_));  // our answering free: the handle is deleted on both sides
  EXPECT_FALSE(a_->core.poll_event());
  ASSERT_TRUE(a_->core.feed_response_bytes(head->handle, body.subspan(1000)).is_ok());
  ASSERT_TRUE(commit_payload_head(*head, a_->receive_state, a_->receive_context).is_ok());
  const auto ev = events();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].outcome, PayloadRequestOutcome::kUnavailable);
  EXPECT_EQ(ev[0].verified_end, 4u * 1024);
  ASSERT_TRUE(run()) << last_status_.to_string();
  expect_all_deleted();
  // The handle is gone: naming it now is an error.
  const Status st = a_->core.on_send_response({handle_, 0, {}});
  EXPECT_EQ(st.code(), ErrorCode::kInvalidArgument);
}

TEST_P(PayloadRequestTest, AFreeOfAHandleNotLiveIsAnError) {
  EXPECT_EQ(
      a_->core.on_resource_handle_free({HandleType::kPayloadRequest, false, 3, 0}, false).code(),
      ErrorCode::kInvalidArgument);
  EXPECT_TRUE(a_->core.failed());
  EXPECT_EQ(
      b_->core.on_resource_handle_free({HandleType::kPayloadRequest, true, 0, 0}, false).code(),
      ErrorCode::kInvalidArgument);
  EXPECT_TRUE(b_->core.failed());
}

TEST_P(PayloadRequestTest, ADiscardedBindingIsFreedAtOnce) {
  ASSERT_TRUE(b_->core.on_bind_request_discarded().is_ok());
  auto m = b_->core.poll_message();
  ASSERT_TRUE(m.is_ok() && m->has_value());
  EXPECT_EQ(std::get<ResourceHandleFree>(**m),
            (ResourceHandleFree{HandleType::kPayloadRequest, false, 0, 0}));
  ASSERT_TRUE(
      b_->core.on_resource_handle_free({HandleType::kPayloadRequest, true, 0, 0}, false).is_ok());
  auto none = b_->core.poll_message();
  ASSERT_TRUE(none.is_ok());
  EXPECT_FALSE(none->has_value());
  EXPECT_EQ(b_->core.peer_book().live(), 0u);
}

}  // namespace
}  // namespace osier::sync
