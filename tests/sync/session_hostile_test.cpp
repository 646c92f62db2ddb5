// Hostile peers against a real Session: an honest node (Betty, over a MemoryStore) and a scripted
// peer (Alfie) that runs a real PioCore to find the overlap, then speaks reconciliation through
// the real codec (its own CodecState and PioCodecContext) over a real LCMUX session. Each case
// breaks one rule; the node ends the session with a clear error (or ignores what SPEC-NOTES says
// to ignore), and its store holds exactly the entries (and payload bytes) verified before.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "meadowcap/mc_test_util.hpp"
#include "osier/crypto/william3.hpp"
#include "osier/meadowcap/authorisation.hpp"
#include "osier/meadowcap/owned_capability.hpp"
#include "osier/store/authoriser.hpp"
#include "store/memory_store.hpp"
#include "sync/lcmux_test_util.hpp"
#include "sync/message_codec.hpp"
#include "sync/owned_namespace_util.hpp"
#include "sync/payload_transfer.hpp"
#include "sync/scripted_peer.hpp"
#include "sync/session.hpp"
#include "sync/store_test_util.hpp"

namespace osier::sync {
namespace {

using meadowcap::McCapability;
using meadowcap::testing::key;

constexpr std::uint8_t kWriter = testing::kWriterKey;
constexpr std::uint8_t kNodeKey = 2;
constexpr std::uint8_t kHostileKey = 3;
constexpr std::uint8_t kOtherKey = 4;

using testing::owned_namespace;
using testing::read_capability;

// Entry i of the fixture (subspace 1 + i % 3, timestamp 1000 + i), with a real payload of
// `length` bytes when given.
struct HostileItem {
  store::AuthorisedEntry entry;
  Bytes payload;
};
HostileItem item(std::size_t i, std::optional<std::uint64_t> length = std::nullopt) {
  HostileItem out{testing::owned_entries(i, 1)[0], {}};
  if (!length) return out;
  out.payload.resize(*length);
  for (std::size_t b = 0; b < out.payload.size(); ++b) {
    out.payload[b] = static_cast<std::uint8_t>(b * 31 + i);
  }
  model::Entry e = out.entry.entry;
  e.payload_length = out.payload.size();
  e.payload_digest = crypto::william3(out.payload);
  auto s = meadowcap::AuthorisedEntry::sign(e, testing::writer_capability(), key(kWriter)).value();
  out.entry = {s.entry(), store::encode_token_bytes(s.token()).value()};
  return out;
}

meadowcap::PossiblyAuthorisedEntry possibly(const store::AuthorisedEntry& e) {
  return {e.entry, store::decode_token_bytes(e.token).value()};
}

// The honest node: Betty over a MemoryStore.
struct Node {
  explicit Node(std::vector<McCapability> caps, const RbsrConfig& rbsr = {},
                std::size_t max_queued_output = 256 * 1024, std::size_t max_rbsr_backlog = 1 << 16)
      : store(std::make_unique<store::MemoryStore>()),
        mux(testing::make_session(testing::lcmux_options(16 * 1024, true, false))) {
    SessionConfig config;
    config.read_capabilities = std::move(caps);
    config.rbsr = rbsr;
    config.max_queued_output = max_queued_output;
    config.max_rbsr_backlog = max_rbsr_backlog;
    HandshakeResult hs;
    hs.role = HandshakeRole::kResponder;
    hs.h.fill(0x5a);
    hs.peer_static_pk = key(kHostileKey).public_key();
    SessionStore io;
    io.snapshots = [this](const model::NamespaceId& n) { return store->snapshot(n); };
    io.ingest = [this](const RbsrEntriesEvent& batch) -> Status {
      auto r = store->ingest_batch(batch.entries, store::Trust::kAlreadyVerified, batch.origin);
      if (!r) return r.status();
      return Status::ok();
    };
    io.payloads = store.get();
    auto created = Session::create(config, hs, key(kNodeKey).public_key(), std::move(io));
    EXPECT_TRUE(created.is_ok()) << created.status().to_string();
    session = std::move(created).value();
  }

  std::vector<store::AuthorisedEntry> contents() {
    return testing::namespace_contents(*store, owned_namespace());
  }
  std::uint64_t held(const HostileItem& it) {
    const model::Entry& e = it.entry.entry;
    auto st = store->payload_state(e.namespace_id, e.subspace_id, e.path);
    return st && *st ? (*st)->held : 0;
  }

  std::unique_ptr<store::Store> store;
  LcmuxSession mux;
  std::unique_ptr<Session> session;
};

PioCore hostile_pio(const std::vector<McCapability>& caps, std::uint8_t own_key) {
  PioConfig config;
  config.role = SyncRole::kAlfie;
  config.handshake_hash.fill(0x5a);
  config.own_key = key(own_key).public_key();
  config.peer_key = key(kNodeKey).public_key();
  auto core = PioCore::create(config, caps, {});
  EXPECT_TRUE(core.is_ok()) << core.status().to_string();
  return std::move(core).value();
}

// The scripted peer: Alfie (testing::ScriptedPeer), and how the tests drive it.
class Hostile : public testing::ScriptedPeer {
 public:
  // `own_key`: the key its PioCore believes it has (its capabilities' receiver).
  explicit Hostile(const std::vector<McCapability>& caps, std::uint8_t own_key = kHostileKey)
      : ScriptedPeer(hostile_pio(caps, own_key), SyncRole::kAlfie,
                     testing::make_session(testing::lcmux_options(16 * 1024, true, false))) {}

  // Moves bytes both ways (PIO answered honestly) until nothing moves; the node's errors are
  // its failure(), the hostile side's are returned.
  Status exchange(Node& node) {
    for (int round = 0; round < 200; ++round) {
      (void)node.session->on_progress(node.mux);
      OSIER_ASSIGN_OR_RETURN(const bool pio_sent, pump_pio());
      const Bytes to_node = take_output();
      if (!to_node.empty() && !node.mux.failed()) {
        (void)node.mux.feed(to_node,
                            [&](ByteView g) { return node.session->on_global(node.mux, g); });
      }
      const Bytes from_node = node.mux.take_output();
      OSIER_RETURN_IF_ERROR(feed(from_node));
      if (!pio_sent && to_node.empty() && from_node.empty()) {
        (void)node.session->on_progress(node.mux);
        return Status::ok();
      }
    }
    return error(ErrorCode::kInternal, "no end");
  }

  // Both ways, but the node's channel bytes are never read (no guarantees for it follow).
  Status deliver_without_reading(Node& node) {
    const Bytes to_node = take_output();
    if (!node.mux.failed()) {
      (void)node.mux.feed(to_node,
                          [&](ByteView g) { return node.session->on_global(node.mux, g); });
    }
    (void)node.session->on_progress(node.mux);
    return feed(node.mux.take_output(), /*read=*/false);
  }

  // The overlap PIO found (the test's precondition).
  const PioOverlapEvent& overlap() const { return overlaps.at(0); }
  RangeInfo info(const model::D3Range& range, std::optional<std::uint64_t> root_id) const {
    return RangeInfo{root_id, range, overlap().own_capability, overlap().peer_capability};
  }

  // A root announcement of `range` (no response wanted), then `entries` each terminated.
  Status announce(const model::D3Range& range,
                  const std::vector<meadowcap::PossiblyAuthorisedEntry>& entries,
                  bool will_sort = true) {
    OSIER_RETURN_IF_ERROR(send(ReconciliationAnnounceEntries{info(range, std::nullopt),
                                                             entries.empty(), false, will_sort}));
    for (std::size_t i = 0; i < entries.size(); ++i) {
      OSIER_RETURN_IF_ERROR(send(ReconciliationSendEntry{LengthyEntry{entries[i], 0}, 0}));
      OSIER_RETURN_IF_ERROR(send(ReconciliationTerminatePayload{i + 1 == entries.size()}));
    }
    return Status::ok();
  }
};

// The node's failure names `what`.
::testing::AssertionResult failed_with(const Node& node, const std::string& what) {
  if (!node.session->failed()) return ::testing::AssertionFailure() << "the session goes on";
  const std::string& msg = node.session->failure().message();
  if (msg.find(what) == std::string::npos) {
    return ::testing::AssertionFailure() << "failed with: " << node.session->failure().to_string();
  }
  return ::testing::AssertionSuccess();
}

std::vector<store::AuthorisedEntry> sorted(std::vector<store::AuthorisedEntry> v) {
  std::sort(v.begin(), v.end(), [](const auto& x, const auto& y) {
    return std::tie(x.entry.subspace_id, x.entry.path) <
           std::tie(y.entry.subspace_id, y.entry.path);
  });
  return v;
}

// The node holding its own capability and the hostile peer's over the whole namespace, PIO
// done: the overlap is found on both sides.
struct Connected {
  explicit Connected(std::vector<McCapability> hostile_caps = {read_capability(kHostileKey)},
                     const RbsrConfig& rbsr = {})
      : node({read_capability(kNodeKey)}, rbsr), peer(std::move(hostile_caps)) {
    EXPECT_TRUE(peer.exchange(node));
    EXPECT_FALSE(node.session->failed()) << node.session->failure().to_string();
    EXPECT_EQ(peer.overlaps.size(), 1U);
  }
  Node node;
  Hostile peer;
};

// Delivers what the peer sent; the node ends the session with an error naming `what` and keeps
// exactly `kept` (the entries verified before the bad message).
void expect_end(Connected& c, const std::string& what, std::vector<store::AuthorisedEntry> kept) {
  ASSERT_TRUE(c.peer.exchange(c.node));
  EXPECT_TRUE(failed_with(c.node, what));
  EXPECT_EQ(c.node.contents(), sorted(std::move(kept)));
  // Sticky: the same error again.
  const Status again = c.node.session->on_progress(c.node.mux);
  EXPECT_EQ(again.message(), c.node.session->failure().message());
}

TEST(SessionHostile, HonestAnnouncementIsStored) {
  Connected c;
  ASSERT_FALSE(c.peer.overlaps.empty());
  ASSERT_TRUE(
      c.peer.announce(model::D3Range::full(), {possibly(item(0).entry), possibly(item(1).entry)}));
  ASSERT_TRUE(c.peer.exchange(c.node));
  EXPECT_FALSE(c.node.session->failed()) << c.node.session->failure().to_string();
  EXPECT_EQ(c.node.contents(), sorted({item(0).entry, item(1).entry}));
}

TEST(SessionHostile, ACapabilityForAnotherReceiverEndsTheSession) {
  // The peer's PIO binds capabilities whose receiver is another key than its handshake key. The
  // receiver is not on the wire (a capability is encoded relative to the shared interest, whose
  // user is the sender's handshake key), so the node decodes a capability for the peer's key
  // whose signatures do not verify. (A capability of another namespace cannot be encoded at all:
  // the namespace is the shared interest's.)
  Node node({read_capability(kNodeKey)});
  Hostile peer({read_capability(kOtherKey)}, kOtherKey);
  ASSERT_TRUE(peer.exchange(node));
  EXPECT_TRUE(failed_with(node, "invalid capability"));
  EXPECT_TRUE(node.contents().empty());
  // Sticky.
  EXPECT_FALSE(node.session->on_progress(node.mux));
}

TEST(SessionHostile, ARangeOutsideTheCapabilitiesEndsTheSession) {
  // The peer may read subspace 1 only: the overlap is subspace 1.
  Connected c({testing::owned_subspace_read_capability(key(kHostileKey).public_key(), 1)});
  ASSERT_FALSE(c.peer.overlaps.empty());
  const model::D3Range sub1 = model::area_to_range(c.peer.overlap().area);
  ASSERT_TRUE(c.peer.announce(sub1, {possibly(item(0).entry), possibly(item(3).entry)}));
  ASSERT_TRUE(c.peer.exchange(c.node));
  ASSERT_FALSE(c.node.session->failed()) << c.node.session->failure().to_string();
  // Then the whole namespace, as a fingerprint and as an announcement.
  ReconciliationSendFingerprint fp{c.peer.info(model::D3Range::full(), std::nullopt), {}};
  ASSERT_TRUE(c.peer.send(fp));
  expect_end(c, "outside the overlap", {item(0).entry, item(3).entry});
}

TEST(SessionHostile, AnEntryOutsideTheAnnouncedRangeEndsTheSession) {
  Connected c;
  ASSERT_FALSE(c.peer.overlaps.empty());
  // Timestamps 1000 .. 1002 announced; entries 0, 1, 2 fit and arrive first (a round of their
  // own, the announcement still open), entry 5 does not.
  model::D3Range range = model::D3Range::full();
  range.times = model::TimeRange{1000, 1003};
  ASSERT_TRUE(c.peer.send(
      ReconciliationAnnounceEntries{c.peer.info(range, std::nullopt), false, false, true}));
  for (std::size_t i = 0; i < 3; ++i) {
    ASSERT_TRUE(c.peer.send(ReconciliationSendEntry{LengthyEntry{possibly(item(i).entry), 0}, 0}));
    ASSERT_TRUE(c.peer.send(ReconciliationTerminatePayload{false}));
  }
  ASSERT_TRUE(c.peer.exchange(c.node));
  ASSERT_FALSE(c.node.session->failed()) << c.node.session->failure().to_string();
  ASSERT_TRUE(c.peer.send(ReconciliationSendEntry{LengthyEntry{possibly(item(5).entry), 0}, 0}));
  ASSERT_TRUE(c.peer.send(ReconciliationTerminatePayload{true}));
  expect_end(c, "outside the announced range", {item(0).entry, item(1).entry, item(2).entry});
}

TEST(SessionHostile, AnUnauthorisedTokenEndsTheSession) {
  Connected c;
  ASSERT_FALSE(c.peer.overlaps.empty());
  // Entry 2 with entry 3's token (a valid signature, of another entry); then entry 4.
  const meadowcap::PossiblyAuthorisedEntry forged{item(2).entry.entry,
                                                  possibly(item(3).entry).token};
  ASSERT_TRUE(c.peer.announce(
      model::D3Range::full(),
      {possibly(item(0).entry), possibly(item(1).entry), forged, possibly(item(4).entry)}));
  expect_end(c, "does not authorise", {item(0).entry, item(1).entry});
}

TEST(SessionHostile, ABadSignatureEndsTheSession) {
  Connected c;
  ASSERT_FALSE(c.peer.overlaps.empty());
  // Entry 6 with one bit of its signature flipped.
  meadowcap::PossiblyAuthorisedEntry bad = possibly(item(6).entry);
  bad.token.signature[0] ^= 1;
  ASSERT_TRUE(c.peer.announce(model::D3Range::full(), {possibly(item(0).entry), bad}));
  expect_end(c, "does not authorise", {item(0).entry});
}

TEST(SessionHostile, UnsortedEntriesAfterWillSortAreAccepted) {
  // docs/spec-notes.md "Omitting what was just received": we do not rely on the peer's
  // will_sort, so entries out of order are no error.
  Connected c;
  ASSERT_FALSE(c.peer.overlaps.empty());
  ASSERT_TRUE(
      c.peer.announce(model::D3Range::full(),
                      {possibly(item(5).entry), possibly(item(0).entry), possibly(item(3).entry)},
                      /*will_sort=*/true));
  ASSERT_TRUE(c.peer.exchange(c.node));
  EXPECT_FALSE(c.node.session->failed()) << c.node.session->failure().to_string();
  EXPECT_EQ(c.node.contents(), sorted({item(0).entry, item(3).entry, item(5).entry}));
}

// The payload bytes of Chunks [first, first + count) as a sender would send them.
Bytes chunks(const HostileItem& it, std::uint64_t first, std::uint64_t count) {
  store::MemoryStore s;
  EXPECT_TRUE(s.ingest_with_payload(it.entry, memory_source(it.payload)));
  Bytes out;
  EXPECT_TRUE(send_payload_chunks(s, it.entry.entry, first, count, [&](ByteView b) {
    out.insert(out.end(), b.begin(), b.end());
    return Status::ok();
  }));
  return out;
}

TEST(SessionHostile, ACorruptPayloadChunkEndsTheSessionAndKeepsTheVerifiedChunks) {
  Connected c;
  ASSERT_FALSE(c.peer.overlaps.empty());
  const HostileItem whole = item(0, 3000);
  const HostileItem cut = item(1, 5000);
  ASSERT_TRUE(c.peer.send(ReconciliationAnnounceEntries{
      c.peer.info(model::D3Range::full(), std::nullopt), false, false, true}));
  // Entry 0 and its whole payload.
  ASSERT_TRUE(c.peer.send(ReconciliationSendEntry{LengthyEntry{possibly(whole.entry), 3000}, 0}));
  const Bytes all0 = chunks(whole, 0, 3);
  ASSERT_TRUE(c.peer.send(ReconciliationSendPayload{3, all0}));
  ASSERT_TRUE(c.peer.send(ReconciliationTerminatePayload{false}));
  // Entry 1: Chunks 0 and 1 intact, then Chunks 2 .. 4 with a byte of Chunk 3's data flipped.
  ASSERT_TRUE(c.peer.send(ReconciliationSendEntry{LengthyEntry{possibly(cut.entry), 5000}, 0}));
  const Bytes head = chunks(cut, 0, 2);
  ASSERT_TRUE(c.peer.send(ReconciliationSendPayload{2, head}));
  Bytes tail = chunks(cut, 2, 3);
  tail[tail.size() - 1500] ^= 0x40;
  ASSERT_TRUE(c.peer.send(ReconciliationSendPayload{3, tail}));
  ASSERT_TRUE(c.peer.send(ReconciliationTerminatePayload{true}));
  expect_end(c, "does not verify", {whole.entry, cut.entry});
  EXPECT_EQ(c.node.held(whole), 3000U);
  // The Chunks before the corrupt one (0 .. 2), nothing from it on.
  EXPECT_EQ(c.node.held(cut), 3072U);
}

TEST(SessionHostile, PayloadBytesBeyondThePayloadEndTheSession) {
  Connected c;
  ASSERT_FALSE(c.peer.overlaps.empty());
  const HostileItem it = item(0, 1500);
  ASSERT_TRUE(c.peer.send(ReconciliationAnnounceEntries{
      c.peer.info(model::D3Range::full(), std::nullopt), false, false, true}));
  ASSERT_TRUE(c.peer.send(ReconciliationSendEntry{LengthyEntry{possibly(it.entry), 1500}, 0}));
  // The codec sizes payload messages by the entry's Chunks: three Chunks of a two-Chunk payload
  // do not even encode.
  EXPECT_FALSE(c.peer.send(ReconciliationSendPayload{3, chunks(it, 0, 2)}));
}

// The peer announces one entry of a 4 MiB payload, sends it and queues one payload message of
// its first 2048 Chunks (2 MiB and their labels: longer than max_message_bytes).
void send_a_long_payload_message(Connected& c, const HostileItem& big) {
  ASSERT_TRUE(c.peer.send(ReconciliationAnnounceEntries{
      c.peer.info(model::D3Range::full(), std::nullopt), false, false, true}));
  ASSERT_TRUE(c.peer.send(
      ReconciliationSendEntry{LengthyEntry{possibly(big.entry), big.payload.size()}, 0}));
  const Bytes message = chunks(big, 0, 2048);
  ASSERT_GT(message.size(), 2U * 1024 * 1024);
  ASSERT_TRUE(c.peer.send(ReconciliationSendPayload{2048, message}));
}

// A long message dripped a few bytes at a time: each piece made the node decode the message again
// from its start (the decoders are not resumable), so the peer's every 64 bytes cost a decode of
// all before them — quadratic work from linear bytes. Past kRereadAllowance plus 64 times the
// message's bytes decoded in vain, the session ends, long before the size limit; the entry,
// verified before, stays.
TEST(SessionHostile, AMessageDrippedInTinyPiecesEndsTheSession) {
  Connected c;
  ASSERT_FALSE(c.peer.overlaps.empty());
  const HostileItem big = item(0, 4 * 1024 * 1024);
  ASSERT_NO_FATAL_FAILURE(send_a_long_payload_message(c, big));
  std::size_t delivered = 0;
  for (int round = 0; round < 400 && !c.node.session->failed(); ++round) {
    const Bytes to_node = c.peer.take_output();
    for (std::size_t at = 0; at < to_node.size() && !c.node.session->failed(); at += 64) {
      const ByteView piece =
          ByteView(to_node).subspan(at, std::min<std::size_t>(64, to_node.size() - at));
      delivered += piece.size();
      (void)c.node.mux.feed(piece,
                            [&](ByteView g) { return c.node.session->on_global(c.node.mux, g); });
      (void)c.node.session->on_progress(c.node.mux);
    }
    ASSERT_TRUE(c.peer.feed(c.node.mux.take_output()));
  }
  EXPECT_TRUE(failed_with(c.node, "arrives in too many small pieces"));
  EXPECT_EQ(c.node.session->failure().code(), ErrorCode::kOutOfRange);
  EXPECT_LT(delivered, 256U * 1024);  // far below the 1 MiB size limit
  EXPECT_EQ(c.node.contents(), sorted({big.entry}));
}

// One message longer than max_message_bytes (1 MiB): a payload message of 2048 Chunks (2 MiB
// and their labels) of a 4 MiB payload. The node buffers it only while it is incomplete and at
// most the limit long, so what reaches it before it ends the session is the limit plus one LCMUX
// buffer (16 KiB) and framing, never the whole message; the entry, verified before, stays.
TEST(SessionHostile, AMessageLongerThanTheLimitEndsTheSessionAtTheLimit) {
  Connected c;
  ASSERT_FALSE(c.peer.overlaps.empty());
  const HostileItem big = item(0, 4 * 1024 * 1024);
  ASSERT_NO_FATAL_FAILURE(send_a_long_payload_message(c, big));
  std::size_t delivered = 0;
  for (int round = 0; round < 2000 && !c.node.session->failed(); ++round) {
    const Bytes to_node = c.peer.take_output();
    delivered += to_node.size();
    if (!to_node.empty()) {
      (void)c.node.mux.feed(to_node,
                            [&](ByteView g) { return c.node.session->on_global(c.node.mux, g); });
    }
    (void)c.node.session->on_progress(c.node.mux);
    ASSERT_TRUE(c.peer.feed(c.node.mux.take_output()));
  }
  EXPECT_TRUE(failed_with(c.node, "longer than 1048576 bytes and still incomplete"));
  EXPECT_EQ(c.node.session->failure().code(), ErrorCode::kOutOfRange);
  EXPECT_GT(delivered, 1024U * 1024);
  EXPECT_LT(delivered, 1024U * 1024 + 64 * 1024);
  EXPECT_EQ(c.node.contents(), sorted({big.entry}));
  EXPECT_EQ(c.node.held(big), 0U);
}

// "Endless splitting": the peer keeps sending fingerprints of ever smaller sub-ranges of its
// root and never reads the answers. The node's answers pile up to max_rbsr_backlog, then it ends
// the session.
TEST(SessionHostile, EndlessSplittingWithoutReadingEndsTheSession) {
  RbsrConfig rbsr;
  rbsr.send_entries_threshold = 1;
  Node node({read_capability(kNodeKey)}, rbsr, /*max_queued_output=*/2048,
            /*max_rbsr_backlog=*/64);
  Hostile peer({read_capability(kHostileKey)});
  ASSERT_TRUE(peer.exchange(node));
  ASSERT_FALSE(peer.overlaps.empty());
  std::vector<store::AuthorisedEntry> held;
  for (std::size_t i = 0; i < 20; ++i) held.push_back(item(i).entry);
  ASSERT_TRUE(node.store->ingest_batch(held, store::Trust::kVerify));
  ASSERT_TRUE(peer.send(
      ReconciliationSendFingerprint{peer.info(model::D3Range::full(), std::nullopt), {}}));
  // Root 1 is Alfie's first. Sub-ranges [1000 + k, inf) of its time range, again and again.
  for (std::uint64_t k = 0; k < 4000 && !node.session->failed(); ++k) {
    model::D3Range r = model::D3Range::full();
    r.times = model::TimeRange{1000 + k % 64, std::nullopt};
    Fingerprint fp{};
    fp.fill(static_cast<std::uint8_t>(k));
    ASSERT_TRUE(peer.send(ReconciliationSendFingerprint{peer.info(r, 1), fp}));
    // Delivered; the node's output reaches the peer's LCMUX but is never read (so the peer
    // grants no more room, and the node's answers wait).
    ASSERT_TRUE(peer.deliver_without_reading(node));
  }
  EXPECT_TRUE(failed_with(node, "keeps sending")) << node.session->failure().to_string();
  EXPECT_EQ(node.contents(), sorted(held));
}

// The node holds entries 0-19 and splits the peer's root fingerprint (mismatching: empty).
// Out: those entries, and the first part of the node's split.
void split_the_root(Connected& c, std::vector<store::AuthorisedEntry>& held,
                    std::optional<model::D3Range>& part) {
  ASSERT_FALSE(c.peer.overlaps.empty());
  for (std::size_t i = 0; i < 20; ++i) held.push_back(item(i).entry);
  ASSERT_TRUE(c.node.store->ingest_batch(held, store::Trust::kVerify));
  ASSERT_TRUE(c.peer.send(
      ReconciliationSendFingerprint{c.peer.info(model::D3Range::full(), std::nullopt), {}}));
  ASSERT_TRUE(c.peer.exchange(c.node));
  ASSERT_FALSE(c.node.session->failed()) << c.node.session->failure().to_string();
  for (const auto& m : c.peer.received) {
    const auto* f = std::get_if<ReconciliationSendFingerprint>(&m);
    if (f != nullptr && !part) part = f->info.range;
  }
  ASSERT_TRUE(part);
  c.peer.received.clear();
}

// "Endless splitting" by a peer that reads: it answers the node's fingerprint with fingerprints
// of ever more slices inside it, fragmenting what the node still waits to hear about. The node
// (configured by `rbsr`) holds 20 entries and splits the peer's root; the peer then sends up to
// `max_slices` slices of the first part, one tick wide and two apart in its time range, until
// the node fails. Out: the node's failure ("" if none), the slices sent, and whether its store
// still holds exactly the 20 entries.
struct Sliced {
  std::string failure;
  std::size_t slices = 0;
  bool store_kept = false;
};
void slice_the_first_part(const RbsrConfig& rbsr, std::size_t max_slices, Sliced& out) {
  Connected c({read_capability(kHostileKey)}, rbsr);
  std::vector<store::AuthorisedEntry> held;
  std::optional<model::D3Range> part;
  ASSERT_NO_FATAL_FAILURE(split_the_root(c, held, part));
  for (; out.slices < max_slices && !c.node.session->failed(); ++out.slices) {
    model::D3Range slice = *part;
    const model::Timestamp t = part->times.start + 2 * out.slices + 1;
    slice.times = model::TimeRange{t, t + 1};
    ASSERT_TRUE(c.peer.send(ReconciliationSendFingerprint{c.peer.info(slice, 1), {}}));
    ASSERT_TRUE(c.peer.exchange(c.node));
  }
  if (c.node.session->failed()) out.failure = c.node.session->failure().to_string();
  out.store_kept = c.node.contents() == sorted(held);
}

// Beyond max_remainder_boxes pieces of one range the node ends the session.
TEST(SessionHostile, SplittingTheNodesRangeIntoSlicesEndsTheSession) {
  RbsrConfig rbsr;
  rbsr.send_entries_threshold = 1;
  rbsr.split_factor = 2;
  rbsr.max_remainder_boxes = 8;
  Sliced out;
  ASSERT_NO_FATAL_FAILURE(slice_the_first_part(rbsr, 40, out));
  EXPECT_NE(out.failure.find("range split into too many pieces"), std::string::npos) << out.failure;
  EXPECT_TRUE(out.store_kept);
}

// The same slicing against a node whose per-range bound is generous: what bounds it is the boxes
// of all open ranges together (4 per max_open_ranges), not max_remainder_boxes times every range.
TEST(SessionHostile, SlicingOpenRangesIsBoundedAcrossRanges) {
  RbsrConfig rbsr;
  rbsr.send_entries_threshold = 1;
  rbsr.split_factor = 2;
  rbsr.max_remainder_boxes = 1024;
  rbsr.max_open_ranges = 8;  // at most 32 boxes
  Sliced out;
  ASSERT_NO_FATAL_FAILURE(slice_the_first_part(rbsr, 200, out));
  EXPECT_NE(out.failure.find("open ranges cut into too many pieces"), std::string::npos)
      << out.failure << " after " << out.slices << " slices";
  EXPECT_LT(out.slices, 40u);
  EXPECT_TRUE(out.store_kept);
}

// A fingerprint (mismatching: empty) for each of the node's entries in `part`, alone. Returns how
// many were sent.
std::size_t send_one_entry_fingerprints(Connected& c,
                                        const std::vector<store::AuthorisedEntry>& held,
                                        const model::D3Range& part) {
  std::size_t sent = 0;
  for (const store::AuthorisedEntry& e : held) {
    if (!part.includes(e.entry)) continue;
    model::D3Range one = part;
    one.times = model::TimeRange{e.entry.timestamp, e.entry.timestamp + 1};
    EXPECT_TRUE(c.peer.send(ReconciliationSendFingerprint{c.peer.info(one, 1), {}}));
    ++sent;
  }
  return sent;
}

// A peer whose answers to the node's announcements lag behind its fingerprints (they travel on
// different channels). Past a quarter of max_open_ranges of open announcements the node answers
// no more fingerprints: they wait (RbsrCore::may_answer) until the peer answers, and the node's
// open ranges stay within half the limit. Without the waiting it answered each with an
// announcement and ended the session with "too many open ranges".
TEST(SessionHostile, FingerprintsWaitWhileTheNodesAnnouncementsAreUnanswered) {
  RbsrConfig rbsr;
  rbsr.send_entries_threshold = 1;
  rbsr.split_factor = 2;
  rbsr.max_open_ranges = 8;  // at most 2 open announcements
  Connected c({read_capability(kHostileKey)}, rbsr);
  std::vector<store::AuthorisedEntry> held;
  std::optional<model::D3Range> part;
  ASSERT_NO_FATAL_FAILURE(split_the_root(c, held, part));
  const std::size_t sent = send_one_entry_fingerprints(c, held, *part);
  ASSERT_GE(sent, 5U);
  // Answers the announcements with response the node sent since the last call (the peer holds
  // none of their entries); returns how many.
  const auto answer = [&] {
    std::size_t n = 0;
    for (const auto& m : c.peer.received) {
      const auto* a = std::get_if<ReconciliationAnnounceEntries>(&m);
      if (a == nullptr || !a->want_response) continue;
      EXPECT_TRUE(c.peer.send(ReconciliationAnnounceEntries{
          c.peer.info(a->info.range, a->info.root_id), true, false, true}));
      ++n;
    }
    c.peer.received.clear();
    return n;
  };
  ASSERT_TRUE(c.peer.exchange(c.node));
  ASSERT_FALSE(c.node.session->failed()) << c.node.session->failure().to_string();
  // Two answered, the rest waiting.
  EXPECT_EQ(c.node.session->stats().fingerprints_deferred, sent - 2);
  EXPECT_FALSE(c.node.session->idle(c.node.mux));
  std::size_t answered = answer();
  EXPECT_EQ(answered, 2U);
  for (int round = 0; round < 20 && answered < sent; ++round) {
    ASSERT_TRUE(c.peer.exchange(c.node));
    ASSERT_FALSE(c.node.session->failed()) << c.node.session->failure().to_string();
    answered += answer();
  }
  ASSERT_TRUE(c.peer.exchange(c.node));
  EXPECT_FALSE(c.node.session->failed()) << c.node.session->failure().to_string();
  EXPECT_EQ(answered, sent);
  EXPECT_LE(c.node.session->stats().widest_open_ranges, rbsr.max_open_ranges / 2);
}

// A peer that never answers but keeps sending fingerprints: beyond max_open_ranges of them
// waiting, the node ends the session (they cost it memory), keeping its store.
// The node of the two tests below: at most 8 open ranges (so 8 fingerprints waiting).
RbsrConfig few_open_ranges() {
  RbsrConfig rbsr;
  rbsr.send_entries_threshold = 1;
  rbsr.split_factor = 2;
  rbsr.max_open_ranges = 8;
  return rbsr;
}

// Splits the node's root, then sends the fingerprints it answers with announcements that fill
// its announcement budget: what follows waits. Out: the part, and the fingerprints sent.
void fill_the_announcement_budget(Connected& c, std::vector<store::AuthorisedEntry>& held,
                                  std::optional<model::D3Range>& part, std::size_t& sent) {
  ASSERT_NO_FATAL_FAILURE(split_the_root(c, held, part));
  sent = send_one_entry_fingerprints(c, held, *part);
  ASSERT_TRUE(c.peer.exchange(c.node));
  ASSERT_FALSE(c.node.session->failed()) << c.node.session->failure().to_string();
}

TEST(SessionHostile, FingerprintsWaitingBeyondTheLimitEndTheSession) {
  const RbsrConfig rbsr = few_open_ranges();
  Connected c({read_capability(kHostileKey)}, rbsr);
  std::vector<store::AuthorisedEntry> held;
  std::optional<model::D3Range> part;
  std::size_t sent = 0;
  ASSERT_NO_FATAL_FAILURE(fill_the_announcement_budget(c, held, part, sent));
  // Slices of the part one tick wide, between the entries' timestamps.
  for (std::uint64_t k = 0; k < 20 && !c.node.session->failed(); ++k, ++sent) {
    model::D3Range slice = *part;
    const model::Timestamp t = part->times.start + 2 * k + 1;
    slice.times = model::TimeRange{t, t + 1};
    ASSERT_TRUE(c.peer.send(ReconciliationSendFingerprint{c.peer.info(slice, 1), {}}));
    ASSERT_TRUE(c.peer.exchange(c.node));
  }
  EXPECT_TRUE(failed_with(c.node, "too many fingerprints waiting"))
      << c.node.session->failure().to_string() << " after " << sent;
  EXPECT_EQ(sent, 2 + rbsr.max_open_ranges + 1);  // two answered, eight waiting, one more
  EXPECT_EQ(c.node.contents(), sorted(held));
}

// The same with fingerprints of long paths: the waiting ones are bounded in bytes too (512 per
// max_open_ranges: 4 KiB here), before their count reaches the limit.
TEST(SessionHostile, FingerprintsWaitingBeyondTheirByteBudgetEndTheSession) {
  const RbsrConfig rbsr = few_open_ranges();
  Connected c({read_capability(kHostileKey)}, rbsr);
  std::vector<store::AuthorisedEntry> held;
  std::optional<model::D3Range> part;
  std::size_t sent = 0;
  ASSERT_NO_FATAL_FAILURE(fill_the_announcement_budget(c, held, part, sent));
  ASSERT_EQ(part->paths, model::D3Range::full().paths);  // LmdbStore splits all paths by time
  for (std::uint8_t k = 0; k < 8 && !c.node.session->failed(); ++k, ++sent) {
    model::D3Range slice = *part;
    const Bytes component(1500, k);
    slice.paths.start = model::Path::from_components(std::vector<ByteView>{component}).value();
    ASSERT_TRUE(c.peer.send(ReconciliationSendFingerprint{c.peer.info(slice, 1), {}}));
    ASSERT_TRUE(c.peer.exchange(c.node));
  }
  EXPECT_TRUE(failed_with(c.node, "too many fingerprints waiting"))
      << c.node.session->failure().to_string() << " after " << sent;
  // Before max_open_ranges of them waited (without the byte budget: the ninth, as above).
  EXPECT_LT(c.node.session->stats().fingerprints_deferred, rbsr.max_open_ranges) << sent;
  EXPECT_EQ(c.node.contents(), sorted(held));
}

// A second owned namespace (its key differs from the fixture's).
const crypto::Ed25519SecretKey& second_namespace_key() {
  const auto& first = meadowcap::testing::namespace_key(false);
  for (std::uint8_t from = 201;; ++from) {
    const auto& k = meadowcap::testing::namespace_key(false, from);
    if (k.public_key() != first.public_key()) return k;
  }
}

// Both sides read two namespaces: two overlaps. A RangeInfo pairing the peer's capability of one
// namespace with the node's of the other names no overlap (SPEC-NOTES Sync 13).
TEST(SessionHostile, AHandlePairAcrossNamespacesEndsTheSession) {
  auto second = [](std::uint8_t who) -> McCapability {
    return meadowcap::OwnedCapability::create(second_namespace_key(), meadowcap::AccessMode::kRead,
                                              key(who).public_key());
  };
  Node node({read_capability(kNodeKey), second(kNodeKey)});
  Hostile peer({read_capability(kHostileKey), second(kHostileKey)});
  ASSERT_TRUE(peer.exchange(node));
  ASSERT_FALSE(node.session->failed()) << node.session->failure().to_string();
  ASSERT_EQ(peer.overlaps.size(), 2U);
  const PioOverlapEvent& a = peer.overlaps[0];
  const PioOverlapEvent& b = peer.overlaps[1];
  ASSERT_NE(a.namespace_id, b.namespace_id);
  const RangeInfo crossed{std::nullopt, model::D3Range::full(), a.own_capability,
                          b.peer_capability};
  ASSERT_TRUE(peer.send(ReconciliationSendFingerprint{crossed, {}}));
  ASSERT_TRUE(peer.exchange(node));
  EXPECT_TRUE(failed_with(node, "no overlap"));
  EXPECT_TRUE(node.contents().empty());
}

}  // namespace
}  // namespace osier::sync
