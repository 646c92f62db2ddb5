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

#include "meadowcap/authorisation.hpp"
#include "meadowcap/mc_test_util.hpp"
#include "meadowcap/owned_capability.hpp"
#include "store/authoriser.hpp"
#include "store/memory_store.hpp"
#include "sync/lcmux_test_util.hpp"
#include "sync/message_codec.hpp"
#include "sync/owned_namespace_util.hpp"
#include "sync/store_test_util.hpp"

namespace osier::sync {
namespace {

using meadowcap::AccessMode;
using meadowcap::McCapability;
using meadowcap::testing::key;
using meadowcap::testing::namespace_key;

constexpr std::uint8_t kWriter = testing::kWriterKey;
constexpr std::uint8_t kAlfieKey = 2;
constexpr std::uint8_t kBettyKey = 3;

model::NamespaceId ns() { return testing::owned_namespace(); }
McCapability read_capability(std::uint8_t who) {
  return testing::owned_read_capability(key(who).public_key());
}

// A read capability for `who` narrowed to one subspace.
McCapability subspace_read_capability(std::uint8_t who, std::uint8_t subspace) {
  model::SubspaceId id{};
  id.fill(subspace);
  return read_capability(kWriter)
      .delegate(key(kWriter), model::Area::subspace_area(id), key(who).public_key())
      .value();
}

std::vector<store::AuthorisedEntry> entries(std::size_t from, std::size_t n) {
  return testing::owned_entries(from, n);
}

std::vector<store::AuthorisedEntry> contents(store::Store& s) {
  return testing::namespace_contents(s, ns());
}

// One side: its store, LCMUX session and sync session; ingests what the session hands out.
struct Peer {
  Peer(std::unique_ptr<store::Store> s, std::uint8_t who, HandshakeRole role,
       std::vector<McCapability> caps)
      : store(std::move(s)),
        mux(testing::make_session(testing::lcmux_options(16 * 1024, true, /*optimistic=*/false))) {
    SessionConfig config;
    config.read_capabilities = std::move(caps);
    config.session_id = 7;
    HandshakeResult hs;
    hs.role = role;
    hs.h.fill(0x5a);
    hs.peer_static_pk = key(who == kAlfieKey ? kBettyKey : kAlfieKey).public_key();
    auto created = Session::create(config, hs, key(who).public_key(),
                                   [this](const model::NamespaceId& n)
                                       -> Result<std::shared_ptr<const store::NamespaceSnapshot>> {
                                     return store->snapshot(n);
                                   });
    EXPECT_TRUE(created.is_ok()) << created.status().to_string();
    session = std::move(created).value();
  }

  Status progress() {
    OSIER_RETURN_IF_ERROR(session->on_progress(mux));
    while (auto e = session->poll_event()) {
      if (const auto* batch = std::get_if<RbsrEntriesEvent>(&*e)) {
        auto r = store->ingest_batch(batch->entries, store::Trust::kAlreadyVerified, batch->origin);
        if (!r) return r.status();
        received += batch->entries.size();
        for (const auto& one : *r) ingested += one.outcome == store::IngestOutcome::kInserted;
      }
      if (std::holds_alternative<RbsrRootCompleteEvent>(*e)) ++roots_completed;
      if (std::holds_alternative<PioOverlapEvent>(*e)) ++overlaps;
    }
    return Status::ok();
  }

  std::unique_ptr<store::Store> store;
  LcmuxSession mux;
  std::unique_ptr<Session> session;
  std::size_t received = 0;  // entries the session handed out
  std::size_t ingested = 0;  // of them, new to the store
  std::size_t roots_completed = 0;
  std::size_t overlaps = 0;
};

// Moves `from`'s output into `to` in random pieces; returns the bytes moved.
std::size_t move_bytes(Peer& from, Peer& to, std::mt19937_64& rng) {
  const Bytes out = from.mux.take_output();
  std::size_t pos = 0;
  while (pos < out.size()) {
    const std::size_t n = std::min<std::size_t>(out.size() - pos, 1 + rng() % 3000);
    const Status st = to.mux.feed(ByteView(out).subspan(pos, n),
                                  [&](ByteView g) { return to.session->on_global(to.mux, g); });
    EXPECT_TRUE(st.is_ok()) << st.to_string();
    if (!st) return 0;
    pos += n;
  }
  return out.size();
}

// Runs both sides until neither moves a byte and both are idle; false on an error or no end.
::testing::AssertionResult run(Peer& a, Peer& b, std::uint64_t seed,
                               std::size_t* rounds = nullptr) {
  std::mt19937_64 rng(seed);
  for (std::size_t round = 0; round < 100000; ++round) {
    if (Status st = a.progress(); !st)
      return ::testing::AssertionFailure() << "a: " << st.to_string();
    if (Status st = b.progress(); !st)
      return ::testing::AssertionFailure() << "b: " << st.to_string();
    const std::size_t moved = move_bytes(a, b, rng) + move_bytes(b, a, rng);
    if (a.session->failed() || b.session->failed()) {
      return ::testing::AssertionFailure() << "failed: " << a.session->failure().to_string()
                                           << " / " << b.session->failure().to_string();
    }
    if (moved == 0 && a.session->idle(a.mux) && b.session->idle(b.mux)) {
      if (rounds != nullptr) *rounds = round;
      return ::testing::AssertionSuccess();
    }
  }
  return ::testing::AssertionFailure() << "no end";
}

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

TEST_F(SessionTest, AMessageNotSupportedYetEndsTheSessionWithAClearError) {
  Peer a(lmdb(), kAlfieKey, HandshakeRole::kInitiator, {read_capability(kAlfieKey)});
  Peer b(lmdb(), kBettyKey, HandshakeRole::kResponder, {read_capability(kBettyKey)});
  ASSERT_TRUE(run(a, b, 6));
  // A DataSendEntry from Betty (forwarding is not supported yet).
  CodecState state(SyncRole::kBetty);
  Encoder enc;
  const auto e = entries(0, 1)[0];
  const DataSendEntry msg{
      meadowcap::PossiblyAuthorisedEntry{e.entry, store::decode_token_bytes(e.token).value()}, 0};
  ASSERT_TRUE(encode_data_send_entry(enc, msg, state));
  ASSERT_TRUE(b.mux.send_channel(static_cast<std::uint64_t>(LogicalChannel::kData), enc.bytes()));
  std::mt19937_64 rng(1);
  move_bytes(b, a, rng);
  const Status st = a.progress();
  ASSERT_FALSE(st.is_ok());
  EXPECT_NE(st.message().find("DataSendEntry"), std::string::npos) << st.to_string();
  EXPECT_TRUE(a.session->failed());
}

TEST_F(SessionTest, ACapabilityForAnotherReceiverIsRefusedAtCreation) {
  SessionConfig config;
  config.read_capabilities = {read_capability(kBettyKey)};
  HandshakeResult hs;
  hs.peer_static_pk = key(kBettyKey).public_key();
  auto s = Session::create(
      config, hs, key(kAlfieKey).public_key(),
      [](const model::NamespaceId&) -> Result<std::shared_ptr<const store::NamespaceSnapshot>> {
        return error(ErrorCode::kNotFound, "none");
      });
  EXPECT_FALSE(s.is_ok());
}

}  // namespace
}  // namespace osier::sync
