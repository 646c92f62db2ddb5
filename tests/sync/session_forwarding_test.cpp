// Session: live forwarding (session_forwarding.cpp), sans-IO. Two sessions over real LCMUX
// sessions (session_harness.hpp) reconcile first; then Alfie's store gains entries and Alfie's
// session is offered them (offer_entry), as the daemon does for every store change, and we look
// at what reaches Betty's store. spec: confidential_sync#sync_post_sync_forwarding,
// confidential_sync#sync_data
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "meadowcap/mc_test_util.hpp"
#include "osier/base/io.hpp"
#include "store/memory_store.hpp"
#include "sync/owned_namespace_util.hpp"
#include "sync/session.hpp"
#include "sync/session_harness.hpp"
#include "sync/store_test_util.hpp"

namespace osier::sync {
namespace {

using meadowcap::McCapability;
using meadowcap::testing::key;
using testing::held_payload;
using testing::kAlfieKey;
using testing::kBettyKey;
using testing::kSessionId;
using testing::owned_entries;
using testing::owned_entries_with_payloads;
using testing::owned_entry_with_payload;
using testing::owned_namespace;
using testing::Peer;
using testing::PeerOptions;
using testing::put_with_payload;
using testing::run;
using testing::WithPayload;

using testing::read_capability;

class SessionForwardingTest : public ::testing::Test {
 protected:
  // Alfie (LMDB, reading the whole namespace) and Betty (in memory, reading `betty_cap`, with
  // `betty_options`) reconcile ten entries Alfie holds; afterwards both are idle and in sync.
  void connect(McCapability betty_cap, PeerOptions betty_options = {}) {
    a_ = std::make_unique<Peer>(stores_.open(), kAlfieKey, HandshakeRole::kInitiator,
                                std::vector<McCapability>{read_capability(kAlfieKey)});
    b_ = std::make_unique<Peer>(
        std::make_unique<store::MemoryStore>(), kBettyKey, HandshakeRole::kResponder,
        std::vector<McCapability>{std::move(betty_cap)}, std::move(betty_options));
    ASSERT_TRUE(a_->store->ingest_batch(owned_entries(0, 10), store::Trust::kVerify));
    ASSERT_TRUE(run(*a_, *b_, 1));
    ASSERT_EQ(a_->overlaps, 1U);
    ASSERT_GT(b_->ingested, 0U);
    received_before_ = b_->received;
  }
  void connect() { connect(read_capability(kBettyKey)); }

  // The entries Betty's session handed to her store since connect (forwarded ones).
  std::size_t betty_received() const { return b_->received - received_before_; }

  // nullopt when Betty's store does not hold `e` itself; else the payload bytes it holds of it.
  std::optional<std::uint64_t> betty_holds(const model::Entry& e) {
    auto got = b_->store->get(e.namespace_id, e.subspace_id, e.path);
    EXPECT_TRUE(got.is_ok()) << got.status().to_string();
    if (!got || !*got || (*got)->authorised.entry != e) return std::nullopt;
    return (*got)->available;
  }

  // A local put into Alfie's store of `w` with its payload, offered to Alfie's session.
  void put_and_offer(const WithPayload& w, store::Origin origin = store::Origin::local()) {
    put_with_payload(*a_->store, w);
    a_->session->offer_entry(w.entry.entry, origin);
  }

  testing::LmdbStores stores_;
  std::unique_ptr<Peer> a_;
  std::unique_ptr<Peer> b_;
  std::size_t received_before_ = 0;
};

// Seven payloads from 1 byte to 300 KiB (several payload messages of kChunksPerMessage Chunks)
// arrive whole with their entries, each entry once although each is offered twice in a row (a
// put's kInserted and kPayloadAppended events).
TEST_F(SessionForwardingTest, AnEntryTheStoreGainsReachesThePeerWithItsPayload) {
  connect();
  const std::vector<WithPayload> fresh = owned_entries_with_payloads(100, 7);
  for (const WithPayload& w : fresh) {
    put_and_offer(w);
    a_->session->offer_entry(w.entry.entry, store::Origin::local());
  }
  EXPECT_EQ(a_->session->queued_forwards(), fresh.size());
  ASSERT_TRUE(run(*a_, *b_, 2));
  for (const WithPayload& w : fresh) {
    EXPECT_TRUE(held_payload(*b_->store, w) == w.payload) << w.payload.size() << " bytes";
  }
  EXPECT_EQ(a_->session->stats().entries_forwarded, fresh.size());
  EXPECT_EQ(betty_received(), fresh.size());
  EXPECT_EQ(b_->session->stats().payloads_received, fresh.size());
  EXPECT_EQ(a_->session->queued_forwards(), 0U);
}

// Betty declares max_payload_power 10: a payload of 2^10 bytes comes along, one byte more and
// only the entry does — Betty holds none of its bytes.
TEST_F(SessionForwardingTest, APayloadAboveThePeersMaxPayloadPowerStaysBehind) {
  PeerOptions betty;
  betty.max_payload_power = 10;
  connect(read_capability(kBettyKey), betty);
  // Entries 100, 101 and 102: payloads of 1024, 1025 and 5000 bytes.
  const std::vector<WithPayload> fresh = owned_entries_with_payloads(100, 3);
  ASSERT_EQ(fresh[0].payload.size(), 1024U);
  ASSERT_EQ(fresh[1].payload.size(), 1025U);
  for (const WithPayload& w : fresh) put_and_offer(w);
  ASSERT_TRUE(run(*a_, *b_, 3));
  EXPECT_TRUE(held_payload(*b_->store, fresh[0]) == fresh[0].payload);
  EXPECT_EQ(betty_holds(fresh[1].entry.entry), 0U);
  EXPECT_EQ(betty_holds(fresh[2].entry.entry), 0U);
  EXPECT_EQ(a_->session->stats().entries_forwarded, 3U);
  EXPECT_EQ(b_->session->stats().payload_bytes_received, 1024U);
}

// Betty fetches the namespace's payloads lazily (SessionConfig::lazy_namespaces): she asked for
// no pushes on its overlap, and a forwarded entry comes without its payload.
TEST_F(SessionForwardingTest, ALazyNamespaceGetsTheEntryWithoutItsPayload) {
  PeerOptions betty;
  betty.lazy_namespaces = {owned_namespace()};
  connect(read_capability(kBettyKey), betty);
  const WithPayload w = owned_entries_with_payloads(100, 1)[0];
  put_and_offer(w);
  ASSERT_TRUE(run(*a_, *b_, 4));
  EXPECT_EQ(betty_holds(w.entry.entry), 0U);
  EXPECT_EQ(a_->session->stats().entries_forwarded, 1U);
  EXPECT_EQ(b_->session->stats().payload_bytes_received, 0U);
}

// An entry this session's peer sent (Origin::remote of the session's id) is not sent back; the
// same entry from another session of Alfie's node is.
TEST_F(SessionForwardingTest, AnEntryFromThePeerIsNotEchoed) {
  connect();
  const WithPayload w = owned_entries_with_payloads(100, 1)[0];
  put_and_offer(w, store::Origin::remote(kSessionId));
  EXPECT_EQ(a_->session->queued_forwards(), 0U);
  ASSERT_TRUE(run(*a_, *b_, 5));
  EXPECT_EQ(betty_holds(w.entry.entry), std::nullopt);
  EXPECT_EQ(a_->session->stats().entries_forwarded, 0U);
  EXPECT_EQ(betty_received(), 0U);

  a_->session->offer_entry(w.entry.entry, store::Origin::remote(kSessionId + 1));
  ASSERT_TRUE(run(*a_, *b_, 6));
  EXPECT_TRUE(held_payload(*b_->store, w) == w.payload);
  EXPECT_EQ(betty_received(), 1U);
}

// Betty reads subspace 1 only: of three new entries (subspaces 2, 3 and 1) only the last is in
// the overlap and sent; the others are not even queued. Nor is an entry of a namespace Betty
// has no capability for.
TEST_F(SessionForwardingTest, EntriesOutsideEveryOverlapAreNotSent) {
  connect(testing::owned_subspace_read_capability(key(kBettyKey).public_key(), 1));
  const std::vector<WithPayload> fresh = owned_entries_with_payloads(100, 3);
  ASSERT_EQ(fresh[2].entry.entry.subspace_id[0], std::uint8_t{1});
  for (const WithPayload& w : fresh) put_and_offer(w);
  model::Entry elsewhere = fresh[2].entry.entry;
  elsewhere.namespace_id = meadowcap::testing::namespace_key(true).public_key();
  a_->session->offer_entry(elsewhere, store::Origin::local());
  EXPECT_EQ(a_->session->queued_forwards(), 1U);
  ASSERT_TRUE(run(*a_, *b_, 7));
  EXPECT_EQ(betty_holds(fresh[0].entry.entry), std::nullopt);
  EXPECT_EQ(betty_holds(fresh[1].entry.entry), std::nullopt);
  EXPECT_TRUE(held_payload(*b_->store, fresh[2]) == fresh[2].payload);
  EXPECT_EQ(a_->session->stats().entries_forwarded, 1U);
  // Nothing reached Betty for her to drop as outside her areas.
  EXPECT_EQ(b_->session->stats().messages_discarded, 0U);
  EXPECT_EQ(betty_received(), 1U);
}

// An entry overwritten in Alfie's store before its turn is not sent: alone (the newer entry not
// offered yet), nothing goes; with the newer entry offered after it, only the newer one goes.
TEST_F(SessionForwardingTest, AnEntryOverwrittenBeforeItsTurnIsNotSent) {
  connect();
  const Bytes payload = {1, 2, 3};
  std::vector<WithPayload> versions;
  for (model::Timestamp t : {5000, 5001, 5002}) {
    versions.push_back({owned_entry_with_payload({"live", "x"}, payload, t), payload});
  }
  put_and_offer(versions[0]);
  put_with_payload(*a_->store, versions[1]);  // prunes versions[0]; not offered yet
  ASSERT_TRUE(run(*a_, *b_, 8));
  EXPECT_EQ(a_->session->stats().entries_forwarded, 0U);
  EXPECT_EQ(betty_received(), 0U);

  a_->session->offer_entry(versions[1].entry.entry, store::Origin::local());
  put_and_offer(versions[2]);  // prunes versions[1] before its turn
  ASSERT_TRUE(run(*a_, *b_, 9));
  EXPECT_EQ(a_->session->stats().entries_forwarded, 1U);
  EXPECT_EQ(betty_received(), 1U);
  EXPECT_TRUE(held_payload(*b_->store, versions[2]) == payload);
}

// Alfie's store overwrites an entry while its 300 KiB payload is being forwarded (five payload
// messages; the first ones are queued, the rest are read from the store as room frees up): Alfie
// stops sending it without failing, and Betty keeps the prefix that verified. (The newer entry
// going once offered: AnEntryOverwrittenBeforeItsTurnIsNotSent.)
TEST_F(SessionForwardingTest, AnEntryOverwrittenWhileItsPayloadIsSentStopsIt) {
  connect();
  const Bytes big = owned_entries_with_payloads(104, 1)[0].payload;
  ASSERT_EQ(big.size(), 300U * 1024);
  const WithPayload old_version{owned_entry_with_payload({"live", "big"}, big, 5000), big};
  const Bytes small = {4, 5, 6};
  const WithPayload new_version{owned_entry_with_payload({"live", "big"}, small, 5001), small};
  put_and_offer(old_version);
  ASSERT_TRUE(a_->progress());  // the DataSendEntry and the payload messages that fit
  put_with_payload(*a_->store, new_version);
  ASSERT_TRUE(run(*a_, *b_, 14));
  EXPECT_EQ(a_->session->stats().entries_forwarded, 1U);
  EXPECT_EQ(a_->session->stats().payloads_sent, 0U);
  EXPECT_GT(a_->session->stats().payload_bytes_sent, 0U);
  // A Data channel transmission has no end of its own: Betty's session holds the Chunks that
  // verified (up to kPayloadAppendBatch) until the next DataSendEntry or its own end.
  b_->session.reset();
  const std::optional<std::uint64_t> held = betty_holds(old_version.entry.entry);
  ASSERT_TRUE(held.has_value());
  EXPECT_GT(*held, 0U);
  EXPECT_LT(*held, big.size());
  EXPECT_EQ(*held % 1024, 0U);
}

// Alfie gains an entry without its payload: the entry alone goes. Once Alfie holds the payload
// whole (a kPayloadAppended change, offered again), it goes to Betty, who holds the entry.
TEST_F(SessionForwardingTest, APayloadCompletedLaterFollowsItsEntry) {
  connect();
  const WithPayload w = owned_entries_with_payloads(104, 1)[0];
  ASSERT_EQ(w.payload.size(), 300U * 1024);
  const model::Entry& e = w.entry.entry;
  ASSERT_TRUE(a_->store->ingest(w.entry, store::Trust::kVerify));
  a_->session->offer_entry(e, store::Origin::local());
  ASSERT_TRUE(run(*a_, *b_, 10));
  EXPECT_EQ(betty_holds(e), 0U);

  ASSERT_TRUE(
      a_->store->write_payload(e.namespace_id, e.subspace_id, e.path, memory_source(w.payload)));
  a_->session->offer_entry(e, store::Origin::local());
  ASSERT_TRUE(run(*a_, *b_, 11));
  EXPECT_TRUE(held_payload(*b_->store, w) == w.payload);
  EXPECT_EQ(a_->session->stats().entries_forwarded, 2U);
  EXPECT_EQ(b_->session->stats().payloads_received, 1U);
}

// More than kMaxForwards offers before Alfie's session gets to send any (no on_progress between
// them): the one beyond the bound is dropped and forwarding_overflowed() tells the node, whose
// part it is to end the session (net/sync_app.cpp); the session itself carries on and sends
// what it queued. A new session over the same stores reconciles the dropped entry.
TEST_F(SessionForwardingTest, OffersBeyondTheQueuesBoundOverflow) {
  connect();
  const std::vector<store::AuthorisedEntry> fresh = owned_entries(1000, Session::kMaxForwards + 1);
  ASSERT_TRUE(a_->store->ingest_batch(fresh, store::Trust::kVerify));
  for (std::size_t i = 0; i < Session::kMaxForwards; ++i) {
    a_->session->offer_entry(fresh[i].entry, store::Origin::local());
  }
  EXPECT_FALSE(a_->session->forwarding_overflowed());
  EXPECT_EQ(a_->session->queued_forwards(), Session::kMaxForwards);
  a_->session->offer_entry(fresh.back().entry, store::Origin::local());
  EXPECT_TRUE(a_->session->forwarding_overflowed());
  EXPECT_EQ(a_->session->queued_forwards(), Session::kMaxForwards);
  EXPECT_FALSE(a_->session->failed());

  ASSERT_TRUE(run(*a_, *b_, 12));
  EXPECT_EQ(a_->session->stats().entries_forwarded, Session::kMaxForwards);
  EXPECT_EQ(betty_received(), Session::kMaxForwards);
  EXPECT_EQ(betty_holds(fresh.back().entry), std::nullopt);

  Peer a2(std::move(a_->store), kAlfieKey, HandshakeRole::kInitiator, {read_capability(kAlfieKey)});
  Peer b2(std::move(b_->store), kBettyKey, HandshakeRole::kResponder, {read_capability(kBettyKey)});
  // The old sessions hold pointers to the stores: they go while the stores live.
  a_.reset();
  b_.reset();
  ASSERT_TRUE(run(a2, b2, 13));
  EXPECT_EQ(b2.ingested, 1U);
  EXPECT_EQ(testing::namespace_contents(*b2.store, owned_namespace()).size(), 10 + fresh.size());
}

}  // namespace
}  // namespace osier::sync
