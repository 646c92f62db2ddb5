// A scripted sync peer for hostile-peer tests and the session fuzzer: PIO runs honestly (a real
// PioCore), everything else is what the script sends, encoded with the peer's own codec state
// (CodecState and PioCodecContext) over its own LCMUX session. It decodes what the other side
// sends back: PIO messages go to its core, the others are kept in `received`.
// No gtest here: fuzz/sync_session_fuzz.cpp uses it too.
#pragma once

#include <array>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "sync/lcmux_session.hpp"
#include "sync/message_codec.hpp"
#include "sync/pio.hpp"
#include "sync/pio_codec_context.hpp"
// By its own directory: the fuzz targets include this header by path, without tests/ on the
// include path.
#include "pio_test_util.hpp"

namespace osier::sync::testing {

class ScriptedPeer {
 public:
  // `role`: the peer's (its PioCore's config.role).
  ScriptedPeer(PioCore pio, SyncRole role, LcmuxSession mux)
      : mux_(std::move(mux)),
        pio_(std::move(pio)),
        send_context_(pio_, true),
        receive_context_(pio_, false),
        send_state_(role),
        receive_state_(role == SyncRole::kAlfie ? SyncRole::kBetty : SyncRole::kAlfie) {}

  // Encodes `m` with the peer's state and queues it on its channel (or as a global message).
  Status send(const SyncMessage& m) {
    Encoder enc;
    OSIER_RETURN_IF_ERROR(encode_sync_message(enc, m, send_state_, send_context_));
    const auto channel = message_channel(message_kind(m));
    if (!channel) return mux_.send_global(enc.bytes());
    return mux_.send_channel(static_cast<std::uint64_t>(*channel), enc.bytes());
  }

  // Sends what PIO has to say and collects its overlaps; true if it sent anything.
  Result<bool> pump_pio() {
    bool sent = false;
    while (auto m = pio_.poll_message()) {
      OSIER_RETURN_IF_ERROR(send(std::visit([](const auto& x) { return SyncMessage(x); }, *m)));
      sent = true;
    }
    while (auto e = pio_.poll_event()) overlaps.push_back(*e);
    return sent;
  }

  Bytes take_output() { return mux_.take_output(); }

  // The other side's bytes: into LCMUX, then (with `read`) decoded. Without reading, the peer's
  // LCMUX grants no more room once its buffers are full.
  Status feed(ByteView bytes, bool read = true) {
    OSIER_RETURN_IF_ERROR(mux_.feed(bytes, [](ByteView) { return Status::ok(); }));
    return read ? receive() : Status::ok();
  }

  const PioCore& pio() const { return pio_; }

  std::vector<PioOverlapEvent> overlaps;
  std::vector<SyncMessage> received;  // the other side's non-PIO messages

 private:
  Status receive() {
    // Binding channels first (docs/spec-notes.md, "Session: message order across channels").
    for (const LogicalChannel c : {LogicalChannel::kOverlap, LogicalChannel::kCapability,
                                   LogicalChannel::kReconciliation, LogicalChannel::kData}) {
      const auto ci = static_cast<std::size_t>(c);
      const Bytes got = mux_.read(ci, mux_.readable(ci));
      Bytes& in = input_[ci];
      in.insert(in.end(), got.begin(), got.end());
      std::size_t pos = 0;
      while (pos < in.size()) {
        Decoder dec(ByteView(in).subspan(pos));
        auto m = decode_channel_message(c, dec, receive_state_, receive_context_);
        if (!m && m.status().code() == ErrorCode::kIncomplete) break;
        if (!m) return m.status();
        pos += dec.position();
        if (c == LogicalChannel::kOverlap || c == LogicalChannel::kCapability) {
          OSIER_RETURN_IF_ERROR(deliver(pio_, *m));
        } else {
          received.push_back(std::move(*m));
        }
      }
      in.erase(in.begin(), in.begin() + static_cast<std::ptrdiff_t>(pos));
    }
    return Status::ok();
  }

  LcmuxSession mux_;
  PioCore pio_;
  PioCodecContext send_context_;
  PioCodecContext receive_context_;
  CodecState send_state_;
  CodecState receive_state_;
  std::array<Bytes, kLogicalChannelCount> input_;
};

}  // namespace osier::sync::testing
