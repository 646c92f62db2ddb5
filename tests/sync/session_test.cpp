// Session: two sessions over two real LCMUX sessions, each over its own store (MemoryStore and
// LmdbStore), bytes moved between them in seeded random pieces; they find their overlaps and
// reconcile exactly the intersection of their read capabilities. Checked against the union.
#include "sync/session.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "meadowcap/mc_test_util.hpp"
#include "osier/meadowcap/owned_capability.hpp"
#include "osier/store/authoriser.hpp"
#include "store/memory_store.hpp"
#include "sync/lcmux_test_util.hpp"
#include "sync/message_codec.hpp"
#include "sync/owned_namespace_util.hpp"
#include "sync/payload_transfer.hpp"
#include "sync/session_harness.hpp"
#include "sync/store_test_util.hpp"

namespace osier::sync {
namespace {

using meadowcap::AccessMode;
using meadowcap::McCapability;
using meadowcap::testing::key;
using meadowcap::testing::namespace_key;

using testing::kAlfieKey;
using testing::kBettyKey;

using testing::owned_namespace;
using testing::read_capability;

// A read capability for `who` narrowed to one subspace.
McCapability subspace_read_capability(std::uint8_t who, std::uint8_t subspace) {
  return testing::owned_subspace_read_capability(key(who).public_key(), subspace);
}

std::vector<store::AuthorisedEntry> entries(std::size_t from, std::size_t n) {
  return testing::owned_entries(from, n);
}

std::vector<store::AuthorisedEntry> contents(store::Store& s) {
  return testing::namespace_contents(s, owned_namespace());
}

using testing::held_payload;
using testing::Peer;
using testing::put_with_payload;
using testing::run;
using testing::WithPayload;

class SessionTest : public ::testing::Test {
 protected:
  std::unique_ptr<store::Store> lmdb() { return stores_.open(); }
  testing::LmdbStores stores_;
};

TEST_F(SessionTest, TwoStoresWithFullReadCapabilitiesEndWithTheUnion) {
  const auto all = entries(0, 400);
  Peer a(std::make_unique<store::MemoryStore>(), kAlfieKey, HandshakeRole::kInitiator,
         {read_capability(kAlfieKey)});
  Peer b(lmdb(), kBettyKey, HandshakeRole::kResponder, {read_capability(kBettyKey)});
  // Alfie holds 0-249, Betty 150-399: 150 in common.
  ASSERT_TRUE(a.store->ingest_batch(std::span(all).subspan(0, 250), store::Trust::kVerify));
  ASSERT_TRUE(b.store->ingest_batch(std::span(all).subspan(150, 250), store::Trust::kVerify));
  ASSERT_TRUE(run(a, b, 1));
  auto expected = all;
  std::sort(expected.begin(), expected.end(), [](const auto& x, const auto& y) {
    return std::tie(x.entry.subspace_id, x.entry.path) <
           std::tie(y.entry.subspace_id, y.entry.path);
  });
  EXPECT_EQ(contents(*a.store), expected);
  EXPECT_EQ(contents(*b.store), expected);
  EXPECT_EQ(a.ingested, 150U);
  EXPECT_EQ(b.ingested, 150U);
  EXPECT_EQ(a.overlaps, 1U);
  EXPECT_EQ(b.overlaps, 1U);
  EXPECT_EQ(a.session->root_count(), 1U);
  EXPECT_EQ(a.session->completed_root_count(), 1U);
  EXPECT_EQ(b.session->completed_root_count(), 1U);
  // A second session between the synced stores exchanges no entries.
  Peer a2(std::move(a.store), kAlfieKey, HandshakeRole::kInitiator, {read_capability(kAlfieKey)});
  Peer b2(std::move(b.store), kBettyKey, HandshakeRole::kResponder, {read_capability(kBettyKey)});
  ASSERT_TRUE(run(a2, b2, 2));
  EXPECT_EQ(a2.ingested + b2.ingested, 0U);
  EXPECT_EQ(a2.session->completed_root_count(), 1U);
}

TEST_F(SessionTest, OnlyTheIntersectionOfTheGrantedAreasIsReconciled) {
  const auto all = entries(0, 300);
  // Alfie may read subspace 1 only; Betty all of the namespace.
  Peer a(lmdb(), kAlfieKey, HandshakeRole::kInitiator, {subspace_read_capability(kAlfieKey, 1)});
  Peer b(lmdb(), kBettyKey, HandshakeRole::kResponder, {read_capability(kBettyKey)});
  ASSERT_TRUE(b.store->ingest_batch(all, store::Trust::kVerify));
  ASSERT_TRUE(run(a, b, 3));
  const auto got = contents(*a.store);
  EXPECT_EQ(got.size(), 100U);
  for (const auto& e : got) EXPECT_EQ(e.entry.subspace_id[0], 1);
  EXPECT_EQ(b.ingested, 0U);
}

// Identical stores: the root fingerprint matches, one empty announcement answers it — the cost
// does not grow with the stores (PIO's messages aside).
TEST_F(SessionTest, IdenticalStoresReconcileWithTwoMessages) {
  const auto all = entries(0, 2000);
  Peer a(lmdb(), kAlfieKey, HandshakeRole::kInitiator, {read_capability(kAlfieKey)});
  Peer b(lmdb(), kBettyKey, HandshakeRole::kResponder, {read_capability(kBettyKey)});
  ASSERT_TRUE(a.store->ingest_batch(all, store::Trust::kVerify));
  ASSERT_TRUE(b.store->ingest_batch(all, store::Trust::kVerify));
  ASSERT_TRUE(run(a, b, 51));
  // PIO: one PioBindHash and one PioBindReadCapability per side (equal interests).
  EXPECT_EQ(a.session->stats().messages_sent, 3U);  // + the root fingerprint
  EXPECT_EQ(b.session->stats().messages_sent, 3U);  // + the empty announcement
  EXPECT_EQ(a.received + b.received, 0U);
  EXPECT_EQ(a.session->completed_root_count(), 1U);
}

TEST_F(SessionTest, NoOverlapMeansNoReconciliation) {
  Peer a(lmdb(), kAlfieKey, HandshakeRole::kInitiator, {subspace_read_capability(kAlfieKey, 1)});
  Peer b(lmdb(), kBettyKey, HandshakeRole::kResponder, {subspace_read_capability(kBettyKey, 2)});
  ASSERT_TRUE(b.store->ingest_batch(entries(0, 30), store::Trust::kVerify));
  ASSERT_TRUE(run(a, b, 4));
  EXPECT_EQ(a.overlaps + b.overlaps, 0U);
  EXPECT_EQ(a.session->root_count(), 0U);
  EXPECT_TRUE(contents(*a.store).empty());
}

TEST_F(SessionTest, ManySplitsAndSmallChannelsStillConverge) {
  const auto all = entries(0, 3000);
  Peer a(lmdb(), kAlfieKey, HandshakeRole::kInitiator, {read_capability(kAlfieKey)});
  Peer b(std::make_unique<store::MemoryStore>(), kBettyKey, HandshakeRole::kResponder,
         {read_capability(kBettyKey)});
  std::vector<store::AuthorisedEntry> left;
  std::vector<store::AuthorisedEntry> right;
  std::mt19937_64 rng(9);
  for (const auto& e : all) {
    const auto r = rng() % 10;
    if (r < 8) left.push_back(e);
    if (r >= 1) right.push_back(e);
  }
  ASSERT_TRUE(a.store->ingest_batch(left, store::Trust::kVerify));
  ASSERT_TRUE(b.store->ingest_batch(right, store::Trust::kVerify));
  std::size_t rounds = 0;
  ASSERT_TRUE(run(a, b, 5, &rounds));
  EXPECT_EQ(contents(*a.store).size(), all.size());
  EXPECT_EQ(contents(*b.store).size(), all.size());
  EXPECT_EQ(a.ingested, all.size() - left.size());
  EXPECT_EQ(b.ingested, all.size() - right.size());
}

// An announcement answering a fingerprint carries all of its range's entries (up to the
// threshold), most of which the receiver holds: those it holds exactly (the same entry and token)
// are counted as received but neither verified again nor handed to the store.
TEST_F(SessionTest, EntriesTheReceiverHoldsExactlyAreNotVerifiedOrStoredAgain) {
  const auto all = entries(0, 3000);
  Peer a(lmdb(), kAlfieKey, HandshakeRole::kInitiator, {read_capability(kAlfieKey)});
  Peer b(std::make_unique<store::MemoryStore>(), kBettyKey, HandshakeRole::kResponder,
         {read_capability(kBettyKey)});
  std::vector<store::AuthorisedEntry> most;  // every 100th entry left out
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (i % 100 != 0) most.push_back(all[i]);
  }
  ASSERT_TRUE(a.store->ingest_batch(most, store::Trust::kVerify));
  ASSERT_TRUE(b.store->ingest_batch(all, store::Trust::kVerify));
  ASSERT_TRUE(run(a, b, 17));
  EXPECT_EQ(contents(*a.store).size(), all.size());
  EXPECT_EQ(a.ingested, 30U);
  EXPECT_EQ(a.received, 30U);  // only the entries Alfie lacked reached its store
  // Alfie announced its entries of each differing range, all of which Betty holds: she counted
  // them as received, and none reached her store.
  EXPECT_GT(b.session->stats().entries_received, 30U);
  EXPECT_EQ(b.received, 0U);
}

TEST_F(SessionTest, PayloadsTravelWithTheirEntriesAndVerify) {
  const auto all = testing::owned_entries_with_payloads(0, 21);
  Peer a(lmdb(), kAlfieKey, HandshakeRole::kInitiator, {read_capability(kAlfieKey)});
  Peer b(std::make_unique<store::MemoryStore>(), kBettyKey, HandshakeRole::kResponder,
         {read_capability(kBettyKey)});
  for (std::size_t i = 0; i < all.size(); ++i)
    put_with_payload(i < 12 ? *a.store : *b.store, all[i]);
  // One entry Betty holds without its payload: it travels, its payload cannot.
  const auto bare = testing::owned_entries_with_payloads(100, 1)[0];
  ASSERT_TRUE(b.store->ingest(bare.entry, store::Trust::kVerify));
  ASSERT_TRUE(run(a, b, 11));
  for (const auto& w : all) {
    for (Peer* p : {&a, &b}) {
      const auto got = held_payload(*p->store, w);
      ASSERT_TRUE(got) << "payload of " << w.entry.entry.payload_length << " bytes missing";
      EXPECT_TRUE(*got == w.payload);
    }
  }
  EXPECT_EQ(a.payloads, 9U);
  EXPECT_EQ(b.payloads, 12U);
  EXPECT_EQ(a.session->stats().payloads_received, 9U);
  EXPECT_EQ(b.session->stats().payloads_sent, 9U);
  EXPECT_FALSE(held_payload(*a.store, bare));
  EXPECT_EQ(contents(*a.store).size(), 22U);
}

TEST_F(SessionTest, PayloadsAboveTheReceiversMaxPayloadPowerStayBehind) {
  const auto all = testing::owned_entries_with_payloads(0, 7);
  // Alfie declares max_payload_power 10: Betty sends payloads of at most 1024 bytes.
  Peer a(lmdb(), kAlfieKey, HandshakeRole::kInitiator, {read_capability(kAlfieKey)}, 10);
  Peer b(lmdb(), kBettyKey, HandshakeRole::kResponder, {read_capability(kBettyKey)});
  for (const auto& w : all) put_with_payload(*b.store, w);
  ASSERT_TRUE(run(a, b, 12));
  for (const auto& w : all) {
    EXPECT_EQ(held_payload(*a.store, w).has_value(), w.payload.size() <= 1024) << w.payload.size();
  }
  EXPECT_EQ(contents(*a.store).size(), all.size());
}

// Many interests per side (several namespaces' worth of hashes and capabilities), channels of
// 300 bytes, random schedules: bindings queue up behind guarantees while the peer already names
// what they bind, and every seed still converges to the union.
TEST_F(SessionTest, RandomSchedulesWithTinyChannelsConverge) {
  const auto all = entries(0, 60);
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    // Every third seed both hold the whole namespace and its subspaces (equal interests); the
    // others one side holds only the subspaces (more specific: it announces, the other answers
    // first, and its capability and root fingerprint can reach the other side together).
    std::vector<McCapability> caps_a;
    std::vector<McCapability> caps_b;
    if (seed % 3 != 1) caps_a.push_back(read_capability(kAlfieKey));
    if (seed % 3 != 2) caps_b.push_back(read_capability(kBettyKey));
    for (std::uint8_t sub = 1; sub <= 3; ++sub) {
      if (seed % 3 != 2) caps_a.push_back(subspace_read_capability(kAlfieKey, sub));
      if (seed % 3 != 1) {
        caps_b.push_back(subspace_read_capability(kBettyKey, static_cast<std::uint8_t>(4 - sub)));
      }
    }
    Peer a(std::make_unique<store::MemoryStore>(), kAlfieKey, HandshakeRole::kInitiator, caps_a, 64,
           300);
    Peer b(std::make_unique<store::MemoryStore>(), kBettyKey, HandshakeRole::kResponder, caps_b, 64,
           300);
    std::mt19937_64 rng(seed);
    std::vector<store::AuthorisedEntry> left;
    std::vector<store::AuthorisedEntry> right;
    for (const auto& e : all) (rng() % 2 == 0 ? left : right).push_back(e);
    ASSERT_TRUE(a.store->ingest_batch(left, store::Trust::kVerify));
    ASSERT_TRUE(b.store->ingest_batch(right, store::Trust::kVerify));
    ASSERT_TRUE(run(a, b, seed)) << "seed " << seed;
    EXPECT_EQ(contents(*a.store).size(), all.size()) << "seed " << seed;
    EXPECT_EQ(contents(*b.store).size(), all.size()) << "seed " << seed;
  }
}

// A payload cut mid-way (the receiver holds its first 100 Chunks, as a transfer cut short
// leaves them): the receiver announces the entry with what it holds, and the answer resumes
// from the first Chunk it lacks.
TEST_F(SessionTest, APayloadCutMidwayResumesFromTheFirstMissingChunk) {
  const WithPayload w = testing::owned_entries_with_payloads(6, 1)[0];  // 300 KiB: 300 Chunks
  ASSERT_EQ(w.payload.size(), 300U * 1024);
  Peer a(lmdb(), kAlfieKey, HandshakeRole::kInitiator, {read_capability(kAlfieKey)});
  Peer b(lmdb(), kBettyKey, HandshakeRole::kResponder, {read_capability(kBettyKey)});
  put_with_payload(*a.store, w);
  ASSERT_TRUE(b.store->ingest(w.entry, store::Trust::kVerify));
  {
    auto t = PayloadTransfer::start(*b.store, w.entry.entry, 0).value();
    Bytes first;
    ASSERT_TRUE(send_payload_chunks(*a.store, w.entry.entry, 0, 100, [&](ByteView piece) {
      first.insert(first.end(), piece.begin(), piece.end());
      return Status::ok();
    }));
    ASSERT_TRUE(t.feed(first));
  }
  auto held =
      b.store->payload_state(owned_namespace(), w.entry.entry.subspace_id, w.entry.entry.path)
          .value();
  ASSERT_TRUE(held);
  ASSERT_EQ(held->held, 100U * 1024);
  ASSERT_TRUE(run(a, b, 21));
  EXPECT_TRUE(held_payload(*b.store, w) == w.payload);
  // Alfie sent Chunks 100..299 only.
  EXPECT_EQ(a.session->stats().payload_bytes_sent, 200U * 1024);
  EXPECT_EQ(b.session->stats().payload_bytes_received, 200U * 1024);
  EXPECT_EQ(b.session->stats().payloads_received, 1U);
}

// Payloads left behind (above Alfie's max_payload_power) are fetched with payload requests in
// the same session; a request for a payload the peer does not hold ends as unavailable.
TEST_F(SessionTest, PayloadRequestsFetchWhatReconciliationLeftBehind) {
  const auto all = testing::owned_entries_with_payloads(0, 7);
  Peer a(lmdb(), kAlfieKey, HandshakeRole::kInitiator, {read_capability(kAlfieKey)}, 10);
  Peer b(lmdb(), kBettyKey, HandshakeRole::kResponder, {read_capability(kBettyKey)});
  for (const auto& w : all) put_with_payload(*b.store, w);
  const auto bare =
      testing::owned_entries_with_payloads(100, 1)[0];  // Betty holds its entry, not its payload
  ASSERT_TRUE(b.store->ingest(bare.entry, store::Trust::kVerify));
  ASSERT_TRUE(run(a, b, 41));
  std::size_t requested = 0;
  for (const auto& w : all) {
    if (held_payload(*a.store, w)) continue;
    auto h = a.session->request_payload(w.entry.entry);
    ASSERT_TRUE(h.is_ok()) << h.status().to_string();
    ASSERT_TRUE(h->has_value());
    ++requested;
  }
  ASSERT_GT(requested, 0U);
  ASSERT_TRUE(a.session->request_payload(bare.entry.entry).is_ok());
  const std::size_t before = a.payloads;
  ASSERT_TRUE(run(a, b, 42));
  for (const auto& w : all) EXPECT_TRUE(held_payload(*a.store, w) == w.payload);
  EXPECT_EQ(a.payloads - before, requested);
  EXPECT_FALSE(held_payload(*a.store, bare));
  // The store already holds it: nothing to request.
  auto again = a.session->request_payload(all[0].entry.entry);
  ASSERT_TRUE(again.is_ok());
  EXPECT_FALSE(again->has_value());
}

// Alfie announces first (Betty holds many entries of the range, so it splits and Alfie answers a
// small part with its entries): a 300 KiB payload is too large to send blind, so it goes once
// Betty's answer shows she lacks it, on the Data channel — exactly once.
TEST_F(SessionTest, ALargePayloadThePeerLacksIsPushedOnceOnTheDataChannel) {
  const auto shared = entries(1000, 40);
  const WithPayload big = testing::owned_entries_with_payloads(6, 1)[0];
  Peer a(lmdb(), kAlfieKey, HandshakeRole::kInitiator, {read_capability(kAlfieKey)});
  Peer b(lmdb(), kBettyKey, HandshakeRole::kResponder, {read_capability(kBettyKey)});
  ASSERT_TRUE(a.store->ingest_batch(shared, store::Trust::kVerify));
  ASSERT_TRUE(b.store->ingest_batch(shared, store::Trust::kVerify));
  put_with_payload(*a.store, big);
  ASSERT_TRUE(run(a, b, 31));
  EXPECT_TRUE(held_payload(*b.store, big) == big.payload);
  EXPECT_EQ(a.session->stats().payload_bytes_sent, big.payload.size());
  EXPECT_EQ(b.session->stats().payload_bytes_received, big.payload.size());
  EXPECT_EQ(b.payloads, 1U);
}

// The same, but Betty asked Alfie not to push payloads (DataSetEagerness, set_eager false): the
// entry arrives, its payload does not; a later eager session fetches it.
TEST_F(SessionTest, APeerThatAsksForNoPushesGetsNone) {
  const auto shared = entries(1000, 40);
  const WithPayload big = testing::owned_entries_with_payloads(6, 1)[0];
  Peer a(lmdb(), kAlfieKey, HandshakeRole::kInitiator, {read_capability(kAlfieKey)});
  testing::PeerOptions lazy;
  lazy.eager_pushes = false;
  Peer b(lmdb(), kBettyKey, HandshakeRole::kResponder, {read_capability(kBettyKey)}, lazy);
  ASSERT_TRUE(a.store->ingest_batch(shared, store::Trust::kVerify));
  ASSERT_TRUE(b.store->ingest_batch(shared, store::Trust::kVerify));
  put_with_payload(*a.store, big);
  ASSERT_TRUE(run(a, b, 31));
  EXPECT_EQ(b.ingested, 1U);
  EXPECT_FALSE(held_payload(*b.store, big));
  EXPECT_EQ(a.session->stats().payload_bytes_sent, 0U);
  EXPECT_EQ(b.payloads, 0U);
  Peer a2(std::move(a.store), kAlfieKey, HandshakeRole::kInitiator, {read_capability(kAlfieKey)});
  Peer b2(std::move(b.store), kBettyKey, HandshakeRole::kResponder, {read_capability(kBettyKey)});
  ASSERT_TRUE(run(a2, b2, 32));
  EXPECT_TRUE(held_payload(*b2.store, big) == big.payload);
}

// A store that fails mid-session (its ingest returns an I/O error from the third batch of
// entries on): the session ends with that error, sticky, and the store keeps the two batches it
// had stored, all of them the peer's entries.
TEST_F(SessionTest, AStoreFailureEndsTheSessionAndKeepsWhatWasStored) {
  const auto all = entries(0, 600);
  testing::PeerOptions failing;
  failing.fail_ingest_from_batch = 2;
  failing.rbsr.ingest_batch = 64;  // the 600 entries in several batches, not one
  Peer a(lmdb(), kAlfieKey, HandshakeRole::kInitiator, {read_capability(kAlfieKey)});
  Peer b(lmdb(), kBettyKey, HandshakeRole::kResponder, {read_capability(kBettyKey)}, failing);
  ASSERT_TRUE(a.store->ingest_batch(all, store::Trust::kVerify));
  EXPECT_FALSE(run(a, b, 61));
  ASSERT_TRUE(b.session->failed());
  EXPECT_EQ(b.session->failure().code(), ErrorCode::kIo);
  EXPECT_NE(b.session->failure().message().find("the store fails"), std::string::npos);
  EXPECT_FALSE(a.session->failed());
  EXPECT_EQ(b.batches, 2U);
  EXPECT_GE(b.failed_batches, 1U);
  const auto got = contents(*b.store);
  EXPECT_GT(got.size(), 0U);
  EXPECT_LT(got.size(), all.size());
  EXPECT_EQ(got.size(), b.ingested);
  for (const auto& e : got) EXPECT_NE(std::find(all.begin(), all.end(), e), all.end());
  // Sticky: every later call returns the same error, and the store is left alone.
  const Status again = b.session->on_progress(b.mux);
  EXPECT_EQ(again.message(), b.session->failure().message());
  EXPECT_EQ(b.batches, 2U);
}

TEST_F(SessionTest, ACapabilityForAnotherReceiverIsRefusedAtCreation) {
  SessionConfig config;
  config.read_capabilities = {read_capability(kBettyKey)};
  HandshakeResult hs;
  hs.peer_static_pk = key(kBettyKey).public_key();
  store::MemoryStore store;
  SessionStore io;
  io.snapshots = [&](const model::NamespaceId& n) { return store.snapshot(n); };
  io.ingest = [](const RbsrEntriesEvent&) { return Status::ok(); };
  auto s = Session::create(config, hs, key(kAlfieKey).public_key(), io);
  EXPECT_FALSE(s.is_ok());
}

}  // namespace
}  // namespace osier::sync
