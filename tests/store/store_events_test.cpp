// Events (both stores): kinds, sequence numbers, area filtering, replay after a restart, and
// the "re-query" answer once history was compacted.
#include <gtest/gtest.h>

#include "crypto/william3.hpp"
#include "store/lmdb_store.hpp"
#include "store/memory_store.hpp"
#include "store/store.hpp"
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
  bool given = false;
  ASSERT_TRUE(s.write_payload(ns, newer.entry.subspace_id, newer.entry.path,
                              [&]() -> Result<ByteView> {
                                if (given) return ByteView{};
                                given = true;
                                return ByteView(payload);
                              }));
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

REGISTER_TYPED_TEST_SUITE_P(StoreEvents, KindsSequenceNumbersAndResume);
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
