// Export -> import round trips, idempotence, and slice modes 10 and 11 as other writers use them.
#include <gtest/gtest.h>

#include "base/compact_u64.hpp"
#include "drop/drop_codec.hpp"
#include "drop_fixture.hpp"

namespace osier::drop::testing {
namespace {

template <typename F>
class DropRoundTrip : public ::testing::Test {
 protected:
  F factory;
};
using Factories = ::testing::Types<MemoryFactory, LmdbFactory>;
TYPED_TEST_SUITE(DropRoundTrip, Factories);

model::Path path_of(std::initializer_list<std::string_view> parts) {
  return model::Path::from_strings(parts).value();
}

// A random entry set: several users, prefix-related paths (so some prune others), payloads of
// the edge sizes and a few partial ones.
void fill_random(store::Store& s, std::uint64_t seed, bool big) {
  std::mt19937_64 rng(seed);
  const std::vector<std::uint64_t> sizes = {0, 1, 1024, 1025, 5000, 70000};
  const char* names[] = {"a", "b", "c", "docs", "x"};
  for (int i = 0; i < 40; ++i) {
    const auto key = user_key(static_cast<std::uint8_t>(rng() % 3));
    std::vector<std::string> comps;
    const int depth = 1 + static_cast<int>(rng() % 3);
    for (int d = 0; d < depth; ++d) comps.push_back(names[rng() % 5]);
    std::vector<ByteView> views;
    for (const auto& c : comps)
      views.emplace_back(reinterpret_cast<const std::uint8_t*>(c.data()), c.size());
    const model::Path path = model::Path::from_components(views).value();
    const std::uint64_t size = sizes[rng() % sizes.size()];
    const Bytes payload = pseudo_random_bytes(size, rng());
    const auto ae = make_entry(key, path, 1000 + rng() % 50, payload);
    std::optional<std::uint64_t> held;
    if (size > 4096 && rng() % 3 == 0) held = 2048;
    put(s, ae, payload, held);
  }
  if (big) {
    const Bytes payload = pseudo_random_bytes(std::size_t{5} << 20, seed);
    put(s, make_entry(user_key(9), path_of({"big"}), 7, payload), payload);
  }
}

TYPED_TEST(DropRoundTrip, RandomEntrySetsSurviveExportImport) {
  for (std::uint64_t seed : {1u, 2u, 3u}) {
    auto source = this->factory.open();
    fill_random(*source, seed, seed == 1);
    const Snapshot before = snapshot(*source);
    ASSERT_FALSE(before.entries.empty());
    const Bytes drop = export_all(*source);

    auto target = this->factory.open();
    auto stats = import_bytes(*target, drop);
    ASSERT_TRUE(stats) << stats.status().to_string();
    EXPECT_EQ(stats->entries, before.entries.size());
    EXPECT_EQ(stats->inserted, before.entries.size());
    EXPECT_EQ(snapshot(*target), before);
    EXPECT_TRUE(target->check());

    // Importing again changes nothing.
    const auto last = target->last_sequence();
    auto again = import_bytes(*target, drop);
    ASSERT_TRUE(again) << again.status().to_string();
    EXPECT_EQ(again->inserted, 0u);
    EXPECT_EQ(again->payloads_written, 0u);
    EXPECT_EQ(snapshot(*target), before);
    EXPECT_EQ(target->last_sequence().value(), last.value());

    // Partial payloads travel as the slices held, so the imported store exports the same drop.
    EXPECT_EQ(stats->slices_not_stored, 0u);
    EXPECT_EQ(export_all(*target), drop);
  }
}

TYPED_TEST(DropRoundTrip, EmptyDropIsOneZeroByte) {
  auto s = this->factory.open();
  const Bytes drop = export_all(*s);
  EXPECT_EQ(drop, Bytes{0x00});
  auto stats = import_bytes(*s, drop);
  ASSERT_TRUE(stats);
  EXPECT_EQ(stats->entries, 0u);
}

TYPED_TEST(DropRoundTrip, ImportIntoStoreWithNewerEntriesKeepsThem) {
  auto a = this->factory.open();
  const Bytes old_payload = pseudo_random_bytes(3000, 1);
  put(*a, make_entry(user_key(1), path_of({"p"}), 10, old_payload), old_payload);
  const Bytes drop = export_all(*a);

  auto b = this->factory.open();
  const Bytes new_payload = pseudo_random_bytes(10, 2);
  put(*b, make_entry(user_key(1), path_of({"p"}), 20, new_payload), new_payload);
  const Snapshot before = snapshot(*b);
  auto stats = import_bytes(*b, drop);
  ASSERT_TRUE(stats) << stats.status().to_string();
  EXPECT_EQ(stats->obsolete, 1u);
  EXPECT_EQ(snapshot(*b), before);
}

TYPED_TEST(DropRoundTrip, SliceModesTenAndElevenVerifyAndStoreWholePayloads) {
  const Bytes payload = pseudo_random_bytes(200 * 1024 + 7, 5);  // 201 chunks
  const auto ae = make_entry(user_key(2), path_of({"s"}), 5, payload);
  for (SliceMode mode : {SliceMode::kPrefix, SliceMode::kSlices}) {
    auto s = this->factory.open();
    auto stats = import_bytes(*s, hand_drop(ae, payload, mode, {{0, 201}}));
    ASSERT_TRUE(stats) << stats.status().to_string();
    EXPECT_EQ(stats->payloads_written, 1u);
    auto state = s->payload_state(ae.entry.namespace_id, ae.entry.subspace_id, ae.entry.path);
    ASSERT_TRUE(state && *state);
    EXPECT_TRUE((*state)->complete());

    // A partial slice verifies: from chunk 0 it is stored as a verified prefix, from elsewhere
    // the entry is stored without payload bytes.
    for (std::uint64_t first : {0u, 70u}) {
      if (mode == SliceMode::kPrefix && first != 0) continue;
      auto s2 = this->factory.open();
      auto partial = import_bytes(*s2, hand_drop(ae, payload, mode, {{first, 65}}));
      ASSERT_TRUE(partial) << partial.status().to_string();
      EXPECT_EQ(partial->slices_not_stored, first == 0 ? 0u : 1u);
      EXPECT_EQ(partial->partial_payloads_written, first == 0 ? 1u : 0u);
      EXPECT_EQ(partial->inserted, 1u);
      auto held = s2->payload_state(ae.entry.namespace_id, ae.entry.subspace_id, ae.entry.path);
      ASSERT_TRUE(held && *held);
      EXPECT_EQ((*held)->held, first == 0 ? 65u * 1024 : 0u);
    }

    // One flipped byte in the slice stream fails verification and stores nothing.
    Bytes bad = hand_drop(ae, payload, mode, {{0, 201}});
    bad[bad.size() - 500] ^= 0x10;
    auto s3 = this->factory.open();
    auto failed = import_bytes(*s3, bad);
    ASSERT_FALSE(failed);
    EXPECT_EQ(failed.status().code(), ErrorCode::kVerification) << failed.status().to_string();
    EXPECT_TRUE(snapshot(*s3).entries.empty());
  }
}

// A drop of n entries of one writer, each with a 10-byte payload.
Bytes drop_of(int n) {
  store::MemoryStore s;
  for (int i = 0; i < n; ++i) {
    const Bytes p = pseudo_random_bytes(10, static_cast<std::uint64_t>(i));
    put(s, make_entry(user_key(1), model::Path::from_strings({std::to_string(i)}).value(), 1, p),
        p);
  }
  return export_all(s);
}

TEST(DropCaps, EntryCountCapIsEnforced) {
  const Bytes drop = drop_of(3);
  store::MemoryStore t;
  ImportOptions opts;
  opts.max_entries = 2;
  auto r = import_drop(t, memory_source(drop), opts);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.status().code(), ErrorCode::kOutOfRange);
  EXPECT_TRUE(snapshot(t).entries.empty());
  opts.max_entries = 3;
  opts.max_staged_payload_bytes = 25;
  r = import_drop(t, memory_source(drop), opts);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.status().code(), ErrorCode::kOutOfRange);
  EXPECT_TRUE(snapshot(t).entries.empty());
}

// The entries as decoded (each with its whole token) may take at most max_expansion bytes per
// byte of drop past a floor: a drop whose entries reuse a long capability, sent once, expands to
// a copy per entry. Here the drop codes each token relative to the previous: at a factor of 1
// and no floor the import fails (nothing stored); at the defaults it goes through.
TEST(DropCaps, EntriesExpandingPastTheFactorAreRefused) {
  const Bytes drop = drop_of(20);
  store::MemoryStore t;
  ImportOptions opts;
  opts.max_expansion_floor = 0;
  opts.max_expansion = 1;
  auto r = import_drop(t, memory_source(drop), opts);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.status().code(), ErrorCode::kOutOfRange);
  EXPECT_NE(r.status().message().find("reuse very long capabilities"), std::string::npos)
      << r.status().message();
  EXPECT_TRUE(snapshot(t).entries.empty());
  r = import_drop(t, memory_source(drop), ImportOptions{});
  ASSERT_TRUE(r) << r.status().to_string();
  EXPECT_EQ(r->inserted, 20u);
}

}  // namespace
}  // namespace osier::drop::testing
