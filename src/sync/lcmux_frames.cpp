#include "sync/lcmux_frames.hpp"

#include "base/compact_u64.hpp"

namespace osier::sync {

namespace {

// How the header byte of each kind looks: its constant bits, and which fields follow.
struct KindLayout {
  unsigned prefix;      // the constant high nibble (unused for SendChannelFrame)
  bool has_channel;     // a 4-bit channel tag in the low nibble
  bool has_standalone;  // a standalone compact U64 after the channel
};

// spec: lcmux#lcmux_encodings_server, lcmux#lcmux_encodings_client (bitfieldConstant rows)
constexpr KindLayout kLayouts[] = {
    {0b1111, true, true},    // IssueGuaranteesFrame
    {0b1110, true, true},    // PleadFrame
    {0b1101, true, true},    // LimitReceivingFrame
    {0b1100, true, false},   // AnnounceDroppingFrame
    {0b1011, true, true},    // AbsolveFrame
    {0b1010, true, true},    // LimitSendingFrame
    {0b1001, true, false},   // ApologiseFrame
    {0b1000, false, false},  // SendGlobalFrame: the low nibble is the length's tag
    {0, true, false},        // SendChannelFrame: 0, a 3-bit length tag, a 4-bit channel tag
};

const KindLayout& layout(LcmuxFrameKind k) { return kLayouts[static_cast<std::size_t>(k)]; }

LcmuxFrameKind kind_of_header_byte(BitByte b) {
  if (!b.bit(0)) return LcmuxFrameKind::kSendChannel;
  // The other kinds are numbered in the order of their descending prefixes 1111 .. 1000.
  return static_cast<LcmuxFrameKind>(0b1111 - b.get(0, 4));
}

Result<LcmuxFrameHeader> expect_kind(Decoder& dec, DecodeMode mode, LcmuxFrameKind want) {
  OSIER_ASSIGN_OR_RETURN(LcmuxFrameHeader h, decode_lcmux_frame_header(dec, mode));
  if (h.kind != want) return invalid_encoding("lcmux: a different frame kind than expected");
  return h;
}

// A frame without content from its header: (channel, value) or (channel).
template <typename F>
F frame_from_header(const LcmuxFrameHeader& h) {
  if constexpr (sizeof(F) == 2 * sizeof(std::uint64_t)) {
    return F{h.channel, h.value};
  } else {
    return F{h.channel};
  }
}

template <typename F>
Result<F> decode_fixed(Decoder& dec, DecodeMode mode, LcmuxFrameKind kind) {
  OSIER_ASSIGN_OR_RETURN(LcmuxFrameHeader h, expect_kind(dec, mode, kind));
  return frame_from_header<F>(h);
}

template <typename F>
LcmuxFrame fixed_frame(const LcmuxFrameHeader& h) {
  return LcmuxFrame{frame_from_header<F>(h)};
}

// The frames without content, indexed by LcmuxFrameKind.
constexpr LcmuxFrame (*kFixedFrames[])(const LcmuxFrameHeader&) = {
    &fixed_frame<IssueGuaranteesFrame>, &fixed_frame<PleadFrame>,
    &fixed_frame<LimitReceivingFrame>,  &fixed_frame<AnnounceDroppingFrame>,
    &fixed_frame<AbsolveFrame>,         &fixed_frame<LimitSendingFrame>,
    &fixed_frame<ApologiseFrame>,
};

// The content of a content-carrying frame: `length` bytes, a view into the input.
Result<ByteView> take_content(Decoder& dec, std::uint64_t length) {
  if (length > dec.remaining()) return error(ErrorCode::kIncomplete, "lcmux: frame content");
  return dec.take(static_cast<std::size_t>(length));
}

}  // namespace

// spec: lcmux#lcmux_encodings_server, lcmux#lcmux_encodings_client
Result<LcmuxFrameHeader> decode_lcmux_frame_header(Decoder& dec, DecodeMode mode) {
  OSIER_ASSIGN_OR_RETURN(std::uint8_t first, dec.byte());
  const BitByte b(first);
  LcmuxFrameHeader h;
  h.kind = kind_of_header_byte(b);
  if (h.kind == LcmuxFrameKind::kSendChannel) {
    // spec: lcmux#EncodeSendChannelFrame — the channel's bytes, then the length's.
    OSIER_ASSIGN_OR_RETURN(h.channel, c64_decode_corresponding(dec, b.get(4, 4), 4, mode));
    OSIER_ASSIGN_OR_RETURN(h.value, c64_decode_corresponding(dec, b.get(1, 3), 3, mode));
    return h;
  }
  if (h.kind == LcmuxFrameKind::kSendGlobal) {
    OSIER_ASSIGN_OR_RETURN(h.value, c64_decode_corresponding(dec, b.get(4, 4), 4, mode));
    return h;
  }
  OSIER_ASSIGN_OR_RETURN(h.channel, c64_decode_corresponding(dec, b.get(4, 4), 4, mode));
  if (layout(h.kind).has_standalone) {
    OSIER_ASSIGN_OR_RETURN(h.value, c64_decode_standalone(dec, mode));
  }
  return h;
}

void encode_lcmux_frame_header(Encoder& enc, const LcmuxFrameHeader& h) {
  const KindLayout& l = layout(h.kind);
  BitByte b;
  if (h.kind == LcmuxFrameKind::kSendChannel) {
    const unsigned length_tag = c64_minimal_tag(h.value, 3);
    const unsigned channel_tag = c64_minimal_tag(h.channel, 4);
    b.set(1, 3, length_tag);
    b.set(4, 4, channel_tag);
    enc.byte(b.value());
    c64_encode_corresponding(enc, h.channel, channel_tag, 4);
    c64_encode_corresponding(enc, h.value, length_tag, 3);
    return;
  }
  b.set(0, 4, l.prefix);
  // SendGlobalFrame's low nibble tags the length; every other kind's tags the channel.
  const std::uint64_t tagged = l.has_channel ? h.channel : h.value;
  const unsigned tag = c64_minimal_tag(tagged, 4);
  b.set(4, 4, tag);
  enc.byte(b.value());
  c64_encode_corresponding(enc, tagged, tag, 4);
  if (l.has_standalone) c64_encode_standalone(enc, h.value);
}

void encode_frame(Encoder& enc, const IssueGuaranteesFrame& f) {
  encode_lcmux_frame_header(enc, {LcmuxFrameKind::kIssueGuarantees, f.channel, f.amount});
}
void encode_frame(Encoder& enc, const PleadFrame& f) {
  encode_lcmux_frame_header(enc, {LcmuxFrameKind::kPlead, f.channel, f.target});
}
void encode_frame(Encoder& enc, const LimitReceivingFrame& f) {
  encode_lcmux_frame_header(enc, {LcmuxFrameKind::kLimitReceiving, f.channel, f.bound});
}
void encode_frame(Encoder& enc, const AnnounceDroppingFrame& f) {
  encode_lcmux_frame_header(enc, {LcmuxFrameKind::kAnnounceDropping, f.channel, 0});
}
void encode_frame(Encoder& enc, const AbsolveFrame& f) {
  encode_lcmux_frame_header(enc, {LcmuxFrameKind::kAbsolve, f.channel, f.amount});
}
void encode_frame(Encoder& enc, const LimitSendingFrame& f) {
  encode_lcmux_frame_header(enc, {LcmuxFrameKind::kLimitSending, f.channel, f.bound});
}
void encode_frame(Encoder& enc, const ApologiseFrame& f) {
  encode_lcmux_frame_header(enc, {LcmuxFrameKind::kApologise, f.channel, 0});
}
void encode_frame(Encoder& enc, const SendGlobalFrame& f) {
  encode_lcmux_frame_header(enc, {LcmuxFrameKind::kSendGlobal, 0, f.content.size()});
  enc.bytes(f.content);
}
void encode_frame(Encoder& enc, const SendChannelFrame& f) {
  encode_lcmux_frame_header(enc, {LcmuxFrameKind::kSendChannel, f.channel, f.content.size()});
  enc.bytes(f.content);
}
void encode_lcmux_frame(Encoder& enc, const LcmuxFrame& f) {
  std::visit([&enc](const auto& frame) { encode_frame(enc, frame); }, f);
}

Result<IssueGuaranteesFrame> decode_issue_guarantees_frame(Decoder& dec, DecodeMode mode) {
  return decode_fixed<IssueGuaranteesFrame>(dec, mode, LcmuxFrameKind::kIssueGuarantees);
}
Result<PleadFrame> decode_plead_frame(Decoder& dec, DecodeMode mode) {
  return decode_fixed<PleadFrame>(dec, mode, LcmuxFrameKind::kPlead);
}
Result<LimitReceivingFrame> decode_limit_receiving_frame(Decoder& dec, DecodeMode mode) {
  return decode_fixed<LimitReceivingFrame>(dec, mode, LcmuxFrameKind::kLimitReceiving);
}
Result<AnnounceDroppingFrame> decode_announce_dropping_frame(Decoder& dec, DecodeMode mode) {
  return decode_fixed<AnnounceDroppingFrame>(dec, mode, LcmuxFrameKind::kAnnounceDropping);
}
Result<AbsolveFrame> decode_absolve_frame(Decoder& dec, DecodeMode mode) {
  return decode_fixed<AbsolveFrame>(dec, mode, LcmuxFrameKind::kAbsolve);
}
Result<LimitSendingFrame> decode_limit_sending_frame(Decoder& dec, DecodeMode mode) {
  return decode_fixed<LimitSendingFrame>(dec, mode, LcmuxFrameKind::kLimitSending);
}
Result<ApologiseFrame> decode_apologise_frame(Decoder& dec, DecodeMode mode) {
  return decode_fixed<ApologiseFrame>(dec, mode, LcmuxFrameKind::kApologise);
}
Result<SendGlobalFrame> decode_send_global_frame(Decoder& dec, DecodeMode mode) {
  OSIER_ASSIGN_OR_RETURN(auto h, expect_kind(dec, mode, LcmuxFrameKind::kSendGlobal));
  OSIER_ASSIGN_OR_RETURN(ByteView content, take_content(dec, h.value));
  return SendGlobalFrame{content};
}
Result<SendChannelFrame> decode_send_channel_frame(Decoder& dec, DecodeMode mode) {
  OSIER_ASSIGN_OR_RETURN(auto h, expect_kind(dec, mode, LcmuxFrameKind::kSendChannel));
  OSIER_ASSIGN_OR_RETURN(ByteView content, take_content(dec, h.value));
  return SendChannelFrame{h.channel, content};
}

Result<LcmuxFrame> decode_lcmux_frame(Decoder& dec, DecodeMode mode) {
  OSIER_ASSIGN_OR_RETURN(LcmuxFrameHeader h, decode_lcmux_frame_header(dec, mode));
  if (h.kind < LcmuxFrameKind::kSendGlobal)
    return kFixedFrames[static_cast<std::size_t>(h.kind)](h);
  OSIER_ASSIGN_OR_RETURN(ByteView content, take_content(dec, h.value));
  if (h.kind == LcmuxFrameKind::kSendGlobal) return LcmuxFrame{SendGlobalFrame{content}};
  return LcmuxFrame{SendChannelFrame{h.channel, content}};
}

LcmuxFrameKind frame_kind(const LcmuxFrame& f) { return static_cast<LcmuxFrameKind>(f.index()); }

}  // namespace osier::sync
