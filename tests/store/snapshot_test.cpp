// NamespaceSnapshot against its oracle (snapshot_oracle.hpp), for both stores: every answer,
// resumable scans, immutability under later writes, life after the store, and many threads.
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "osier/crypto/william3.hpp"
#include "snapshot_oracle.hpp"
#include "store_factories.hpp"
#include "store_random.hpp"

namespace osier::store {
namespace {

using testing::SnapshotOracle;
using testing::StoreRandom;

template <typename Factory>
class SnapshotTest : public testing::StoreFixture<Factory> {
 protected:
  // A namespace of `n` random entries (many pruned on the way).
  void fill(StoreRandom& rnd, int n) {
    for (int i = 0; i < n; ++i) {
      AuthorisedEntry ae = rnd.authorised(ns_);
      ASSERT_TRUE(this->store().ingest(ae, Trust::kAlreadyVerified));
    }
  }

  // Every answer of `snap` to the queries of `rnd`, checked against `oracle`.
  void expect_matches(const NamespaceSnapshot& snap, const SnapshotOracle& oracle, StoreRandom& rnd,
                      int rounds) {
    ASSERT_EQ(snap.namespace_id(), ns_);
    for (int round = 0; round < rounds; ++round) {
      const model::D3Range range = round == 0 ? model::D3Range::full() : rnd.d3_range();
      ASSERT_EQ(snap.summarise(range).value(), oracle.summarise(range)) << "round " << round;

      // Split: the parts cover the range's entries exactly once, each with its own summary.
      const std::size_t k = 1 + rnd.below(9);
      const std::vector<RangePart> parts = snap.split(range, k).value();
      ASSERT_GE(parts.size(), 1u);
      ASSERT_LE(parts.size(), k);
      for (const RangePart& p : parts) {
        EXPECT_EQ(p.summary, oracle.summarise(p.range));
        EXPECT_TRUE(range.includes_range(p.range) || p.range.is_empty() ||
                    oracle.in(p.range).empty());
      }
      // Given the range's summary, the split is the same.
      const auto given = snap.split(range, k, oracle.summarise(range)).value();
      ASSERT_EQ(given.size(), parts.size());
      for (std::size_t i = 0; i < parts.size(); ++i) {
        EXPECT_EQ(given[i].range, parts[i].range);
        EXPECT_EQ(given[i].summary, parts[i].summary);
      }
      for (const auto& e : oracle.entries()) {
        std::size_t in_parts = 0;
        for (const RangePart& p : parts) in_parts += p.range.includes(e.authorised.entry);
        EXPECT_EQ(in_parts, range.includes(e.authorised.entry) ? 1u : 0u);
      }

      // Scan: whole, and in pages resumed from the last entry taken.
      const std::vector<LengthyAuthorisedEntry> want = oracle.in(range);
      std::vector<LengthyAuthorisedEntry> whole;
      ASSERT_TRUE(snap.scan(range, std::nullopt, [&](const LengthyAuthorisedEntry& e) {
        whole.push_back(e);
        return true;
      }));
      EXPECT_EQ(whole, want);
      std::vector<LengthyAuthorisedEntry> paged;
      std::optional<ScanPosition> at;
      for (int pages = 0;; ++pages) {
        ASSERT_LE(pages, static_cast<int>(want.size()) + 1);
        const std::size_t page = 1 + rnd.below(4);
        std::size_t taken = 0;
        ASSERT_TRUE(snap.scan(range, at, [&](const LengthyAuthorisedEntry& e) {
          paged.push_back(e);
          at = ScanPosition{e.authorised.entry.subspace_id, e.authorised.entry.path};
          return ++taken < page;
        }));
        if (taken < page) break;
      }
      EXPECT_EQ(paged, want);
      // Skipping: each entry's hash (what its fingerprint sums) is asked first; the entries it
      // passes over are not given to the callback, the others are, in order.
      std::vector<LengthyAuthorisedEntry> kept, want_kept;
      std::size_t asked = 0;
      const auto skip = [&](const Fp256& h) {
        ++asked;
        // Pass over about half, chosen by the hash.
        return (h.to_bytes()[0] & 1) != 0;
      };
      ASSERT_TRUE(snap.scan(
          range, std::nullopt,
          [&](const LengthyAuthorisedEntry& e) {
            kept.push_back(e);
            return true;
          },
          skip));
      for (const auto& e : want) {
        const Fp256 h =
            hash_lengthy_authorised_entry(e.authorised.entry, e.authorised.token, e.available);
        if ((h.to_bytes()[0] & 1) == 0) want_kept.push_back(e);
      }
      EXPECT_EQ(kept, want_kept);
      EXPECT_EQ(asked, want.size());
      // Resuming after a key that holds no entry.
      const ScanPosition anywhere{rnd.subspace_id(), rnd.path()};
      std::vector<LengthyAuthorisedEntry> after;
      ASSERT_TRUE(snap.scan(range, anywhere, [&](const LengthyAuthorisedEntry& e) {
        after.push_back(e);
        return true;
      }));
      EXPECT_EQ(after, oracle.in(range, anywhere));

      // The range of an area of interest: includes what the aoi includes, tightly in time.
      model::AreaOfInterest aoi{rnd.area()};
      if (rnd.coin()) aoi.max_count = rnd.below(5);
      if (rnd.coin()) aoi.max_size = rnd.below(6000);
      const model::D3Range aoi_range = snap.aoi_range(aoi).value();
      const std::vector<LengthyAuthorisedEntry> included = oracle.aoi_included(aoi);
      const model::D3Range area_range = model::area_to_range(aoi.area);
      EXPECT_EQ(aoi_range.subspaces, area_range.subspaces);
      EXPECT_EQ(aoi_range.paths, area_range.paths);
      if (included.empty()) {
        EXPECT_TRUE(aoi_range.is_empty() || oracle.in(aoi_range).empty());
      } else {
        model::Timestamp oldest = ~model::Timestamp{0};
        for (const auto& e : included) {
          EXPECT_TRUE(aoi_range.includes(e.authorised.entry));
          oldest = std::min(oldest, e.authorised.entry.timestamp);
        }
        const bool limited = aoi.max_count != model::AreaOfInterest::kNoLimit ||
                             aoi.max_size != model::AreaOfInterest::kNoLimit;
        EXPECT_EQ(aoi_range.times.start,
                  limited ? std::max(oldest, area_range.times.start) : area_range.times.start);
        EXPECT_EQ(aoi_range.times.end, area_range.times.end);
      }

      // Point lookups: a stored entry, and a key that may hold none.
      if (!oracle.entries().empty()) {
        const auto& e = oracle.entries()[rnd.below(oracle.entries().size())];
        EXPECT_EQ(snap.get(e.authorised.entry.subspace_id, e.authorised.entry.path).value(), e);
        // Held exactly: the same entry with the same token; not with another token, nor as
        // another entry at the same key.
        EXPECT_TRUE(snap.holds_exactly(e.authorised.entry, e.authorised.token).value());
        Bytes other_token = e.authorised.token;
        other_token[rnd.below(other_token.size())] ^= 0x01;
        EXPECT_FALSE(snap.holds_exactly(e.authorised.entry, other_token).value());
        model::Entry later = e.authorised.entry;
        later.timestamp += 1;
        EXPECT_FALSE(snap.holds_exactly(later, e.authorised.token).value());
      }
      const model::SubspaceId s = rnd.subspace_id();
      const model::Path p = rnd.path();
      std::optional<LengthyAuthorisedEntry> want_one;
      for (const auto& e : oracle.entries()) {
        if (e.authorised.entry.subspace_id == s && e.authorised.entry.path == p) want_one = e;
      }
      EXPECT_EQ(snap.get(s, p).value(), want_one);
      if (!want_one) {
        model::Entry absent = rnd.authorised(ns_).entry;
        absent.subspace_id = s;
        absent.path = p;
        EXPECT_FALSE(snap.holds_exactly(absent, {}).value());
      }
    }
  }

  model::NamespaceId ns_ = [] {
    model::NamespaceId id{};
    id.fill(0x10);
    return id;
  }();
};

TYPED_TEST_SUITE_P(SnapshotTest);

TYPED_TEST_P(SnapshotTest, AnswersAsTheOracle) {
  for (std::uint64_t seed : {1u, 2u, 3u}) {
    this->ns_.back() = static_cast<std::uint8_t>(seed);  // a namespace per seed, one store
    StoreRandom rnd(seed);
    this->fill(rnd, 40 + static_cast<int>(seed) * 60);
    const auto snap = this->store().snapshot(this->ns_).value();
    const SnapshotOracle oracle = SnapshotOracle::of(this->store(), this->ns_);
    ASSERT_GT(oracle.entries().size(), 10u);
    this->expect_matches(*snap, oracle, rnd, 150);
  }
}

TYPED_TEST_P(SnapshotTest, AnEmptyNamespaceHasAnEmptySnapshot) {
  StoreRandom rnd(9);
  const auto snap = this->store().snapshot(this->ns_).value();
  EXPECT_EQ(snap->summarise(model::D3Range::full()).value(), RangeSummary{});
  EXPECT_EQ(snap->split(model::D3Range::full(), 4).value().size(), 1u);
  this->expect_matches(*snap, SnapshotOracle::of(this->store(), this->ns_), rnd, 20);
}

TYPED_TEST_P(SnapshotTest, LaterWritesAreNotSeenAndItOutlivesTheStore) {
  StoreRandom rnd(4);
  this->fill(rnd, 200);
  const auto snap = this->store().snapshot(this->ns_).value();
  const SnapshotOracle before = SnapshotOracle::of(this->store(), this->ns_);
  this->fill(rnd, 200);  // inserts and prunes
  ASSERT_TRUE(this->store().forget_range(this->ns_, rnd.d3_range()));
  ASSERT_NE(SnapshotOracle::of(this->store(), this->ns_).entries(), before.entries());
  StoreRandom queries(5);
  this->expect_matches(*snap, before, queries, 60);
  this->store_.reset();
  StoreRandom again(5);
  this->expect_matches(*snap, before, again, 60);
}

TYPED_TEST_P(SnapshotTest, ManyThreadsReadOneSnapshotWhileTheStoreIsWritten) {
  StoreRandom rnd(6);
  this->fill(rnd, 300);
  const auto snap = this->store().snapshot(this->ns_).value();
  const SnapshotOracle oracle = SnapshotOracle::of(this->store(), this->ns_);
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    StoreRandom w(7);
    while (!stop) {
      if (!this->store().ingest(w.authorised(this->ns_), Trust::kAlreadyVerified)) break;
    }
  });
  std::vector<std::thread> readers;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    readers.emplace_back([&, t] {
      StoreRandom r(100 + static_cast<std::uint64_t>(t));
      for (int i = 0; i < 150; ++i) {
        const model::D3Range range = r.d3_range();
        auto s = snap->summarise(range);
        if (!s || *s != oracle.summarise(range)) ++failures;
        std::size_t n = 0;
        auto scanned = snap->scan(range, std::nullopt, [&](const LengthyAuthorisedEntry&) {
          ++n;
          return true;
        });
        if (!scanned || n != oracle.in(range).size()) ++failures;
        auto parts = snap->split(range, 3);
        if (!parts) ++failures;
      }
    });
  }
  for (auto& t : readers) t.join();
  stop = true;
  writer.join();
  EXPECT_EQ(failures.load(), 0);
}

// A scan's skip is asked with hash_lengthy_authorised_entry of each entry as held, its available
// length included: after a payload grew (to a prefix, and whole), the hash asked is of the new
// length, so an entry passed over by the hash a peer sent is the one it holds.
TYPED_TEST_P(SnapshotTest, ScanSkipIsAskedWithTheHashOfWhatIsHeld) {
  StoreRandom rnd(12);
  this->fill(rnd, 60);
  // Two payloads: entries with the same one share what is held of it.
  const Bytes payloads[2] = {Bytes(5000, 0x44), Bytes(5000, 0x55)};
  const Bytes& payload = payloads[0];
  std::vector<AuthorisedEntry> grown;
  for (int i = 0; i < 2; ++i) {
    AuthorisedEntry ae = rnd.authorised(this->ns_);
    ae.entry.path = model::Path::from_strings({"grown", i == 0 ? "prefix" : "whole"}).value();
    ae.entry.timestamp = 1u << 30;
    ae.entry.payload_length = payloads[i].size();
    ae.entry.payload_digest = crypto::william3(payloads[i]);
    ASSERT_TRUE(this->store().ingest(ae, Trust::kAlreadyVerified));
    grown.push_back(ae);
  }
  const model::Entry& p = grown[0].entry;
  ASSERT_TRUE(this->store().append_verified(this->ns_, p.subspace_id, p.path, p.payload_digest, 0,
                                            ByteView(payload).first(4096), {}, Origin::local()));
  const model::Entry& w = grown[1].entry;
  ASSERT_TRUE(
      this->store().write_payload(this->ns_, w.subspace_id, w.path, memory_source(payloads[1])));

  const auto snap = this->store().snapshot(this->ns_).value();
  const SnapshotOracle oracle = SnapshotOracle::of(this->store(), this->ns_);
  std::set<Fingerprint> held, asked;
  std::set<std::uint64_t> availables;
  for (const auto& e : oracle.entries()) {
    held.insert(hash_lengthy_authorised_entry(e.authorised.entry, e.authorised.token, e.available)
                    .to_bytes());
    availables.insert(e.available);
  }
  ASSERT_TRUE(availables.contains(4096));
  ASSERT_TRUE(availables.contains(payload.size()));
  std::size_t given = 0;
  ASSERT_TRUE(snap->scan(
      model::D3Range::full(), std::nullopt,
      [&](const LengthyAuthorisedEntry&) {
        ++given;
        return true;
      },
      [&](const Fp256& h) {
        asked.insert(h.to_bytes());
        return true;  // pass over every entry
      }));
  EXPECT_EQ(asked, held);
  EXPECT_EQ(given, 0u);
  // Held exactly whatever is held of the payload: a prefix, all of it, none.
  for (const auto& g : grown) EXPECT_TRUE(snap->holds_exactly(g.entry, g.token).value());
}

REGISTER_TYPED_TEST_SUITE_P(SnapshotTest, AnswersAsTheOracle, AnEmptyNamespaceHasAnEmptySnapshot,
                            LaterWritesAreNotSeenAndItOutlivesTheStore,
                            ManyThreadsReadOneSnapshotWhileTheStoreIsWritten,
                            ScanSkipIsAskedWithTheHashOfWhatIsHeld);
INSTANTIATE_TYPED_TEST_SUITE_P(All, SnapshotTest, testing::StoreFactories);

}  // namespace
}  // namespace osier::store
