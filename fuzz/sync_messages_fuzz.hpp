// Shared by the Confidential Sync message fuzz targets (sync_msg_*_fuzz.cpp): a random decoder
// state and context from the front of the input, then a stream of messages on one of the
// target's sources (a logical channel, or one global frame) from the rest. For every message that
// decodes: a failed decode changed nothing; re-encoding it from the state before gives the same
// state after, a code no longer than the one read, and a code that decodes to the same message.
#pragma once

#include <cstdlib>
#include <initializer_list>
#include <map>
#include <optional>
#include <vector>

#include "fuzz_codec.hpp"
#include "sync/message_codec.hpp"

namespace osier::fuzz {

// Answers from values drawn once from the input (the same for every handle pair).
class FuzzContext : public sync::CodecContext {
 public:
  explicit FuzzContext(FuzzValues& v) {
    ppi_.private_interest.namespace_id = v.id();
    if (v.coin()) ppi_.private_interest.subspace_id = v.id();
    ppi_.private_interest.path = v.path();
    ppi_.user = v.id();
    enumeration_ = {v.id(), v.id()};
    if (v.coin()) namespace_ = v.id();
    const std::size_t n = v.byte() % 4;
    for (std::size_t i = 0; i < n; ++i) transfers[i] = {v.number(), v.number() % 8};
  }

  Result<meadowcap::EnumerationCapabilityContext> enumeration_capability_reference(
      std::uint64_t, std::uint64_t) override {
    return enumeration_;
  }
  Result<meadowcap::PersonalPrivateInterest> read_capability_reference(std::uint64_t,
                                                                       std::uint64_t) override {
    return ppi_;
  }
  std::optional<model::NamespaceId> announced_namespace(std::uint64_t, std::uint64_t) override {
    return namespace_;
  }
  sync::PayloadCursor* payload_request(std::uint64_t handle) override {
    auto it = transfers.find(handle);
    return it == transfers.end() ? nullptr : &it->second;
  }

  std::map<std::uint64_t, sync::PayloadCursor> transfers;

 private:
  meadowcap::PersonalPrivateInterest ppi_;
  meadowcap::EnumerationCapabilityContext enumeration_;
  std::optional<model::NamespaceId> namespace_;
};

// A source of messages: a logical channel, or (nullopt) one SendGlobalFrame's content.
using MessageSource = std::optional<sync::LogicalChannel>;

inline Result<sync::SyncMessage> decode_from(const MessageSource& source, ByteView bytes,
                                             std::size_t& consumed, sync::CodecState& state,
                                             FuzzContext& context) {
  if (!source) {
    consumed = bytes.size();
    return sync::decode_global_message(bytes, context);
  }
  Decoder dec(bytes);
  Result<sync::SyncMessage> r = sync::decode_channel_message(*source, dec, state, context);
  consumed = dec.position();
  return r;
}

inline void run_message_fuzz(ByteView data, std::initializer_list<MessageSource> sources) {
  FuzzValues v(data);
  const MessageSource source = *(sources.begin() + v.byte() % sources.size());
  sync::CodecState state(v.coin() ? sync::SyncRole::kAlfie : sync::SyncRole::kBetty);
  state.reconciliation_phase = static_cast<sync::ReconciliationPhase>(v.byte() % 3);
  if (v.coin()) state.announced_namespace = v.id();
  state.previously_received_fingerprint_3drange = v.d3_range();
  state.previously_received_itemset_3drange = v.d3_range();
  state.reconciliation_payload = {v.number(), v.number() % 8};
  state.data_payload = {v.number(), v.number() % 8};
  FuzzContext context(v);
  ByteView rest = v.rest();
  for (int i = 0; i < 64 && !rest.empty(); ++i) {
    const sync::CodecState before = state;
    const FuzzContext context_before = context;
    std::size_t consumed = 0;
    Result<sync::SyncMessage> msg = decode_from(source, rest, consumed, state, context);
    if (!msg.is_ok()) {
      if (!(state == before) || context.transfers != context_before.transfers) std::abort();
      return;
    }
    if (consumed > rest.size()) std::abort();
    sync::CodecState enc_state = before;
    FuzzContext enc_context = context_before;
    Encoder enc;
    if (!sync::encode_sync_message(enc, *msg, enc_state, enc_context).is_ok()) std::abort();
    if (!(enc_state == state) || enc_context.transfers != context.transfers) std::abort();
    if (enc.size() > consumed) std::abort();
    sync::CodecState again_state = before;
    FuzzContext again_context = context_before;
    std::size_t again_consumed = 0;
    Result<sync::SyncMessage> again =
        decode_from(source, enc.bytes(), again_consumed, again_state, again_context);
    if (!again.is_ok() || !(*again == *msg) || again_consumed != enc.size()) std::abort();
    if (!source) return;  // a global frame holds one message
    rest = rest.subspan(consumed);
  }
}

}  // namespace osier::fuzz
