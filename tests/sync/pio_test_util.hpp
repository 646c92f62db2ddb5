// Two PIO cores wired through the real message encoders and decoders: a CodecContext over a core
// (one per direction, as a session would have) and a pump that moves messages both ways until
// both sides are quiet.
#pragma once

#include <deque>
#include <vector>

#include "sync/message_codec.hpp"
#include "sync/pio.hpp"
#include "sync/pio_codec_context.hpp"

namespace osier::sync::testing {

// The CodecContext of one direction of one side: encoding our messages or decoding the peer's.
using PioContext = PioCodecContext;

// Feeds one decoded PIO message to a core.
inline Status deliver(PioCore& to, const SyncMessage& m) {
  if (const auto* h = std::get_if<PioBindHash>(&m)) return to.on_bind_hash(*h);
  if (const auto* a = std::get_if<PioAnnounceOverlap>(&m)) return to.on_announce_overlap(*a);
  if (const auto* c = std::get_if<PioBindReadCapability>(&m)) {
    return to.on_bind_read_capability(*c);
  }
  return error(ErrorCode::kInvalidArgument, "not a PIO message");
}

// Encodes `m` as `from` would and decodes it as `to` would, then delivers it.
inline Status transfer(const PioCore& from, PioCore& to, const PioMessage& pm) {
  const SyncMessage m = std::visit([](const auto& x) { return SyncMessage(x); }, pm);
  PioContext enc_ctx(from, true);
  PioContext dec_ctx(to, false);
  CodecState enc_state(SyncRole::kAlfie);
  CodecState dec_state(SyncRole::kAlfie);
  Encoder enc;
  OSIER_RETURN_IF_ERROR(encode_sync_message(enc, m, enc_state, enc_ctx));
  const std::optional<LogicalChannel> channel = message_channel(message_kind(m));
  Result<SyncMessage> decoded = SyncMessage(PioBindHash{});
  if (channel) {
    Decoder dec(enc.bytes());
    decoded = decode_channel_message(*channel, dec, dec_state, dec_ctx);
    if (decoded.is_ok() && !dec.at_end()) {
      return error(ErrorCode::kInvalidEncoding, "bytes left after the message");
    }
  } else {
    decoded = decode_global_message(enc.bytes(), dec_ctx);
  }
  if (!decoded.is_ok()) return decoded.status();
  return deliver(to, *decoded);
}

// Moves messages between the two cores until neither has any; the first error ends it.
inline Status pump(PioCore& a, PioCore& b, std::size_t* messages = nullptr) {
  for (;;) {
    bool moved = false;
    while (auto m = a.poll_message()) {
      moved = true;
      if (messages != nullptr) ++*messages;
      OSIER_RETURN_IF_ERROR(transfer(a, b, *m));
    }
    while (auto m = b.poll_message()) {
      moved = true;
      if (messages != nullptr) ++*messages;
      OSIER_RETURN_IF_ERROR(transfer(b, a, *m));
    }
    if (!moved) return Status::ok();
  }
}

// As pump, but one message at a time from a side chosen by `rng` (each direction keeps its
// order, as on one LCMUX stream; the two directions interleave arbitrarily).
template <typename Rng>
Status pump_interleaved(PioCore& a, PioCore& b, Rng& rng) {
  std::deque<PioMessage> from_a;
  std::deque<PioMessage> from_b;
  for (;;) {
    while (auto m = a.poll_message()) from_a.push_back(std::move(*m));
    while (auto m = b.poll_message()) from_b.push_back(std::move(*m));
    if (from_a.empty() && from_b.empty()) return Status::ok();
    const bool take_a = from_b.empty() || (!from_a.empty() && rng() % 2 == 0);
    std::deque<PioMessage>& q = take_a ? from_a : from_b;
    const PioMessage m = std::move(q.front());
    q.pop_front();
    OSIER_RETURN_IF_ERROR(take_a ? transfer(a, b, m) : transfer(b, a, m));
  }
}

inline std::vector<PioOverlapEvent> drain_events(PioCore& core) {
  std::vector<PioOverlapEvent> out;
  while (auto e = core.poll_event()) out.push_back(*e);
  return out;
}

}  // namespace osier::sync::testing
