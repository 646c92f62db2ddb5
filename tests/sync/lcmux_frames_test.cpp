#include "sync/lcmux_frames.hpp"

#include <gtest/gtest.h>

#include <random>

#include "base/compact_u64.hpp"
#include "model/encoding_check.hpp"
#include "osier/base/hex.hpp"

namespace osier::sync {
namespace {

using model::testing::check_decodes_to;
using model::testing::check_garbage;
using model::testing::check_non_canonic;
using model::testing::check_rejects;
using model::testing::check_round_trip;

// Numbers around every compact U64 width boundary, and random ones.
std::uint64_t interesting(std::mt19937_64& rng) {
  static const std::uint64_t kEdges[] = {
      0, 1, 7, 11, 12, 255, 256, 65535, 65536, 0xffffffff, 0x100000000, ~std::uint64_t{0}};
  switch (rng() % 4) {
    case 0:
      return kEdges[rng() % std::size(kEdges)];
    case 1:
      return rng() % 16;
    case 2:
      return rng() >> (rng() % 64);
    default:
      return rng();
  }
}

Bytes random_content(std::mt19937_64& rng) {
  static const std::size_t kLengths[] = {0, 1, 2, 3, 4, 5, 11, 12, 255, 256, 300};
  Bytes b(kLengths[rng() % std::size(kLengths)]);
  for (auto& x : b) x = static_cast<std::uint8_t>(rng());
  return b;
}

// A frame of the kind with random fields; `content` keeps a content-carrying frame's bytes.
LcmuxFrame random_frame(LcmuxFrameKind kind, std::mt19937_64& rng, Bytes& content) {
  const std::uint64_t c = interesting(rng), v = interesting(rng);
  switch (kind) {
    case LcmuxFrameKind::kIssueGuarantees:
      return IssueGuaranteesFrame{c, v};
    case LcmuxFrameKind::kPlead:
      return PleadFrame{c, v};
    case LcmuxFrameKind::kLimitReceiving:
      return LimitReceivingFrame{c, v};
    case LcmuxFrameKind::kAnnounceDropping:
      return AnnounceDroppingFrame{c};
    case LcmuxFrameKind::kAbsolve:
      return AbsolveFrame{c, v};
    case LcmuxFrameKind::kLimitSending:
      return LimitSendingFrame{c, v};
    case LcmuxFrameKind::kApologise:
      return ApologiseFrame{c};
    case LcmuxFrameKind::kSendGlobal:
      content = random_content(rng);
      return SendGlobalFrame{content};
    case LcmuxFrameKind::kSendChannel:
      content = random_content(rng);
      return SendChannelFrame{c, content};
  }
  return ApologiseFrame{};
}

// The header of a frame (content-carrying frames: channel and length).
LcmuxFrameHeader header_of(const LcmuxFrame& f) {
  LcmuxFrameHeader h{frame_kind(f), 0, 0};
  std::visit(
      [&h](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (requires { x.channel; }) h.channel = x.channel;
        if constexpr (requires { x.content; }) h.value = x.content.size();
        if constexpr (std::is_same_v<T, IssueGuaranteesFrame> || std::is_same_v<T, AbsolveFrame>) {
          h.value = x.amount;
        }
        if constexpr (std::is_same_v<T, PleadFrame>) h.value = x.target;
        if constexpr (std::is_same_v<T, LimitReceivingFrame> ||
                      std::is_same_v<T, LimitSendingFrame>) {
          h.value = x.bound;
        }
      },
      f);
  return h;
}

ByteView content_of(const LcmuxFrame& f) {
  if (auto* g = std::get_if<SendGlobalFrame>(&f)) return g->content;
  if (auto* s = std::get_if<SendChannelFrame>(&f)) return s->content;
  return {};
}

// A code of `f` built by hand with the given tags (each must be valid for its value); the
// standalone value gets `standalone_tag`. This is the relation's definition written out again,
// independently of the encoder.
Bytes code_with_tags(const LcmuxFrame& f, unsigned first_tag, unsigned second_tag,
                     unsigned standalone_tag) {
  const LcmuxFrameHeader h = header_of(f);
  Encoder enc;
  if (h.kind == LcmuxFrameKind::kSendChannel) {
    // first_tag: the channel's (4 bits); second_tag: the length's (3 bits).
    enc.byte(static_cast<std::uint8_t>(second_tag << 4 | first_tag));
    c64_encode_corresponding(enc, h.channel, first_tag, 4);
    c64_encode_corresponding(enc, h.value, second_tag, 3);
  } else {
    static const unsigned kPrefix[] = {0xf, 0xe, 0xd, 0xc, 0xb, 0xa, 0x9, 0x8};
    const std::uint64_t tagged = h.kind == LcmuxFrameKind::kSendGlobal ? h.value : h.channel;
    enc.byte(static_cast<std::uint8_t>(kPrefix[static_cast<int>(h.kind)] << 4 | first_tag));
    c64_encode_corresponding(enc, tagged, first_tag, 4);
    const bool standalone = h.kind != LcmuxFrameKind::kAnnounceDropping &&
                            h.kind != LcmuxFrameKind::kApologise &&
                            h.kind != LcmuxFrameKind::kSendGlobal;
    if (standalone) c64_encode_standalone_with_tag(enc, h.value, standalone_tag);
  }
  enc.bytes(content_of(f));
  return enc.take();
}

// A random valid tag of the width for n.
unsigned random_tag(std::uint64_t n, unsigned width, std::mt19937_64& rng) {
  for (;;) {
    const unsigned t = static_cast<unsigned>(rng() % (1u << width));
    if (c64_is_tag_for(n, t, width)) return t;
  }
}

constexpr LcmuxFrameKind kAllKinds[] = {
    LcmuxFrameKind::kIssueGuarantees,  LcmuxFrameKind::kPlead,      LcmuxFrameKind::kLimitReceiving,
    LcmuxFrameKind::kAnnounceDropping, LcmuxFrameKind::kAbsolve,    LcmuxFrameKind::kLimitSending,
    LcmuxFrameKind::kApologise,        LcmuxFrameKind::kSendGlobal, LcmuxFrameKind::kSendChannel,
};

// Each frame's own decoder, as a function of the variant.
Result<LcmuxFrame> decode_as(LcmuxFrameKind kind, Decoder& dec, DecodeMode mode) {
  auto wrap = [](auto r) -> Result<LcmuxFrame> {
    if (!r.is_ok()) return r.status();
    return LcmuxFrame{*r};
  };
  switch (kind) {
    case LcmuxFrameKind::kIssueGuarantees:
      return wrap(decode_issue_guarantees_frame(dec, mode));
    case LcmuxFrameKind::kPlead:
      return wrap(decode_plead_frame(dec, mode));
    case LcmuxFrameKind::kLimitReceiving:
      return wrap(decode_limit_receiving_frame(dec, mode));
    case LcmuxFrameKind::kAnnounceDropping:
      return wrap(decode_announce_dropping_frame(dec, mode));
    case LcmuxFrameKind::kAbsolve:
      return wrap(decode_absolve_frame(dec, mode));
    case LcmuxFrameKind::kLimitSending:
      return wrap(decode_limit_sending_frame(dec, mode));
    case LcmuxFrameKind::kApologise:
      return wrap(decode_apologise_frame(dec, mode));
    case LcmuxFrameKind::kSendGlobal:
      return wrap(decode_send_global_frame(dec, mode));
    case LcmuxFrameKind::kSendChannel:
      return wrap(decode_send_channel_frame(dec, mode));
  }
  return error(ErrorCode::kInternal, "kind");
}

std::size_t shortest_length(const LcmuxFrame& f) {
  const LcmuxFrameHeader h = header_of(f);
  auto corr = [](std::uint64_t n, unsigned w) {
    return c64_corresponding_length(c64_minimal_tag(n, w), w);
  };
  std::size_t n = 1 + content_of(f).size();
  switch (h.kind) {
    case LcmuxFrameKind::kSendChannel:
      return n + corr(h.channel, 4) + corr(h.value, 3);
    case LcmuxFrameKind::kSendGlobal:
      return n + corr(h.value, 4);
    case LcmuxFrameKind::kAnnounceDropping:
    case LcmuxFrameKind::kApologise:
      return n + corr(h.channel, 4);
    default:
      return n + corr(h.channel, 4) + c64_standalone_length(h.value);
  }
}

TEST(LcmuxFrames, RoundTripEveryKindShortestExactPrefixesIncomplete) {
  std::mt19937_64 rng(13);
  for (LcmuxFrameKind kind : kAllKinds) {
    for (int i = 0; i < 300; ++i) {
      Bytes content;
      const LcmuxFrame f = random_frame(kind, rng, content);
      SCOPED_TRACE(static_cast<int>(kind));
      // Through the frame's own decoder and through the generic one.
      const Bytes code = check_round_trip(
          f,
          [&f](Encoder& e) {
            encode_lcmux_frame(e, f);
            return Status::ok();
          },
          [kind](Decoder& d, DecodeMode m) { return decode_as(kind, d, m); }, true);
      check_round_trip(
          f,
          [&f](Encoder& e) {
            encode_lcmux_frame(e, f);
            return Status::ok();
          },
          [](Decoder& d, DecodeMode m) { return decode_lcmux_frame(d, m); }, true);
      EXPECT_EQ(code.size(), shortest_length(f));
      // The first byte tells the role (spec: "distinguished by their first byte").
      ASSERT_FALSE(code.empty());
      EXPECT_EQ(code[0] >= 0xc0, is_server_frame(kind));
      // The header alone decodes from the code's start and re-encodes to the code's header.
      Decoder hd(code);
      auto h = decode_lcmux_frame_header(hd, DecodeMode::kCanonic);
      ASSERT_TRUE(h.is_ok());
      EXPECT_EQ(*h, header_of(f));
      EXPECT_EQ(hd.position(), code.size() - content_of(f).size());
    }
  }
}

TEST(LcmuxFrames, DecodersAcceptEveryValidNonShortestCode) {
  std::mt19937_64 rng(14);
  for (LcmuxFrameKind kind : kAllKinds) {
    for (int i = 0; i < 300; ++i) {
      Bytes content;
      const LcmuxFrame f = random_frame(kind, rng, content);
      const LcmuxFrameHeader h = header_of(f);
      const bool sc = kind == LcmuxFrameKind::kSendChannel;
      const std::uint64_t first = kind == LcmuxFrameKind::kSendGlobal ? h.value : h.channel;
      const unsigned t1 = random_tag(first, 4, rng);
      const unsigned t2 = sc ? random_tag(h.value, 3, rng) : 0;
      const unsigned ts = random_tag(h.value, 8, rng);
      const Bytes code = code_with_tags(f, t1, t2, ts);
      const bool minimal = t1 == c64_minimal_tag(first, 4) &&
                           (!sc || t2 == c64_minimal_tag(h.value, 3)) &&
                           (code.size() == shortest_length(f));
      auto dec = [kind](Decoder& d, DecodeMode m) { return decode_as(kind, d, m); };
      if (minimal) {
        check_decodes_to(code, f, dec);
        Encoder enc;
        encode_lcmux_frame(enc, f);
        EXPECT_EQ(to_hex(enc.bytes()), to_hex(code));
      } else {
        check_non_canonic(code, f, dec);
      }
    }
  }
}

TEST(LcmuxFrames, HandWrittenCodes) {
  auto dec = [](Decoder& d, DecodeMode m) { return decode_lcmux_frame(d, m); };
  const Bytes ab = {'a', 'b'};
  struct Case {
    const char* hex;
    LcmuxFrame frame;
  };
  const Case cases[] = {
      {"f305", IssueGuaranteesFrame{3, 5}},
      {"fc07fd0100", IssueGuaranteesFrame{7, 256}},  // non-minimal channel tag, 2-byte amount
      {"e0fd0100", PleadFrame{0, 256}},
      {"dbfcff", LimitReceivingFrame{11, 0xff}},
      {"cc0c", AnnounceDroppingFrame{12}},
      {"b1fe00010000", AbsolveFrame{1, 65536}},
      {"aa0b", LimitSendingFrame{10, 11}},
      {"9f0000000000000001", ApologiseFrame{1}},
      {"826162", SendGlobalFrame{ab}},
      {"80", SendGlobalFrame{}},
      // 0 010 0011: a length of 2, channel 3; then the content.
      {"236162", SendChannelFrame{3, ab}},
      // 0 100 1100: a 1-byte length, a 1-byte channel: channel 0x20 first, then length 2.
      {"4c20026162", SendChannelFrame{0x20, ab}},
  };
  for (const Case& c : cases) {
    check_decodes_to(from_hex(c.hex).value(), c.frame, dec);
  }
}

TEST(LcmuxFrames, GarbageIsAnErrorNeverACrash) {
  std::mt19937_64 rng(15);
  auto dec = [](Decoder& d, DecodeMode m) { return decode_lcmux_frame(d, m); };
  auto enc = [](Encoder& e, const LcmuxFrame& f) {
    encode_lcmux_frame(e, f);
    return Status::ok();
  };
  for (int i = 0; i < 20000; ++i) {
    Bytes b(rng() % 24);
    for (auto& x : b) x = static_cast<std::uint8_t>(rng());
    check_garbage<LcmuxFrame>(b, enc, dec);
  }
  // A declared content length beyond the input is incomplete, not an allocation.
  check_rejects<LcmuxFrame>(from_hex("7f0000000000000000ffffffffffffffff01").value(),
                            ErrorCode::kIncomplete, dec);
  check_rejects<LcmuxFrame>(from_hex("8fffffffffffffffff").value(), ErrorCode::kIncomplete, dec);
  // A frame of another kind is no code of a frame's own relation.
  check_rejects<LcmuxFrame>(
      from_hex("f305").value(), ErrorCode::kInvalidEncoding,
      [](Decoder& d, DecodeMode m) { return decode_as(LcmuxFrameKind::kAbsolve, d, m); });
}

}  // namespace
}  // namespace osier::sync
