// Events (both stores): kinds, sequence numbers, area filtering, replay after a restart, and
// the "re-query" answer once history was compacted.
#include <gtest/gtest.h>

#include "osier/crypto/william3.hpp"
#include "osier/store/store.hpp"
#include "store/lmdb_store.hpp"
#include "store/memory_store.hpp"
#include "store/store_factories.hpp"
#include "store/store_random.hpp"

namespace osier::store {
namespace {

AuthorisedEntry at(const char* a, const char* b, model::Timestamp t) {
  AuthorisedEntry ae;
  ae.entry.namespace_id.fill(0x20);
  ae.entry.subspace_id.fill(0x42);
  ae.entry.path = model::Path::from_strings({a, b}).value();
  ae.entry.timestamp = t;
  ae.token = {1};
  return ae;
}

template <typename Factory>
class StoreEvents : public testing::StoreFixture<Factory> {};

TYPED_TEST_SUITE_P(StoreEvents);

TYPED_TEST_P(StoreEvents, KindsSequenceNumbersAndResume) {
  Store& s = this->store();
  const auto ns = at("x", "y", 0).entry.namespace_id;
  model::Area blog = model::Area::full();
  blog.path = model::Path::from_strings({"blog"}).value();
  std::vector<StoreEvent> seen;
  auto sub = s.subscribe(ns, blog, std::nullopt, [&](const StoreEvent& e) { seen.push_back(e); });
  ASSERT_TRUE(sub);

  ASSERT_TRUE(s.ingest(at("blog", "a", 1), Trust::kAlreadyVerified));
  ASSERT_TRUE(s.ingest(at("other", "a", 1), Trust::kAlreadyVerified));  // outside the area
  AuthorisedEntry newer = at("blog", "a", 2);
  const Bytes payload(3000, 0x33);
  newer.entry.payload_length = payload.size();
  newer.entry.payload_digest = crypto::william3(payload);
  ASSERT_TRUE(s.ingest(newer, Trust::kAlreadyVerified));  // prunes blog/a@1
  ASSERT_TRUE(
      s.write_payload(ns, newer.entry.subspace_id, newer.entry.path, memory_source(payload)));
  ASSERT_TRUE(s.forget_payload(ns, newer.entry.subspace_id, newer.entry.path));
  ASSERT_TRUE(s.forget_entry(ns, newer.entry.subspace_id, newer.entry.path));

  std::vector<EventKind> kinds;
  for (const auto& e : seen) kinds.push_back(e.kind);
  EXPECT_EQ(kinds, (std::vector<EventKind>{EventKind::kInserted, EventKind::kPruned,
                                           EventKind::kInserted, EventKind::kPayloadAppended,
                                           EventKind::kPayloadForgotten, EventKind::kForgotten}));
  for (std::size_t i = 1; i < seen.size(); ++i) EXPECT_GT(seen[i].seq, seen[i - 1].seq);
  EXPECT_EQ(seen[3].available, payload.size());
  EXPECT_EQ(seen[4].available, 0u);
  EXPECT_EQ(s.last_sequence().value(), seen.back().seq);
  s.unsubscribe(*sub);

  // After a restart, resume from the third event: the rest comes again, identical.
  const std::uint64_t resume_after = seen[2].seq;
  this->reopen();
  std::vector<StoreEvent> replay;
  auto again = this->store().subscribe(ns, blog, resume_after,
                                       [&](const StoreEvent& e) { replay.push_back(e); });
  ASSERT_TRUE(again) << again.status().to_string();
  EXPECT_EQ(replay, std::vector<StoreEvent>(seen.begin() + 3, seen.end()));
  // And live events keep coming after the replay.
  ASSERT_TRUE(this->store().ingest(at("blog", "b", 9), Trust::kAlreadyVerified));
  ASSERT_EQ(replay.size(), 4u);
  EXPECT_EQ(replay.back().kind, EventKind::kInserted);
  EXPECT_GT(replay.back().seq, seen.back().seq);
}

// Events carry the origin of the change that caused them — the prunings an entry from a
// session causes too — and keep it when replayed after a restart.
TYPED_TEST_P(StoreEvents, EventsCarryTheirOrigin) {
  Store& s = this->store();
  const auto ns = at("x", "y", 0).entry.namespace_id;
  std::vector<StoreEvent> seen;
  ASSERT_TRUE(s.subscribe(ns, model::Area::full(), std::nullopt,
                          [&](const StoreEvent& e) { seen.push_back(e); }));
  const Origin peer = Origin::remote(42);
  ASSERT_TRUE(s.ingest(at("o", "a", 1), Trust::kAlreadyVerified));
  ASSERT_TRUE(s.ingest(at("o", "a", 2), Trust::kAlreadyVerified, peer));  // prunes o/a@1
  const std::vector<AuthorisedEntry> batch{at("o", "b", 1), at("o", "c", 1)};
  ASSERT_TRUE(s.ingest_batch(batch, Trust::kAlreadyVerified, Origin::remote(7)));
  AuthorisedEntry big = at("o", "d", 1);
  const Bytes payload(5000, 0x44);
  big.entry.payload_length = payload.size();
  big.entry.payload_digest = crypto::william3(payload);
  ASSERT_TRUE(s.ingest(big, Trust::kAlreadyVerified, peer));
  ASSERT_TRUE(s.append_verified(ns, big.entry.subspace_id, big.entry.path, big.entry.payload_digest,
                                0, ByteView(payload).first(4096), {}, Origin::remote(9)));
  AuthorisedEntry local = at("o", "e", 1);
  local.entry.payload_length = payload.size();
  local.entry.payload_digest = crypto::william3(payload);  // shares big's payload
  ASSERT_TRUE(s.ingest_with_payload(local, memory_source(payload), Trust::kAlreadyVerified,
                                    Origin::remote(11)));
  std::vector<std::pair<EventKind, std::uint64_t>> got;
  for (const auto& e : seen) got.emplace_back(e.kind, e.origin.session);
  EXPECT_EQ(got, (std::vector<std::pair<EventKind, std::uint64_t>>{
                     {EventKind::kInserted, 0},
                     {EventKind::kPruned, 42},
                     {EventKind::kInserted, 42},
                     {EventKind::kInserted, 7},
                     {EventKind::kInserted, 7},
                     {EventKind::kInserted, 42},
                     {EventKind::kPayloadAppended, 9},
                     {EventKind::kInserted, 11},
                     {EventKind::kPayloadAppended, 11},  // big sees the payload complete
                 }));
  this->reopen();
  std::vector<StoreEvent> replay;
  ASSERT_TRUE(this->store().subscribe(ns, model::Area::full(), 0,
                                      [&](const StoreEvent& e) { replay.push_back(e); }));
  EXPECT_EQ(replay, seen);  // from disk, or from MemoryStore's in-memory history
}

TEST(StoreEventRecord, RoundTripsAndRejectsMalformedRecords) {
  StoreEvent ev{5, EventKind::kPruned, at("r", "t", 3).entry, 17,
                Origin::remote(0x0102030405060708)};
  const Bytes remote = encode_event(ev);
  EXPECT_EQ(remote[0], 0x82);
  EXPECT_EQ(decode_event(5, remote).value(), ev);
  ev.origin = Origin::local();
  const Bytes local = encode_event(ev);
  EXPECT_EQ(local.size() + 8, remote.size());
  EXPECT_EQ(decode_event(5, local).value(), ev);
  Bytes zero = remote;  // a remote flag with session 0
  std::fill(zero.begin() + 9, zero.begin() + 17, 0);
  EXPECT_EQ(decode_event(5, zero).status().code(), ErrorCode::kCorrupt);
  for (std::size_t n = 0; n < remote.size(); ++n) {
    EXPECT_FALSE(decode_event(5, ByteView(remote).first(n))) << n;
  }
  Bytes bad_kind = local;
  bad_kind[0] = 0x86;
  EXPECT_FALSE(decode_event(5, bad_kind));
}

REGISTER_TYPED_TEST_SUITE_P(StoreEvents, KindsSequenceNumbersAndResume, EventsCarryTheirOrigin);
INSTANTIATE_TYPED_TEST_SUITE_P(All, StoreEvents, testing::StoreFactories);

void expect_compaction(Store& s) {
  const auto ns = at("x", "y", 0).entry.namespace_id;
  for (int i = 0; i < 20; ++i) {
    std::string name = std::to_string(i);
    ASSERT_TRUE(s.ingest(at("p", name.c_str(), 1), Trust::kAlreadyVerified));
  }
  const std::uint64_t last = s.last_sequence().value();
  EXPECT_EQ(last, 20u);
  std::vector<StoreEvent> got;
  auto ok = s.subscribe(ns, model::Area::full(), last - 5,
                        [&](const StoreEvent& e) { got.push_back(e); });
  ASSERT_TRUE(ok);
  EXPECT_EQ(got.size(), 5u);
  auto too_old = s.subscribe(ns, model::Area::full(), 3, [](const StoreEvent&) {});
  ASSERT_FALSE(too_old);
  EXPECT_EQ(too_old.status().code(), ErrorCode::kOutOfRange);
}

TEST(StoreEventHistory, MemoryCompacts) {
  MemoryStore s(testing::test_authoriser(), 8);
  expect_compaction(s);
}

TEST(StoreEventHistory, LmdbCompacts) {
  testing::TempDir dir;
  LmdbStoreOptions o;
  o.authoriser = testing::test_authoriser();
  o.sync_commits = false;
  o.max_event_history = 8;
  auto s = LmdbStore::open(dir.path(), o).value();
  expect_compaction(*s);
}

}  // namespace
}  // namespace osier::store
