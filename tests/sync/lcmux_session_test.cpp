// LCMUX sessions: the lcmux page's figures as scenarios, and every error condition of
// SPEC-NOTES Sync items 6-9.
#include "sync/lcmux_session.hpp"

#include <gtest/gtest.h>

#include <limits>

#include "base/compact_u64.hpp"
#include "osier/base/hex.hpp"
#include "sync/lcmux_test_util.hpp"

namespace osier::sync {
namespace {

using namespace osier::sync::testing;

const Bytes kAbcd = {'a', 'b', 'c', 'd'};

// Figure "Statekeeping ... when the lcmux_c sends a channel_message" and "The lcmux_s increases
// its buffer capacity and then issues as many guarantees": guarantees equal the capacity, sending
// uses them up, processing gives them back.
TEST(LcmuxFigures, GuaranteesTrackBufferSpace) {
  LcmuxSession a = make_session(lcmux_options(0, true, false));   // the client here
  LcmuxSession b = make_session(lcmux_options(10, true, false));  // the server here
  Globals ga, gb;
  // The server's first output: IssueGuarantees(channel, 10) for every channel.
  const Bytes first = deliver(b, a, ga);
  EXPECT_EQ(to_hex(first), "f00af10af20af30af40a");
  EXPECT_EQ(a.client(2).credit(), (LcmuxCredit{10, 0}));
  ASSERT_TRUE(a.send_channel(2, kAbcd).is_ok());
  EXPECT_EQ(to_hex(deliver(a, b, gb)),
            "4204"
            "61626364");  // 0 100 0010: length 4, channel 2
  EXPECT_EQ(a.client(2).credit(), (LcmuxCredit{6, 0}));
  EXPECT_EQ(b.server(2).outstanding(), (LcmuxCredit{6, 0}));
  EXPECT_EQ(b.readable(2), 4u);
  // Nothing to issue until the server processes the message.
  EXPECT_TRUE(b.take_output().empty());
  EXPECT_EQ(b.read(2, 100), kAbcd);
  EXPECT_EQ(to_hex(deliver(b, a, ga)), "f204");
  EXPECT_EQ(a.client(2).credit(), (LcmuxCredit{10, 0}));
}

// LcmuxServerOptions::batch_guarantees: a top-up waits until a quarter of the capacity can go at
// once while the client still holds guarantees; once it holds none, whatever is free goes at once.
TEST(LcmuxSession, BatchedGuaranteesWaitForAQuarterOfTheCapacity) {
  LcmuxSessionOptions batched = lcmux_options(100, true, false);
  batched.server.batch_guarantees = true;
  LcmuxSession a = make_session(lcmux_options(0, true, false));
  LcmuxSession b = make_session(batched);
  Globals ga, gb;
  deliver(b, a, ga);
  EXPECT_EQ(a.client(0).credit(), (LcmuxCredit{100, 0}));
  // 24 bytes sent and read, below a quarter, and the client still holds 76: nothing issued.
  ASSERT_TRUE(a.send_channel(0, Bytes(24, 'x')).is_ok());
  deliver(a, b, gb);
  EXPECT_EQ(b.read(0, 100).size(), 24u);
  EXPECT_TRUE(b.take_output().empty());
  // One more byte: 25 can go, in one frame.
  ASSERT_TRUE(a.send_channel(0, Bytes(1, 'x')).is_ok());
  deliver(a, b, gb);
  EXPECT_EQ(b.read(0, 100).size(), 1u);
  EXPECT_EQ(to_hex(deliver(b, a, ga)), "f019");  // IssueGuarantees(0, 25)
  EXPECT_EQ(a.client(0).credit(), (LcmuxCredit{100, 0}));
  // The client spends everything; the server reads 10: the client holds none, so 10 go.
  ASSERT_TRUE(a.send_channel(0, Bytes(100, 'y')).is_ok());
  deliver(a, b, gb);
  EXPECT_EQ(b.read(0, 10).size(), 10u);
  deliver(b, a, ga);
  EXPECT_EQ(a.client(0).credit(), (LcmuxCredit{10, 0}));
}

// Figure "Processing a message without issuing guarantees for it allows the lcmux_s to shrink its
// buffer".
TEST(LcmuxFigures, ShrinkByProcessingWithoutIssuing) {
  LcmuxSession a = make_session(lcmux_options(0, true, false));
  LcmuxSession b = make_session(lcmux_options(10, true, false));
  Globals ga, gb;
  deliver(b, a, ga);
  ASSERT_TRUE(a.send_channel(0, Bytes(6, 'x')).is_ok());
  deliver(a, b, gb);
  ASSERT_TRUE(b.set_capacity(0, 4).is_ok());
  EXPECT_EQ(b.read(0, 6).size(), 6u);
  EXPECT_TRUE(b.take_output().empty());  // the client's 4 remaining guarantees are the capacity
  EXPECT_EQ(b.server(0).outstanding(), (LcmuxCredit{4, 0}));
  EXPECT_EQ(b.server(0).buffered(), 0u);
  // Guarantees issued before the shrink stay good: the client's 4 bytes are accepted.
  ASSERT_TRUE(a.send_channel(0, kAbcd).is_ok());
  deliver(a, b, gb);
  EXPECT_EQ(b.readable(0), 4u);
  EXPECT_EQ(b.server(0).stats().dropped_bytes, 0u);
}

// Figure "Buffer downscaling without any concurrency issues: the lcmux_s asks for absolution, the
// lcmux_c grants it."
TEST(LcmuxFigures, PleadAndAbsolve) {
  LcmuxSession a = make_session(lcmux_options(0, true, false));
  LcmuxSession b = make_session(lcmux_options(10, true, false));
  Globals ga, gb;
  deliver(b, a, ga);
  ASSERT_TRUE(b.set_capacity(1, 2).is_ok());
  ASSERT_TRUE(b.plead(1, 2).is_ok());
  EXPECT_EQ(to_hex(deliver(b, a, ga)), "e102");  // PleadFrame(1, target 2)
  EXPECT_EQ(to_hex(deliver(a, b, gb)), "b108");  // AbsolveFrame(1, 8)
  EXPECT_EQ(a.client(1).credit(), (LcmuxCredit{2, 0}));
  EXPECT_EQ(b.server(1).outstanding(), (LcmuxCredit{2, 0}));
  EXPECT_TRUE(b.take_output().empty());
  // A plead for more than the client holds is ignored.
  ASSERT_TRUE(b.plead(1, 5).is_ok());
  deliver(b, a, ga);
  EXPECT_TRUE(a.take_output().empty());
}

// Figure "Concurrently to the lcmux_s asking for absolution, the lcmux_c sends a message. The
// protocol is designed so that nothing goes wrong."
TEST(LcmuxFigures, PleadCrossesASend) {
  LcmuxSession a = make_session(lcmux_options(0, true, false));
  LcmuxSession b = make_session(lcmux_options(10, true, false));
  Globals ga, gb;
  deliver(b, a, ga);
  ASSERT_TRUE(b.set_capacity(0, 2).is_ok());
  ASSERT_TRUE(b.plead(0, 2).is_ok());
  ASSERT_TRUE(a.send_channel(0, Bytes(5, 'm')).is_ok());
  const Bytes to_b = a.take_output();  // the message, sent before the plead arrives
  const Bytes to_a = b.take_output();  // the plead
  ASSERT_TRUE(a.feed(to_a, ga.handler()).is_ok());
  ASSERT_TRUE(b.feed(to_b, gb.handler()).is_ok());
  EXPECT_EQ(to_hex(deliver(a, b, gb)), "b003");  // absolve 5 - 2
  EXPECT_EQ(a.client(0).credit(), (LcmuxCredit{2, 0}));
  EXPECT_EQ(b.server(0).outstanding(), (LcmuxCredit{2, 0}));
  EXPECT_FALSE(b.failed());
}

// Figure "The lcmux_c communicates an upper bound on the number of bytes it will communicate".
TEST(LcmuxFigures, LimitSending) {
  LcmuxSession a = make_session(lcmux_options(0, true, false));
  LcmuxSession b = make_session(lcmux_options(10, true, false));
  Globals ga, gb;
  deliver(b, a, ga);
  ASSERT_TRUE(a.limit_sending(3, 5).is_ok());
  ASSERT_TRUE(a.send_channel(3, Bytes(3, 'q')).is_ok());
  EXPECT_EQ(to_hex(deliver(a, b, gb)),
            "a305"
            "33717171");
  EXPECT_EQ(b.server(3).peer_send_limit(), 2u);
  EXPECT_EQ(a.send_channel(3, Bytes(3, 'q')).code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(a.limit_sending(3, 3).code(), ErrorCode::kInvalidArgument);  // looser
  ASSERT_TRUE(a.limit_sending(3, 2).is_ok());                            // equal is fine
  ASSERT_TRUE(a.limit_sending(3, 0).is_ok());                            // closed
  deliver(a, b, gb);
  EXPECT_EQ(b.server(3).peer_send_limit(), 0u);
}

// Figure "The lcmux_s communicates an upper bound on the number of bytes it will accept": it also
// caps the guarantees it issues.
TEST(LcmuxFigures, LimitReceiving) {
  LcmuxSession a = make_session(lcmux_options(0, true, false));
  LcmuxSession b = make_session(lcmux_options(0, true, false));
  Globals ga, gb;
  ASSERT_TRUE(b.limit_receiving(0, 3).is_ok());
  ASSERT_TRUE(b.set_capacity(0, 10).is_ok());
  EXPECT_EQ(to_hex(deliver(b, a, ga)), "d003f003");  // the bound, then guarantees within it
  EXPECT_EQ(a.client(0).peer_receive_limit(), 3u);
  ASSERT_TRUE(a.send_channel(0, Bytes(5, 'r')).is_ok());
  EXPECT_EQ(to_hex(deliver(a, b, gb)),
            "30"
            "727272");  // only 3 bytes go
  EXPECT_EQ(a.unsent_bytes(0), 2u);
  EXPECT_EQ(b.server(0).receive_limit(), 0u);
  EXPECT_EQ(b.limit_receiving(0, 1).code(), ErrorCode::kInvalidArgument);  // looser
}

// Figure "The lcmux_c optimistically sends a channel_message ... When it arrives, the lcmux_s has
// buffer space available; it simply buffers the message".
TEST(LcmuxFigures, OptimisticSendAccepted) {
  LcmuxSession a = make_session(lcmux_options(0, false, true));
  LcmuxSession b = make_session(lcmux_options(10, false, true));  // acknowledging server
  Globals ga, gb;
  EXPECT_TRUE(b.take_output().empty());  // no guarantees up front
  ASSERT_TRUE(a.send_channel(0, kAbcd).is_ok());
  deliver(a, b, gb);
  EXPECT_EQ(a.client(0).credit(), (LcmuxCredit{0, 4}));
  EXPECT_EQ(a.client(0).unconfirmed_bytes(), 4u);
  EXPECT_EQ(to_hex(deliver(b, a, ga)), "f004");  // the acknowledgement
  EXPECT_EQ(a.client(0).credit(), (LcmuxCredit{0, 0}));
  EXPECT_EQ(a.client(0).unconfirmed_bytes(), 0u);
  EXPECT_EQ(b.read(0, 10), kAbcd);
}

// Figures "When the lcmux_s receives an optimistic message it cannot buffer, it drops it and all
// further messages" and "Before the lcmux_s announces that it is dropping messages, it issues
// guarantees for the optimistic messages bytes it did manage to buffer".
TEST(LcmuxFigures, DropAnnounceApologiseResend) {
  LcmuxSession a = make_session(lcmux_options(0, false, true, 4));
  LcmuxSession b = make_session(lcmux_options(5, false, true));
  Globals ga, gb;
  ASSERT_TRUE(a.send_channel(0, as_bytes("aaaabbbbc")).is_ok());
  // Three frames: aaaa (fits), bbbb (does not), c (would fit, but the server is dropping).
  EXPECT_EQ(to_hex(deliver(a, b, gb)),
            "4004"
            "61616161"
            "4004"
            "62626262"
            "10"
            "63");
  EXPECT_EQ(b.readable(0), 4u);
  EXPECT_EQ(b.server(0).stats().dropped_frames, 2u);
  // Guarantees for the 4 accepted bytes, then the announcement; then (once after a drop) the
  // free capacity of 1 byte, which tells the client it may resend.
  const Bytes announce = b.take_output();
  EXPECT_EQ(to_hex(announce),
            "f004"
            "c0"
            "f001");
  ASSERT_TRUE(a.feed(announce, ga.handler()).is_ok());
  EXPECT_EQ(a.client(0).credit(), (LcmuxCredit{1, 0}));
  EXPECT_EQ(a.unsent_bytes(0), 5u);  // "bbbbc" waits to be resent
  // Apologise first, then the dropped bytes again: one guaranteed byte, then optimistically.
  const Bytes again = a.take_output();
  EXPECT_EQ(to_hex(again).substr(0, 6),
            "90"
            "1062");
  ASSERT_TRUE(b.feed(again, gb.handler()).is_ok());
  Bytes got;
  for (int i = 0; i < 20 && got.size() < 9; ++i) {
    settle(a, b, ga, gb);  // quiet: while the buffer is full the client waits for guarantees
    append(got, b.read(0, 3));
  }
  EXPECT_EQ(as_chars(got), "aaaabbbbc");
  EXPECT_EQ(a.client(0).credit(), b.server(0).outstanding());
}

// The longest headers (18 bytes: 8-byte channel, 9-byte standalone value; 17 for a
// SendChannelFrame), fed one byte at a time and all at once.
TEST(LcmuxSession, LongestHeadersAnySplit) {
  LcmuxSessionOptions o = lcmux_options(0, true, true);
  o.channel_count = kLcmuxMaxChannels;
  Encoder enc;
  const std::uint64_t c = kLcmuxMaxChannels - 1;
  // Non-minimal 8-byte tags everywhere: the longest codes of these frames.
  enc.byte(0xff);
  enc.uint_be(c, 8);
  c64_encode_standalone_with_tag(enc, 7, 0xff);  // IssueGuarantees(c, 7)
  enc.byte(0x7f);
  enc.uint_be(c, 8);
  enc.uint_be(2, 8);
  enc.bytes(as_bytes("hi"));  // SendChannelFrame(c, "hi")
  const Bytes wire = enc.take();
  ASSERT_EQ(wire.size(), 18u + 17u + 2u);
  for (const bool bytewise : {false, true}) {
    LcmuxSession s = make_session(o);
    ASSERT_TRUE(s.set_capacity(c, 10).is_ok());
    Globals g;
    if (bytewise) {
      for (std::uint8_t b : wire) ASSERT_TRUE(s.feed(ByteView(&b, 1), g.handler()).is_ok());
    } else {
      ASSERT_TRUE(s.feed(wire, g.handler()).is_ok());
    }
    EXPECT_EQ(s.client(c).credit(), (LcmuxCredit{7, 0}));
    EXPECT_EQ(as_chars(s.read(c, 10)), "hi");
  }
}

// Absolution counts against the limit in force when it arrives, so Absolve and LimitSending go
// out in the order they were decided (found by fuzzing: an equal bound after an absolution was
// sent behind it and looked looser).
TEST(LcmuxSession, AbsolveAndLimitSendingKeepTheirOrder) {
  LcmuxSession a = make_session(lcmux_options(0, true, false));
  LcmuxSession b = make_session(lcmux_options(10, true, false));
  Globals ga, gb;
  deliver(b, a, ga);
  ASSERT_TRUE(a.absolve(0, 1).is_ok());
  ASSERT_TRUE(a.limit_sending(0, 8).is_ok());
  ASSERT_TRUE(a.absolve(0, 2).is_ok());
  EXPECT_EQ(to_hex(deliver(a, b, gb)),
            "b001"
            "a008"
            "b002");
  EXPECT_EQ(b.server(0).peer_send_limit(), 6u);
  EXPECT_EQ(a.client(0).send_limit(), 6u);
  // A limit that replaces a pending one: the absolution between them goes before it.
  ASSERT_TRUE(a.limit_sending(0, 6).is_ok());
  ASSERT_TRUE(a.absolve(0, 1).is_ok());
  ASSERT_TRUE(a.limit_sending(0, 5).is_ok());
  EXPECT_EQ(to_hex(deliver(a, b, gb)),
            "b001"
            "a005");
  EXPECT_FALSE(b.failed());
}

// A global message waits for the channel bytes queued before it, but not the other way round.
TEST(LcmuxSession, GlobalsAreBarriers) {
  LcmuxSession a = make_session(lcmux_options(0, true, false));
  LcmuxSession b = make_session(lcmux_options(0, true, false));
  Globals ga, gb;
  ASSERT_TRUE(a.send_channel(1, kAbcd).is_ok());  // no guarantees: blocked
  ASSERT_TRUE(a.send_global(as_bytes("hello")).is_ok());
  EXPECT_TRUE(a.take_output().empty());
  ASSERT_TRUE(b.set_capacity(1, 100).is_ok());
  deliver(b, a, ga);
  EXPECT_EQ(to_hex(deliver(a, b, gb)),
            "4104"
            "61626364"
            "85"
            "68656c6c6f");
  ASSERT_EQ(gb.got.size(), 1u);
  EXPECT_EQ(as_chars(gb.got[0]), "hello");
  EXPECT_EQ(a.send_global({}).code(), ErrorCode::kInvalidArgument);
}

// --- SPEC-NOTES Sync items 6 and 8: each error condition

struct Fed {
  LcmuxSession s;
  Globals g;
  Status feed(const Bytes& b) { return s.feed(b, g.handler()); }
};

Fed fresh(std::uint64_t capacity = 0) {
  return Fed{make_session(lcmux_options(capacity, true, true)), {}};
}

void expect_error(Fed& f, const Bytes& b, const char* what) {
  Status st = f.feed(b);
  EXPECT_FALSE(st.is_ok()) << what;
  EXPECT_TRUE(f.s.failed()) << what;
  // Sticky: nothing is accepted afterwards, nothing is sent.
  EXPECT_FALSE(f.feed(frames(IssueGuaranteesFrame{0, 1})).is_ok()) << what;
  EXPECT_FALSE(f.s.send_global(as_bytes("x")).is_ok()) << what;
  EXPECT_TRUE(f.s.take_output().empty()) << what;
}

TEST(LcmuxErrors, ChannelNotInUse) {
  Fed f = fresh();
  ASSERT_TRUE(f.feed(frames(IssueGuaranteesFrame{4, 1})).is_ok());
  expect_error(f, frames(IssueGuaranteesFrame{5, 1}), "IssueGuarantees on channel 5");
  for (const Bytes& b : {frames(ApologiseFrame{9}), frames(SendChannelFrame{5, {}}),
                         frames(AbsolveFrame{~std::uint64_t{0}, 0})}) {
    Fed g = fresh();
    expect_error(g, b, "frame on an unused channel");
  }
}

TEST(LcmuxErrors, GlobalFrames) {
  Fed f = fresh();
  ASSERT_TRUE(f.feed(from_hex("80").value()).is_ok());  // item 6: empty global frame ignored
  EXPECT_TRUE(f.g.got.empty());
  Encoder max;
  encode_lcmux_frame_header(max, {LcmuxFrameKind::kSendGlobal, 0, kLcmuxMaxGlobalLength});
  ASSERT_TRUE(f.feed(max.bytes()).is_ok());  // exactly the maximum is fine (content to come)
  ASSERT_TRUE(f.feed(Bytes(kLcmuxMaxGlobalLength, 7)).is_ok());
  ASSERT_EQ(f.g.got.size(), 1u);
  Encoder over;
  encode_lcmux_frame_header(over, {LcmuxFrameKind::kSendGlobal, 0, kLcmuxMaxGlobalLength + 1});
  expect_error(f, over.bytes(), "global frame over the maximum");
  // The handler says the content is not exactly one message.
  LcmuxSession s = make_session(lcmux_options(0, true, true));
  Status st = s.feed(frames(SendGlobalFrame{kAbcd}),
                     [](ByteView) { return error(ErrorCode::kInvalidEncoding, "not a message"); });
  EXPECT_EQ(st.code(), ErrorCode::kInvalidEncoding);
  EXPECT_TRUE(s.failed());
}

TEST(LcmuxErrors, BytesBeyondLimitSending) {
  Fed f = fresh(100);
  ASSERT_TRUE(f.feed(frames(LimitSendingFrame{0, 5}, SendChannelFrame{0, kAbcd})).is_ok());
  expect_error(f, frames(SendChannelFrame{0, as_bytes("ab")}), "beyond LimitSending");
  // Also while dropping (the limit counts what the client sends).
  Fed g = fresh(0);
  ASSERT_TRUE(g.feed(frames(LimitSendingFrame{0, 5}, SendChannelFrame{0, kAbcd})).is_ok());
  EXPECT_TRUE(g.s.server(0).dropping());
  expect_error(g, frames(SendChannelFrame{0, Bytes(6, 1)}), "beyond LimitSending, dropping");
}

TEST(LcmuxErrors, LimitsOnlyTighten) {
  Fed f = fresh();
  ASSERT_TRUE(f.feed(frames(LimitSendingFrame{0, 5}, LimitSendingFrame{0, 5})).is_ok());
  expect_error(f, frames(LimitSendingFrame{0, 6}), "LimitSending looser");
  Fed g = fresh();
  ASSERT_TRUE(g.feed(frames(LimitReceivingFrame{1, 5}, LimitReceivingFrame{1, 4})).is_ok());
  expect_error(g, frames(LimitReceivingFrame{1, 5}), "LimitReceiving looser");
}

TEST(LcmuxErrors, AbsolveMoreThanCredit) {
  Fed f = fresh(10);
  (void)f.s.take_output();  // issues 10 on every channel
  ASSERT_TRUE(f.feed(frames(AbsolveFrame{0, 4})).is_ok());
  ASSERT_TRUE(f.feed(frames(AbsolveFrame{0, 6})).is_ok());
  expect_error(f, frames(AbsolveFrame{0, 1}), "absolve beyond credit");
}

TEST(LcmuxErrors, ApologiseWithoutAnnouncedDrop) {
  Fed f = fresh(0);
  expect_error(f, frames(ApologiseFrame{0}), "apologise when not dropping");
  Fed g = fresh(0);
  ASSERT_TRUE(g.feed(frames(SendChannelFrame{0, kAbcd})).is_ok());  // dropped
  expect_error(g, frames(ApologiseFrame{0}), "apologise before the announcement");
  Fed h = fresh(0);
  ASSERT_TRUE(h.feed(frames(SendChannelFrame{0, kAbcd})).is_ok());
  EXPECT_EQ(to_hex(h.s.take_output()).substr(0, 2), "c0");
  ASSERT_TRUE(h.feed(frames(ApologiseFrame{0})).is_ok());
  EXPECT_FALSE(h.s.server(0).dropping());
}

TEST(LcmuxErrors, GuaranteesOverflow) {
  Fed f = fresh();
  ASSERT_TRUE(f.feed(frames(IssueGuaranteesFrame{0, ~std::uint64_t{0}})).is_ok());
  expect_error(f, frames(IssueGuaranteesFrame{0, 1}), "guarantees overflow");
}

TEST(LcmuxErrors, GuaranteesBeyondLimitReceiving) {
  Fed f = fresh();
  ASSERT_TRUE(f.feed(frames(LimitReceivingFrame{0, 5}, IssueGuaranteesFrame{0, 5})).is_ok());
  expect_error(f, frames(IssueGuaranteesFrame{0, 1}), "guarantees beyond LimitReceiving");
}

// Figure server_limiting: "the client starts with five remaining guarantees ... the server ...
// will only accept two more bytes ... The client's original five remaining guarantees have been
// reduced to the two." A bound below the guarantees held is no error: it cuts them.
TEST(LcmuxFigures, LimitReceivingCutsTheGuaranteesHeld) {
  Fed f = fresh();
  ASSERT_TRUE(f.feed(frames(IssueGuaranteesFrame{0, 5})).is_ok());
  ASSERT_TRUE(f.feed(frames(LimitReceivingFrame{0, 2})).is_ok());
  EXPECT_EQ(f.s.client(0).credit(), (LcmuxCredit{2, 0}));
  ASSERT_TRUE(f.s.send_channel(0, Bytes(5, 'z')).is_ok());
  EXPECT_EQ(to_hex(f.s.take_output()), "207a7a");  // only the two bytes go
  EXPECT_TRUE(f.s.closed_by_peer(0));
  EXPECT_FALSE(f.s.closed_by_peer(1));
}

// Our reading of item 7 (docs/spec-notes.md): an announcement needs an unguaranteed frame.
TEST(LcmuxErrors, AnnounceDroppingWithoutUnguaranteedFrame) {
  Fed f = fresh();
  expect_error(f, frames(AnnounceDroppingFrame{0}), "announce with nothing sent");
  Fed g = fresh();
  ASSERT_TRUE(g.s.send_channel(0, kAbcd).is_ok());
  (void)g.s.take_output();  // sent optimistically
  ASSERT_TRUE(g.feed(frames(AnnounceDroppingFrame{0})).is_ok());
  expect_error(g, frames(AnnounceDroppingFrame{0}), "announce twice before the apology");
}

TEST(LcmuxErrors, CreateOptions) {
  LcmuxSessionOptions o;
  o.channel_count = 0;
  EXPECT_FALSE(LcmuxSession::create(o).is_ok());
  o.channel_count = kLcmuxMaxChannels + 1;
  EXPECT_FALSE(LcmuxSession::create(o).is_ok());
  // A peer's header must never size a buffer beyond a sane cap (SIZE_MAX made reserve throw).
  LcmuxSessionOptions g;
  g.max_global_length = 0;
  EXPECT_FALSE(LcmuxSession::create(g).is_ok());
  g.max_global_length = std::numeric_limits<std::size_t>::max();
  EXPECT_FALSE(LcmuxSession::create(g).is_ok());
  g.max_global_length = kLcmuxMaxGlobalLengthCap;
  EXPECT_TRUE(LcmuxSession::create(g).is_ok());
}

TEST(LcmuxErrors, FeedWithoutAHandlerIsAnErrorNotAThrow) {
  LcmuxSession s = make_session(lcmux_options(0, true, true));
  EXPECT_EQ(s.feed(frames(SendGlobalFrame{as_bytes("x")}), LcmuxSession::GlobalHandler{}).code(),
            ErrorCode::kInvalidArgument);
}

// A global queued after an AnnounceDropping must wait for the dropped bytes queued before it:
// the receiver stops dropping at our Apologise, so a global naming what they bind would arrive
// at a peer that has not bound it (an error, SPEC-NOTES Sync item 9). Before, the output was
// Apologise, then the global ("908147").
TEST(LcmuxSession, AGlobalWaitsForTheBytesToBeResent) {
  for (const bool wait_for_confirmation : {false, true}) {
    LcmuxSessionOptions client = lcmux_options(0, false, true);
    client.globals_wait_for_confirmation = wait_for_confirmation;
    LcmuxSession a = make_session(client);
    LcmuxSession b = make_session(lcmux_options(0, false, true));  // capacity 0: drops
    Globals ga, gb;
    ASSERT_TRUE(a.send_channel(0, as_bytes("bind")).is_ok());
    deliver(a, b, gb);  // dropped
    deliver(b, a, ga);  // AnnounceDropping; no guarantees (no capacity)
    ASSERT_TRUE(a.send_global(as_bytes("G")).is_ok());
    EXPECT_EQ(to_hex(a.take_output()), "90") << wait_for_confirmation;  // Apologise only
    EXPECT_EQ(b.server(0).stats().dropped_frames, 1u);
    ASSERT_TRUE(b.feed(frames(ApologiseFrame{0}), gb.handler()).is_ok());
    ASSERT_TRUE(b.set_capacity(0, 10).is_ok());
    settle(a, b, ga, gb);
    EXPECT_EQ(as_chars(b.read(0, 10)), "bind");
    ASSERT_EQ(gb.got.size(), 1u);  // now the global went, after the bytes
    EXPECT_EQ(as_chars(gb.got[0]), "G");
  }
}

// With globals_wait_for_confirmation (the default), a global waits until optimistic bytes sent
// before it are known to be accepted; without it, only until they are sent.
TEST(LcmuxSession, AGlobalWaitsForOptimisticBytesToBeConfirmed) {
  for (const bool wait_for_confirmation : {false, true}) {
    LcmuxSessionOptions client = lcmux_options(0, false, true);
    client.globals_wait_for_confirmation = wait_for_confirmation;
    LcmuxSession a = make_session(client);
    LcmuxSession b = make_session(lcmux_options(10, false, true));  // acknowledging
    Globals ga, gb;
    ASSERT_TRUE(a.send_channel(0, as_bytes("bind")).is_ok());
    ASSERT_TRUE(a.send_global(as_bytes("G")).is_ok());
    const std::string first = to_hex(a.take_output());
    EXPECT_EQ(first, wait_for_confirmation ? "4004"
                                             "62696e64"
                                           : "4004"
                                             "62696e64"
                                             "8147");
    EXPECT_FALSE(a.fully_confirmed());
    ASSERT_TRUE(b.feed(from_hex(first).value(), gb.handler()).is_ok());
    deliver(b, a, ga);  // the acknowledging guarantees
    EXPECT_TRUE(a.fully_confirmed());
    EXPECT_EQ(to_hex(a.take_output()), wait_for_confirmation ? "8147" : "");
  }
}

// Limits the client sets must leave room for what it has queued and what may come back to be
// resent; else those bytes (and every global after them) would never go out.
TEST(LcmuxSession, LimitSendingLeavesRoomForQueuedAndResendableBytes) {
  LcmuxSession a = make_session(lcmux_options(0, false, true));
  LcmuxSession b = make_session(lcmux_options(0, false, true));  // drops everything
  Globals ga, gb;
  ASSERT_TRUE(a.send_channel(0, Bytes(100, 'f')).is_ok());
  deliver(a, b, gb);  // F: 100 unconfirmed bytes in flight
  EXPECT_EQ(a.limit_sending(0, 99).code(), ErrorCode::kInvalidArgument);
  ASSERT_TRUE(a.limit_sending(0, 150).is_ok());
  // F may be dropped and is then charged again when resent: 50 new bytes fit, 51 do not.
  EXPECT_EQ(a.send_channel(0, Bytes(51, 'n')).code(), ErrorCode::kInvalidArgument);
  ASSERT_TRUE(a.send_channel(0, Bytes(50, 'n')).is_ok());
  EXPECT_EQ(a.limit_sending(0, 149).code(), ErrorCode::kInvalidArgument);
  deliver(b, a, ga);  // F dropped: the announcement
  ASSERT_TRUE(b.set_capacity(0, 1000).is_ok());
  Bytes got;
  for (int i = 0; i < 10 && got.size() < 150; ++i) {
    settle(a, b, ga, gb);
    append(got, b.read(0, 1000));
  }
  EXPECT_EQ(got.size(), 150u);  // everything went out within the limit
  EXPECT_EQ(a.unsent_bytes(0), 0u);
}

}  // namespace
}  // namespace osier::sync
