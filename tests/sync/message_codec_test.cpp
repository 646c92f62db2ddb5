// The Confidential Sync message codec: random message sequences through both sides' states
// (round trip, random valid codes, exact consumption, strict prefixes, states in step, shortest
// codes), hand-written codes that pin each bit layout to the spec, and the rejections the spec
// and SPEC-NOTES Sync 10-17 demand.
#include "sync/message_codec.hpp"

#include <gtest/gtest.h>

#include "osier/base/hex.hpp"
#include "sync/message_test_util.hpp"

namespace osier::sync {
namespace {

using testing::MapContext;
using testing::MessageRandom;
using testing::RandomChooser;

// Decodes one message of `kind` with the decoder a receiver uses: the channel's dispatcher, or
// for global messages the kind's own decoder (a frame's content is complete, so
// decode_global_message turns truncation into an error; the per-kind decoders say kIncomplete).
Result<SyncMessage> decode_one(SyncMessageKind kind, Decoder& dec, CodecState& state,
                               CodecContext& context) {
  if (auto channel = message_channel(kind))
    return decode_channel_message(*channel, dec, state, context);
  auto lift = [](auto r) -> Result<SyncMessage> {
    if (!r.is_ok()) return r.status();
    return SyncMessage{std::move(r).value()};
  };
  switch (kind) {
    case SyncMessageKind::kPioAnnounceOverlap:
      return lift(decode_pio_announce_overlap(dec, context));
    case SyncMessageKind::kDataSetEagerness:
      return lift(decode_data_set_eagerness(dec));
    default:
      return lift(decode_resource_handle_free(dec));
  }
}

void check_sequence(SyncRole sender_role, std::uint64_t seed, int count) {
  MapContext sender_context;
  MapContext receiver_context;
  MessageRandom gen(seed, sender_context, receiver_context);
  RandomChooser chooser(seed + 7);
  CodecState sender(sender_role);  // the sender's mirror of the receiver's state
  CodecState receiver(sender_role);
  std::size_t kinds_seen[kSyncMessageKindCount] = {};
  std::size_t entry_modes_seen[2] = {};  // ReconciliationSendEntry: in the range, relative
  for (int i = 0; i < count; ++i) {
    const SyncMessage msg = gen.message(sender);
    const SyncMessageKind kind = message_kind(msg);
    ++kinds_seen[static_cast<std::size_t>(kind)];
    SCOPED_TRACE(std::string("message ") + std::to_string(i) + " " + message_kind_name(kind));
    CodeChooser* choice = i % 3 == 0 ? nullptr : &chooser;

    // The shortest code, from copies of the sender's side.
    CodecState shortest_state = sender;
    MapContext shortest_context = sender_context;
    Encoder shortest;
    ASSERT_TRUE(encode_sync_message(shortest, msg, shortest_state, shortest_context).is_ok());

    Encoder enc;
    const Status st = encode_sync_message(enc, msg, sender, sender_context, choice);
    ASSERT_TRUE(st.is_ok()) << st.to_string();
    const Bytes code = enc.bytes();
    SCOPED_TRACE("code " + to_hex(ByteView(code).first(std::min<std::size_t>(code.size(), 64))));
    EXPECT_LE(shortest.size(), code.size());
    if (kind == SyncMessageKind::kReconciliationSendEntry) ++entry_modes_seen[(code[0] >> 4) & 1];
    EXPECT_TRUE(shortest_state == sender);

    // Every strict prefix is incomplete and changes nothing.
    const CodecState before = receiver;
    const auto transfers_before = receiver_context.transfers;
    const std::size_t step = std::max<std::size_t>(1, code.size() / 48);
    for (std::size_t n = 0; n < code.size(); n += step) {
      Decoder pdec(ByteView(code).first(n));
      Result<SyncMessage> p = decode_one(kind, pdec, receiver, receiver_context);
      ASSERT_FALSE(p.is_ok()) << "prefix of length " << n << " decoded";
      ASSERT_EQ(p.status().code(), ErrorCode::kIncomplete)
          << "prefix " << n << ": " << p.status().to_string();
    }
    ASSERT_TRUE(receiver == before);
    ASSERT_TRUE(receiver_context.transfers == transfers_before);

    // The code decodes to the message, consuming exactly the code.
    Bytes padded = code;
    padded.push_back(0xa5);
    padded.push_back(0x00);
    Decoder dec(padded);
    Result<SyncMessage> back = decode_one(kind, dec, receiver, receiver_context);
    ASSERT_TRUE(back.is_ok()) << back.status().to_string();
    EXPECT_TRUE(*back == msg);
    EXPECT_EQ(dec.position(), code.size());
    if (!message_channel(kind)) {
      MapContext copy = receiver_context;
      Result<SyncMessage> global = decode_global_message(code, copy);
      ASSERT_TRUE(global.is_ok()) << global.status().to_string();
      EXPECT_TRUE(*global == msg);
    }
    // Both sides' states stay equal.
    ASSERT_TRUE(receiver == sender);
    ASSERT_TRUE(receiver_context.transfers == sender_context.transfers);
  }
  for (std::size_t k = 0; k < kSyncMessageKindCount; ++k) {
    EXPECT_GT(kinds_seen[k], 0u) << message_kind_name(static_cast<SyncMessageKind>(k));
  }
  EXPECT_GT(entry_modes_seen[0], 0u);
  EXPECT_GT(entry_modes_seen[1], 0u);
}

TEST(MessageCodec, LongRandomSequencesKeepBothSidesInStep) {
  check_sequence(SyncRole::kAlfie, 1, 1500);
  check_sequence(SyncRole::kBetty, 2, 1500);
}

TEST(MessageCodec, RootMessageIdsCountByTwoFromEachPeersStart) {
  MapContext ctx;
  for (SyncRole role : {SyncRole::kAlfie, SyncRole::kBetty}) {
    CodecState s(role);
    const std::uint64_t first = role == SyncRole::kAlfie ? 1 : 2;
    ReconciliationSendFingerprint root{{std::nullopt, model::D3Range::full(), 0, 0}, {}};
    ReconciliationSendFingerprint reply{{first, model::D3Range::full(), 0, 0}, {}};
    ReconciliationAnnounceEntries root_ann{{std::nullopt, model::D3Range::full(), 0, 0}, true};
    Encoder enc;
    ASSERT_TRUE(encode_reconciliation_send_fingerprint(enc, root, s).is_ok());
    EXPECT_EQ(s.last_root_message_id, first);
    ASSERT_TRUE(encode_reconciliation_send_fingerprint(enc, reply, s).is_ok());
    EXPECT_EQ(s.last_root_message_id, first);  // a reply takes no id
    ASSERT_TRUE(encode_reconciliation_announce_entries(enc, root_ann, s, ctx).is_ok());
    EXPECT_EQ(s.last_root_message_id, first + 2);
    EXPECT_EQ(s.next_root_message_id, first + 4);
  }
}

// --- Hand-written codes (each from the spec's bit tables, independent of the encoders).

Bytes hex(const char* h) { return from_hex(h).value(); }

template <typename T>
void expect_code(const Bytes& code, const SyncMessage& want, LogicalChannel channel,
                 CodecState& state, MapContext& ctx) {
  SCOPED_TRACE("code " + to_hex(code));
  Decoder dec(code);
  Result<SyncMessage> r = decode_channel_message(channel, dec, state, ctx);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  ASSERT_TRUE(std::holds_alternative<T>(*r));
  EXPECT_TRUE(*r == want);
  EXPECT_TRUE(dec.at_end());
}

TEST(MessageCodecLayout, ResourceHandleFree) {
  MapContext ctx;
  // 1 | 10 PayloadRequestHandle | mine | id tag 00 (1 byte) | count tag 01 (2 bytes)
  const ResourceHandleFree want{HandleType::kPayloadRequest, true, 5, 300};
  auto r = decode_global_message(hex("d105012c"), ctx);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_TRUE(*r == SyncMessage{want});
  Encoder enc;
  ASSERT_TRUE(encode_resource_handle_free(enc, want).is_ok());
  EXPECT_EQ(to_hex(enc.bytes()), "d105012c");
  // A non-shortest code: the id in 8 bytes.
  r = decode_global_message(hex("dd0000000000000005012c"), ctx);
  ASSERT_TRUE(r.is_ok());
  EXPECT_TRUE(*r == SyncMessage{want});
  // SPEC-NOTES Sync 10: 00 Overlap, 01 ReadCapability; 11 is an error.
  r = decode_global_message(hex("800000"), ctx);
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(std::get<ResourceHandleFree>(*r).handle_type, HandleType::kOverlap);
  r = decode_global_message(hex("a00000"), ctx);
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(std::get<ResourceHandleFree>(*r).handle_type, HandleType::kReadCapability);
  r = decode_global_message(hex("e00000"), ctx);
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidEncoding);
}

TEST(MessageCodecLayout, DataSetEagernessAndPioAnnounceOverlap) {
  MapContext ctx;
  // 01 | set_eager | sender tag 00 (1 byte) | receiver tag 011 (the value 3, no bytes)
  auto r = decode_global_message(hex("6302"), ctx);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_TRUE((*r == SyncMessage{DataSetEagerness{2, 3, true}}));
  // 00 | no enumeration capability | sender tag 01 (2 bytes) | receiver tag 100 (1 byte)
  Bytes code = hex("0c0102ff");
  InterestHash auth{};
  auth.fill(0x77);
  code.insert(code.end(), auth.begin(), auth.end());
  r = decode_global_message(code, ctx);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_TRUE((*r == SyncMessage{PioAnnounceOverlap{0x0102, 0xff, auth, std::nullopt}}));
}

TEST(MessageCodecLayout, PioBindHashIgnoresItsArbitraryBits) {
  CodecState s(SyncRole::kAlfie);
  MapContext ctx;
  Bytes code = hex("d5");  // actually_interested, then 7 arbitrary bits
  InterestHash h{};
  h.fill(0x31);
  code.insert(code.end(), h.begin(), h.end());
  expect_code<PioBindHash>(code, PioBindHash{h, true}, LogicalChannel::kOverlap, s, ctx);
}

TEST(MessageCodecLayout, PioBindReadCapabilityEncodesMaxSizePlusOne) {
  meadowcap::testing::McRandom mc(5);
  const meadowcap::McCapability cap = mc.capability(meadowcap::AccessMode::kRead, 1);
  MapContext ctx;
  ctx.read_capability_refs[{0, 0}] = testing::interest_for(cap, mc);
  for (std::uint64_t max_size : {~std::uint64_t{0}, std::uint64_t{0}}) {
    Encoder enc;
    ASSERT_TRUE(encode_pio_bind_read_capability(enc, {0, 0, cap, 0, max_size, 9}, ctx).is_ok());
    // four 1-byte fields, then max_payload_power
    EXPECT_EQ(enc.bytes()[0], 0x00);
    EXPECT_EQ(enc.bytes()[4], max_size == 0 ? 0x01 : 0x00);
    EXPECT_EQ(enc.bytes()[5], 9);
  }
}

TEST(MessageCodecLayout, ReconciliationHeaders) {
  MapContext ctx;
  CodecState s(SyncRole::kAlfie);
  // SendFingerprint: root tag 0000 (none), sender tag 00, receiver tag 00; then 1, 2.
  Encoder enc;
  ASSERT_TRUE(encode_reconciliation_send_fingerprint(
                  enc, {{std::nullopt, model::D3Range::full(), 1, 2}, {}}, s)
                  .is_ok());
  EXPECT_EQ(to_hex(ByteView(enc.bytes()).first(3)), "000102");
  // AnnounceEntries: 000 | is_empty | want_response | will_sort | root tag 00 (1 byte),
  // sender tag 0001 (the value 1), receiver tag 1100 (1 byte); then 7, 12.
  Encoder ann;
  ASSERT_TRUE(encode_reconciliation_announce_entries(
                  ann, {{7, model::D3Range::full(), 1, 12}, true, false, true}, s, ctx)
                  .is_ok());
  EXPECT_EQ(to_hex(ByteView(ann.bytes()).first(4)), "141c070c");
  // TerminatePayload: 011 | is_final | 4 arbitrary bits.
  s.reconciliation_phase = ReconciliationPhase::kInEntry;
  expect_code<ReconciliationTerminatePayload>(hex("7a"), ReconciliationTerminatePayload{true},
                                              LogicalChannel::kData, s, ctx);
  EXPECT_EQ(s.reconciliation_phase, ReconciliationPhase::kIdle);
}

TEST(MessageCodecLayout, PayloadMessages) {
  MapContext ctx;
  ctx.transfers[0] = PayloadCursor{0, 0};
  CodecState s(SyncRole::kBetty);
  // DataSendPayload of the initial data_current_entry (the empty payload: one empty Chunk):
  // 101 | amount tag 00001 (the value 1), no bytes.
  expect_code<DataSendPayload>(hex("a1"), DataSendPayload{1, {}}, LogicalChannel::kData, s, ctx);
  // PayloadRequestSendResponse: 11 | handle tag 00 (1 byte) | amount tag 0001; handle 0.
  expect_code<PayloadRequestSendResponse>(hex("c100"), PayloadRequestSendResponse{0, 1, {}},
                                          LogicalChannel::kData, s, ctx);
  EXPECT_EQ(ctx.transfers[0].next_chunk, 1u);
  // A payload of 5000 bytes (5 chunks; the root's left subtree has 4): Chunk 0 is the labels
  // of the root's right child, of node [0, 4)'s right child and of both children of node
  // [0, 2) (leaf-level left labels are kept, layers 1 and 2 are not), then data chunk 0;
  // Chunk 1 is data chunk 1 alone.
  s.data_payload = PayloadCursor{5000, 0};
  Bytes code = hex("a2");
  code.resize(1 + 4 * 32 + 1024 + 1024);
  Decoder dec(code);
  auto r = decode_data_send_payload(dec, s);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(r->bytes.size(), 4u * 32 + 1024 + 1024);
  EXPECT_EQ(s.data_payload.next_chunk, 2u);
}

// Codec review item 4: a session that streams payload bytes decodes the head, consumes the
// bytes itself and commits the head; the next message's length then follows from Chunk 2 (two
// labels, then data chunk 2), as after the whole-message decoder.
TEST(MessageCodecLayout, StreamedPayloadHeadsAdvanceTheCursorWhenCommitted) {
  MapContext ctx;
  ctx.transfers[0] = PayloadCursor{5000, 0};
  CodecState s(SyncRole::kBetty);
  s.data_payload = PayloadCursor{5000, 0};
  const Bytes first = hex("a2");
  auto head = decode_payload_head(first, s, ctx);
  ASSERT_TRUE(head.is_ok()) << head.status().to_string();
  EXPECT_EQ(head->kind, SyncMessageKind::kDataSendPayload);
  EXPECT_EQ(head->header_length, 1u);
  EXPECT_EQ(head->length, 4u * 32 + 1024 + 1024);
  EXPECT_EQ(s.data_payload.next_chunk, 0u);  // the head alone changes nothing
  ASSERT_TRUE(commit_payload_head(*head, s, ctx).is_ok());
  EXPECT_EQ(s.data_payload.next_chunk, 2u);
  auto next = decode_payload_head(hex("a1"), s, ctx);
  ASSERT_TRUE(next.is_ok());
  EXPECT_EQ(next->length, 2u * 32 + 1024);
  // A response's cursor lives in the context.
  auto response = decode_payload_head(hex("c300"), s, ctx);
  ASSERT_TRUE(response.is_ok()) << response.status().to_string();
  EXPECT_EQ(response->kind, SyncMessageKind::kPayloadRequestSendResponse);
  EXPECT_EQ(response->length, 6u * 32 + 3 * 1024);  // Chunks 0, 1, 2
  ASSERT_TRUE(commit_payload_head(*response, s, ctx).is_ok());
  EXPECT_EQ(ctx.transfers[0].next_chunk, 3u);
  // A head that does not follow from the state changes nothing.
  PayloadHead stale = *response;
  stale.handle = 7;  // no such transfer
  EXPECT_FALSE(commit_payload_head(stale, s, ctx).is_ok());
  PayloadHead reconciliation = *head;
  reconciliation.kind = SyncMessageKind::kReconciliationSendPayload;  // not inside an entry
  EXPECT_FALSE(commit_payload_head(reconciliation, s, ctx).is_ok());
  EXPECT_EQ(s.data_payload.next_chunk, 2u);
  EXPECT_EQ(ctx.transfers[0].next_chunk, 3u);
}

TEST(MessageCodecLayout, PayloadRequestBindRequest) {
  CodecState s(SyncRole::kAlfie);
  MapContext ctx;
  // sender tag 0011 (the value 3), receiver tag 1100 (1 byte): 200; then the ids, path, digest.
  Bytes code = hex("3cc8");
  Bytes ids(96, 0);
  ids[0] = 1;
  ids[32] = 2;
  code.insert(code.end(), ids.begin(), ids.begin() + 64);
  code.push_back(0x00);  // the empty path: 0 components, total length 0
  code.insert(code.end(), ids.begin() + 64, ids.end());
  PayloadRequestBindRequest want;
  want.namespace_id[0] = 1;
  want.subspace_id[0] = 2;
  want.sender_handle = 3;
  want.receiver_handle = 200;
  expect_code<PayloadRequestBindRequest>(code, want, LogicalChannel::kPayloadRequest, s, ctx);
}

// --- Rejections

void expect_status(const Status& st, ErrorCode code) {
  ASSERT_FALSE(st.is_ok());
  EXPECT_EQ(st.code(), code) << st.to_string();
}
template <typename T>
void expect_status(const Result<T>& r, ErrorCode code) {
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), code) << r.status().to_string();
}

TEST(MessageCodecRejects, RootIdZeroCannotBeEncoded) {
  CodecState s(SyncRole::kAlfie);
  Encoder enc;
  expect_status(
      encode_reconciliation_send_fingerprint(enc, {{0, model::D3Range::full(), 0, 0}, {}}, s),
      ErrorCode::kInvalidArgument);
  EXPECT_EQ(enc.size(), 0u);
}

TEST(MessageCodecRejects, ReconciliationMessagesOutOfPhase) {
  MapContext ctx;
  CodecState s(SyncRole::kAlfie);
  testing::MessageRandom gen(3, ctx, ctx);
  const CodecState initial = s;
  Encoder enc;
  // Entries, payloads and terminations need an open announcement.
  expect_status(encode_reconciliation_send_entry(enc, {{gen.authorised_entry(), 0}, 0}, s),
                ErrorCode::kInvalidArgument);
  expect_status(encode_reconciliation_terminate_payload(enc, {true}, s),
                ErrorCode::kInvalidArgument);
  expect_status(encode_reconciliation_send_payload(enc, {0, {}}, s), ErrorCode::kInvalidArgument);
  for (const char* hex_code : {"30", "40", "70"}) {
    const Bytes code = hex(hex_code);
    Decoder dec(code);
    expect_status(decode_channel_message(LogicalChannel::kData, dec, s, ctx),
                  ErrorCode::kInvalidArgument);
  }
  EXPECT_TRUE(s == initial);
  // While entries are due, no new announcement.
  s.reconciliation_phase = ReconciliationPhase::kAwaitEntry;
  expect_status(encode_reconciliation_announce_entries(
                    enc, {{std::nullopt, model::D3Range::full(), 0, 0}}, s, ctx),
                ErrorCode::kInvalidArgument);
  const Bytes dec_code = hex("0000000000");
  Decoder dec(dec_code);
  expect_status(decode_channel_message(LogicalChannel::kData, dec, s, ctx),
                ErrorCode::kInvalidArgument);
  // An entry in the namespace of an announcement whose handles were not bound.
  s.announced_namespace.reset();
  const Bytes in_range_code = hex("2000000000");
  Decoder in_range(in_range_code);
  expect_status(decode_reconciliation_send_entry(in_range, s), ErrorCode::kInvalidArgument);
}

TEST(MessageCodecRejects, PayloadBeyondItsChunksAndMismatchedBytes) {
  MapContext ctx;
  CodecState s(SyncRole::kAlfie);
  // The initial data_current_entry has one (empty) Chunk.
  const Bytes two_code = hex("a2");
  Decoder two(two_code);
  expect_status(decode_data_send_payload(two, s), ErrorCode::kInvalidArgument);
  Encoder enc;
  const Bytes one_byte = {1};
  expect_status(encode_data_send_payload(enc, {1, one_byte}, s), ErrorCode::kInvalidArgument);
  s.data_payload.next_chunk = 1;
  expect_status(encode_data_send_payload(enc, {1, {}}, s), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(encode_data_send_payload(enc, {0, {}}, s).is_ok());  // amount 0 is always fine
  // A response for no live PayloadRequestHandle.
  expect_status(encode_payload_request_send_response(enc, {9, 0, {}}, ctx),
                ErrorCode::kInvalidArgument);
  const Bytes resp_code = hex("c009");
  Decoder resp(resp_code);
  expect_status(decode_payload_request_send_response(resp, ctx), ErrorCode::kInvalidArgument);
}

TEST(MessageCodecRejects, GlobalFramesHoldExactlyOneMessage) {
  MapContext ctx;
  expect_status(decode_global_message(hex("63026302"), ctx), ErrorCode::kInvalidEncoding);
  expect_status(decode_global_message(hex("d10501"), ctx), ErrorCode::kInvalidEncoding);
  expect_status(decode_global_message({}, ctx), ErrorCode::kInvalidEncoding);
}

TEST(MessageCodecRejects, AMessageOfAnotherKind) {
  CodecState s(SyncRole::kAlfie);
  MapContext ctx;
  const Bytes a_code = hex("a1");
  Decoder a(a_code);
  expect_status(decode_data_send_entry(a, s), ErrorCode::kInvalidEncoding);
  const Bytes b_code = hex("80");
  Decoder b(b_code);
  expect_status(decode_reconciliation_send_payload(b, s), ErrorCode::kInvalidEncoding);
  const Bytes c_code = hex("6302");
  Decoder c(c_code);
  expect_status(decode_pio_announce_overlap(c, ctx), ErrorCode::kInvalidEncoding);
  const Bytes d_code = hex("0c");
  Decoder d(d_code);
  expect_status(decode_resource_handle_free(d), ErrorCode::kInvalidEncoding);
}

TEST(MessageCodec, GarbageNeverCrashesAndWhatDecodesReencodes) {
  std::mt19937_64 rng(99);
  for (int i = 0; i < 20000; ++i) {
    Bytes garbage(rng() % 80);
    for (auto& x : garbage) x = static_cast<std::uint8_t>(rng());
    const auto channel = static_cast<LogicalChannel>(rng() % kLogicalChannelCount);
    CodecState s(SyncRole::kAlfie);
    s.reconciliation_phase = static_cast<ReconciliationPhase>(rng() % 3);
    MapContext ctx;
    ctx.transfers[0] = PayloadCursor{rng() % 5000, 0};
    const CodecState before = s;
    const MapContext ctx_before = ctx;
    Decoder dec(garbage);
    Result<SyncMessage> r = decode_channel_message(channel, dec, s, ctx);
    if (!r.is_ok()) {
      EXPECT_TRUE(s == before);
      continue;
    }
    CodecState enc_state = before;
    MapContext enc_ctx = ctx_before;
    Encoder enc;
    ASSERT_TRUE(encode_sync_message(enc, *r, enc_state, enc_ctx).is_ok()) << to_hex(garbage);
    EXPECT_LE(enc.size(), dec.position());
    EXPECT_TRUE(enc_state == s);
  }
}

}  // namespace
}  // namespace osier::sync
