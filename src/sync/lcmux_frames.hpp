// The nine LCMUX frames and their encoding relations: one encoder and one bounded decoder per
// frame. spec: lcmux#lcmux_spec, lcmux#lcmux_encodings_server, lcmux#lcmux_encodings_client
//
// Every frame starts with one header byte. Server frames (sent by the lcmux_s) begin with bits
// 11, client frames with 10 or 0, so both roles can share one byte stream:
//   1111 cccc  IssueGuaranteesFrame  channel, amount (standalone compact U64)
//   1110 cccc  PleadFrame            channel, target
//   1101 cccc  LimitReceivingFrame   channel, bound
//   1100 cccc  AnnounceDroppingFrame channel
//   1011 cccc  AbsolveFrame          channel, amount
//   1010 cccc  LimitSendingFrame     channel, bound
//   1001 cccc  ApologiseFrame        channel
//   1000 llll  SendGlobalFrame       length, then `length` content bytes
//   0lll cccc  SendChannelFrame      channel, length, then `length` content bytes
// (cccc: 4-bit compact U64 tag of the channel; lll / llll: tag of the length. The channel's
// corresponding bytes come before the length's, although the length's tag comes first.)
//
// Encoders emit the shortest code (minimal tags). Decoders accept every valid code in
// DecodeMode::kAny; kCanonic rejects non-minimal tags as kNonCanonic. A strict prefix of a code
// is kIncomplete; a header byte of the wrong frame kind is kInvalidEncoding. Decoders never
// read past their input and never allocate: frame contents are views into the input.
// Stateless and thread-safe.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <variant>

#include "osier/base/bytes.hpp"
#include "osier/base/codec.hpp"
#include "osier/base/status.hpp"

namespace osier::sync {

// spec: lcmux#IssueGuaranteesFrame
struct IssueGuaranteesFrame {
  std::uint64_t channel = 0;
  std::uint64_t amount = 0;
  bool operator==(const IssueGuaranteesFrame&) const = default;
};
// spec: lcmux#PleadFrame
struct PleadFrame {
  std::uint64_t channel = 0;
  std::uint64_t target = 0;
  bool operator==(const PleadFrame&) const = default;
};
// spec: lcmux#LimitReceivingFrame
struct LimitReceivingFrame {
  std::uint64_t channel = 0;
  std::uint64_t bound = 0;
  bool operator==(const LimitReceivingFrame&) const = default;
};
// spec: lcmux#AnnounceDroppingFrame
struct AnnounceDroppingFrame {
  std::uint64_t channel = 0;
  bool operator==(const AnnounceDroppingFrame&) const = default;
};
// spec: lcmux#AbsolveFrame
struct AbsolveFrame {
  std::uint64_t channel = 0;
  std::uint64_t amount = 0;
  bool operator==(const AbsolveFrame&) const = default;
};
// spec: lcmux#LimitSendingFrame
struct LimitSendingFrame {
  std::uint64_t channel = 0;
  std::uint64_t bound = 0;
  bool operator==(const LimitSendingFrame&) const = default;
};
// spec: lcmux#ApologiseFrame
struct ApologiseFrame {
  std::uint64_t channel = 0;
  bool operator==(const ApologiseFrame&) const = default;
};
// spec: lcmux#SendGlobalFrame (the length is content.size()). `content` is a view: decoded
// frames point into the decoder's input.
struct SendGlobalFrame {
  ByteView content;
  bool operator==(const SendGlobalFrame& o) const { return std::ranges::equal(content, o.content); }
};
// spec: lcmux#SendChannelFrame (the length is content.size()).
struct SendChannelFrame {
  std::uint64_t channel = 0;
  ByteView content;
  bool operator==(const SendChannelFrame& o) const {
    return channel == o.channel && std::ranges::equal(content, o.content);
  }
};

using LcmuxFrame = std::variant<IssueGuaranteesFrame, PleadFrame, LimitReceivingFrame,
                                AnnounceDroppingFrame, AbsolveFrame, LimitSendingFrame,
                                ApologiseFrame, SendGlobalFrame, SendChannelFrame>;

// The frame kinds, in the order of LcmuxFrame's alternatives.
enum class LcmuxFrameKind : std::uint8_t {
  kIssueGuarantees,
  kPlead,
  kLimitReceiving,
  kAnnounceDropping,
  kAbsolve,
  kLimitSending,
  kApologise,
  kSendGlobal,
  kSendChannel,
};

// True for the frames an lcmux_s sends (and an lcmux_c receives).
inline bool is_server_frame(LcmuxFrameKind k) { return k <= LcmuxFrameKind::kAnnounceDropping; }

// A frame without its content: what a streaming reader needs before the content bytes arrive.
// `value` is the amount, target, bound or length (0 for AnnounceDropping and Apologise);
// `channel` is 0 for SendGlobalFrame.
struct LcmuxFrameHeader {
  LcmuxFrameKind kind = LcmuxFrameKind::kIssueGuarantees;
  std::uint64_t channel = 0;
  std::uint64_t value = 0;
  bool operator==(const LcmuxFrameHeader&) const = default;
};

// The longest header: a header byte, 8 channel bytes, and a standalone compact U64 of 9 bytes
// (IssueGuarantees, Plead, LimitReceiving, Absolve, LimitSending); SendChannelFrame's is 17.
inline constexpr std::size_t kMaxLcmuxHeaderLength = 18;

// Decodes any frame's header (everything but SendGlobalFrame's and SendChannelFrame's content,
// whose length is `value`).
Result<LcmuxFrameHeader> decode_lcmux_frame_header(Decoder& dec, DecodeMode mode);
// The shortest code of a header. For the two content-carrying kinds, the content follows.
void encode_lcmux_frame_header(Encoder& enc, const LcmuxFrameHeader& header);

// One encoder per frame (the shortest code).
void encode_frame(Encoder& enc, const IssueGuaranteesFrame& f);
void encode_frame(Encoder& enc, const PleadFrame& f);
void encode_frame(Encoder& enc, const LimitReceivingFrame& f);
void encode_frame(Encoder& enc, const AnnounceDroppingFrame& f);
void encode_frame(Encoder& enc, const AbsolveFrame& f);
void encode_frame(Encoder& enc, const LimitSendingFrame& f);
void encode_frame(Encoder& enc, const ApologiseFrame& f);
void encode_frame(Encoder& enc, const SendGlobalFrame& f);
void encode_frame(Encoder& enc, const SendChannelFrame& f);
void encode_lcmux_frame(Encoder& enc, const LcmuxFrame& f);

// One decoder per frame; a code of another frame kind is kInvalidEncoding.
Result<IssueGuaranteesFrame> decode_issue_guarantees_frame(Decoder& dec, DecodeMode mode);
Result<PleadFrame> decode_plead_frame(Decoder& dec, DecodeMode mode);
Result<LimitReceivingFrame> decode_limit_receiving_frame(Decoder& dec, DecodeMode mode);
Result<AnnounceDroppingFrame> decode_announce_dropping_frame(Decoder& dec, DecodeMode mode);
Result<AbsolveFrame> decode_absolve_frame(Decoder& dec, DecodeMode mode);
Result<LimitSendingFrame> decode_limit_sending_frame(Decoder& dec, DecodeMode mode);
Result<ApologiseFrame> decode_apologise_frame(Decoder& dec, DecodeMode mode);
Result<SendGlobalFrame> decode_send_global_frame(Decoder& dec, DecodeMode mode);
Result<SendChannelFrame> decode_send_channel_frame(Decoder& dec, DecodeMode mode);
// Any frame, by its header byte.
Result<LcmuxFrame> decode_lcmux_frame(Decoder& dec, DecodeMode mode);

LcmuxFrameKind frame_kind(const LcmuxFrame& f);

}  // namespace osier::sync
