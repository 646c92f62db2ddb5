// The conformance suite every Store implementation passes (typed over the implementations).
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "model/join.hpp"
#include "osier/store/fingerprint.hpp"
#include "osier/store/store.hpp"
#include "store/store_factories.hpp"
#include "store/store_random.hpp"

namespace osier::store {
namespace {

using model::D3Range;
using model::Entry;
using model::NamespaceId;
using testing::StoreRandom;

template <typename Factory>
class StoreConformance : public testing::StoreFixture<Factory> {
 public:
  // A fresh, empty store.
  void reset() {
    this->store_.reset();
    this->factory_.wipe();
    this->store_ = this->factory_.open();
  }

  // Everything the store holds in `ns`, in (subspace, path) order.
  std::vector<LengthyAuthorisedEntry> all(const NamespaceId& ns) {
    std::vector<LengthyAuthorisedEntry> out;
    EXPECT_TRUE(this->store().query(ns, D3Range::full(), {}, [&](const LengthyAuthorisedEntry& e) {
      out.push_back(e);
      return true;
    }));
    return out;
  }
  std::vector<Entry> all_entries(const NamespaceId& ns) {
    std::vector<Entry> out;
    for (const auto& e : all(ns)) out.push_back(e.authorised.entry);
    return out;
  }
};

TYPED_TEST_SUITE_P(StoreConformance);

NamespaceId ns_a() {
  NamespaceId n{};
  n.fill(0x10);
  return n;
}

AuthorisedEntry make(const char* path, model::Timestamp t, std::uint8_t digest_last = 0,
                     std::uint64_t length = 1) {
  AuthorisedEntry ae;
  ae.entry.namespace_id = ns_a();
  ae.entry.subspace_id.fill(0x42);
  std::vector<std::string_view> comps;
  std::string s(path);
  std::size_t pos = 1;
  while (pos <= s.size() && !s.empty()) {
    std::size_t next = s.find('/', pos);
    if (next == std::string::npos) next = s.size();
    comps.push_back(std::string_view(s).substr(pos, next - pos));
    pos = next + 1;
  }
  std::vector<ByteView> views;
  for (auto c : comps) views.push_back(as_bytes(c));
  ae.entry.path = model::Path::from_components(views).value();
  ae.entry.timestamp = t;
  ae.entry.payload_length = length;
  ae.entry.payload_digest.back() = digest_last;
  ae.token = {1, 2, 3};
  return ae;
}

TYPED_TEST_P(StoreConformance, PruningCases) {
  Store& s = this->store();
  auto r = s.ingest(make("/a", 1), Trust::kAlreadyVerified);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->outcome, IngestOutcome::kInserted);
  r = s.ingest(make("/a/b", 2), Trust::kAlreadyVerified);
  EXPECT_EQ(r->outcome, IngestOutcome::kInserted);
  r = s.ingest(make("/a/c", 0), Trust::kAlreadyVerified);  // pruned by /a@1
  EXPECT_EQ(r->outcome, IngestOutcome::kObsolete);
  r = s.ingest(make("/a", 1), Trust::kAlreadyVerified);  // already there
  EXPECT_EQ(r->outcome, IngestOutcome::kObsolete);
  r = s.ingest(make("/a", 1, 1), Trust::kAlreadyVerified);  // same time, greater digest wins
  EXPECT_EQ(r->outcome, IngestOutcome::kInserted);
  EXPECT_EQ(r->pruned, 1u);
  r = s.ingest(make("/a", 1, 0, 5), Trust::kAlreadyVerified);  // smaller digest loses
  EXPECT_EQ(r->outcome, IngestOutcome::kObsolete);
  r = s.ingest(make("", 3), Trust::kAlreadyVerified);  // prunes everything
  EXPECT_EQ(r->outcome, IngestOutcome::kInserted);
  EXPECT_EQ(r->pruned, 2u);
  EXPECT_EQ(this->all_entries(ns_a()).size(), 1u);
  r = s.ingest(make("/z", 4), Trust::kAlreadyVerified);  // newer than its prefix: kept
  EXPECT_EQ(r->outcome, IngestOutcome::kInserted);
  EXPECT_EQ(this->all_entries(ns_a()).size(), 2u);
  EXPECT_TRUE(s.check());
  auto got = s.get(ns_a(), make("/z", 0).entry.subspace_id, make("/z", 0).entry.path);
  ASSERT_TRUE(got);
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((*got)->authorised, make("/z", 4));
  auto none = s.get(ns_a(), make("/y", 0).entry.subspace_id, make("/y", 0).entry.path);
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->has_value());
}

TYPED_TEST_P(StoreConformance, RejectsUnauthorised) {
  Store& s = this->store();
  AuthorisedEntry bad = make("/a", 1);
  bad.token = {0xff};  // the test authoriser refuses tokens starting with 0xff
  auto r = s.ingest(bad);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->outcome, IngestOutcome::kRejected);
  EXPECT_FALSE(r->reason.is_ok());
  EXPECT_TRUE(this->all_entries(ns_a()).empty());
  r = s.ingest(make("/a", 1));
  EXPECT_EQ(r->outcome, IngestOutcome::kInserted);
  r = s.ingest(bad, Trust::kAlreadyVerified);  // vouched for: not checked
  EXPECT_EQ(r->outcome, IngestOutcome::kObsolete);
}

// Random ingest sequences (single and batched, several namespaces) equal the reference join.
TYPED_TEST_P(StoreConformance, RandomIngestMatchesReferenceJoin) {
  for (std::uint64_t seed = 1; seed <= 12; ++seed) {
    this->reset();
    StoreRandom rnd(seed);
    std::vector<AuthorisedEntry> ingested;
    std::map<NamespaceId, bool> seen;
    const int n = 150;
    for (int i = 0; i < n;) {
      if (rnd.below(4) == 0) {
        std::vector<AuthorisedEntry> batch;
        const auto m = 1 + rnd.below(10);
        for (std::uint64_t j = 0; j < m; ++j) batch.push_back(rnd.authorised(rnd.namespace_id()));
        auto res = this->store().ingest_batch(batch, Trust::kAlreadyVerified);
        ASSERT_TRUE(res) << res.status().to_string();
        ASSERT_EQ(res->size(), batch.size());
        for (auto& b : batch) ingested.push_back(b);
        i += static_cast<int>(m);
      } else {
        auto ae = rnd.authorised(rnd.namespace_id());
        auto res = this->store().ingest(ae, Trust::kAlreadyVerified);
        ASSERT_TRUE(res) << res.status().to_string();
        ASSERT_NE(res->outcome, IngestOutcome::kRejected);
        ingested.push_back(ae);
        ++i;
        std::vector<Entry> so_far;
        for (auto& x : ingested) so_far.push_back(x.entry);
        std::vector<Entry> now;
        for (auto& x : this->all_entries(ae.entry.namespace_id)) now.push_back(x);
        std::vector<Entry> exp_ns;
        for (auto& x : model::join(so_far))
          if (x.namespace_id == ae.entry.namespace_id) exp_ns.push_back(x);
        std::sort(now.begin(), now.end(), model::canonical_less);
        ASSERT_EQ(now, exp_ns) << "after ingesting " << ::testing::PrintToString(ae.entry)
                               << " outcome " << int(res->outcome);
      }
      if (rnd.below(40) == 0) this->reopen();
    }
    std::vector<Entry> entries;
    for (auto& ae : ingested) entries.push_back(ae.entry);
    const auto expected = model::join(entries);
    std::vector<Entry> actual;
    auto nss = this->store().namespaces();
    ASSERT_TRUE(nss);
    for (const auto& ns : *nss) {
      for (auto& e : this->all_entries(ns)) actual.push_back(e);
    }
    std::sort(actual.begin(), actual.end(), model::canonical_less);
    EXPECT_EQ(actual, expected) << "seed " << seed;
    Status st = this->store().check();
    EXPECT_TRUE(st) << st.to_string();
  }
}

// Loads a random store and returns what it holds per namespace.
template <typename T>
std::map<NamespaceId, std::vector<LengthyAuthorisedEntry>> fill(T& t, StoreRandom& rnd, int n) {
  std::vector<AuthorisedEntry> batch;
  for (int i = 0; i < n; ++i) batch.push_back(rnd.authorised(rnd.namespace_id()));
  EXPECT_TRUE(t.store().ingest_batch(batch, Trust::kAlreadyVerified));
  std::map<NamespaceId, std::vector<LengthyAuthorisedEntry>> out;
  const auto nss = t.store().namespaces();
  for (const auto& ns : nss.value()) out[ns] = t.all(ns);
  return out;
}

RangeSummary brute_summary(const std::vector<LengthyAuthorisedEntry>& es, const D3Range& r) {
  Fp256 fp;
  RangeSummary s;
  for (const auto& e : es) {
    if (!r.includes(e.authorised.entry)) continue;
    fp += hash_lengthy_authorised_entry(e.authorised.entry, e.authorised.token, e.available);
    ++s.count;
    s.payload_bytes += e.authorised.entry.payload_length;
  }
  s.fingerprint = fp.to_bytes();
  return s;
}

TYPED_TEST_P(StoreConformance, SummariesOfRandomRangesMatchBruteForce) {
  for (std::uint64_t seed = 1; seed <= 4; ++seed) {
    this->reset();
    StoreRandom rnd(seed * 77);
    auto held = fill(*this, rnd, 400);
    for (int q = 0; q < 300; ++q) {
      const NamespaceId ns = rnd.namespace_id(3);  // sometimes a namespace with no entries
      const D3Range r = rnd.d3_range();
      auto got = this->store().summarise(ns, r);
      ASSERT_TRUE(got);
      EXPECT_EQ(*got, brute_summary(held[ns], r)) << "seed " << seed << " query " << q;
    }
  }
}

TYPED_TEST_P(StoreConformance, QueriesMatchBruteForce) {
  StoreRandom rnd(99);
  auto held = fill(*this, rnd, 400);
  for (int q = 0; q < 200; ++q) {
    const NamespaceId ns = rnd.namespace_id();
    const D3Range r = rnd.d3_range();
    const std::uint64_t limit = rnd.coin() ? UINT64_MAX : rnd.below(6);
    std::vector<LengthyAuthorisedEntry> expect_asc, expect_new;
    for (const auto& e : held[ns]) {
      if (r.includes(e.authorised.entry)) expect_asc.push_back(e);
    }
    expect_new = expect_asc;
    std::stable_sort(expect_new.begin(), expect_new.end(), [](const auto& a, const auto& b) {
      return model::newer_than(a.authorised.entry, b.authorised.entry);
    });
    if (expect_asc.size() > limit) expect_asc.resize(limit);
    if (expect_new.size() > limit) expect_new.resize(limit);
    for (QueryOrder order : {QueryOrder::kSubspacePathTime, QueryOrder::kNewestFirst}) {
      std::vector<LengthyAuthorisedEntry> got;
      ASSERT_TRUE(this->store().query(ns, r, {order, limit}, [&](const LengthyAuthorisedEntry& e) {
        got.push_back(e);
        return true;
      }));
      EXPECT_EQ(got, order == QueryOrder::kNewestFirst ? expect_new : expect_asc) << "query " << q;
    }
  }
}

TYPED_TEST_P(StoreConformance, AreaOfInterestMatchesBruteForce) {
  StoreRandom rnd(5);
  auto held = fill(*this, rnd, 400);
  for (int q = 0; q < 200; ++q) {
    const NamespaceId ns = rnd.namespace_id();
    model::AreaOfInterest aoi;
    aoi.area = rnd.area();
    if (rnd.coin()) aoi.max_count = rnd.below(8);
    if (rnd.coin()) aoi.max_size = rnd.below(6000);
    std::vector<LengthyAuthorisedEntry> in_area;
    for (const auto& e : held[ns]) {
      if (aoi.area.includes(e.authorised.entry)) in_area.push_back(e);
    }
    std::stable_sort(in_area.begin(), in_area.end(), [](const auto& a, const auto& b) {
      return model::newer_than(a.authorised.entry, b.authorised.entry);
    });
    std::vector<LengthyAuthorisedEntry> expect;
    std::uint64_t size = 0;
    for (std::size_t i = 0; i < in_area.size(); ++i) {
      size += in_area[i].authorised.entry.payload_length;
      const bool count_ok = aoi.max_count == model::AreaOfInterest::kNoLimit || i < aoi.max_count;
      const bool size_ok = aoi.max_size == model::AreaOfInterest::kNoLimit || size <= aoi.max_size;
      if (count_ok && size_ok) expect.push_back(in_area[i]);
    }
    std::vector<LengthyAuthorisedEntry> got;
    ASSERT_TRUE(this->store().query_aoi(ns, aoi, [&](const LengthyAuthorisedEntry& e) {
      got.push_back(e);
      return true;
    }));
    EXPECT_EQ(got, expect) << "query " << q;
  }
}

TYPED_TEST_P(StoreConformance, SplitCoversExactly) {
  StoreRandom rnd(7);
  auto held = fill(*this, rnd, 600);
  for (int q = 0; q < 150; ++q) {
    const NamespaceId ns = rnd.namespace_id();
    const D3Range r = q % 3 == 0 ? D3Range::full() : rnd.d3_range();
    const std::size_t k = 1 + rnd.below(8);
    auto parts = this->store().split(ns, r, k);
    ASSERT_TRUE(parts);
    ASSERT_GE(parts->size(), 1u);
    ASSERT_LE(parts->size(), k);
    const auto total = brute_summary(held[ns], r).count;
    if (total >= k) {
      EXPECT_EQ(parts->size(), k) << "query " << q;
    }
    std::uint64_t sum = 0;
    for (std::size_t i = 0; i < parts->size(); ++i) {
      EXPECT_TRUE(r.includes_range((*parts)[i]));
      for (std::size_t j = i + 1; j < parts->size(); ++j) {
        EXPECT_FALSE((*parts)[i].intersection((*parts)[j]).has_value()) << "parts overlap";
      }
      sum += this->store().summarise(ns, (*parts)[i])->count;
    }
    EXPECT_EQ(sum, total);
    // Every point of the range (random probes) lies in exactly one part.
    for (int p = 0; p < 200; ++p) {
      const Entry probe = rnd.entry(ns);
      if (!r.includes(probe)) continue;
      int in = 0;
      for (const auto& part : *parts) in += part.includes(probe) ? 1 : 0;
      EXPECT_EQ(in, 1);
    }
  }
}

TYPED_TEST_P(StoreConformance, SplitIsBalancedOnALargeStore) {
  StoreRandom rnd(11);
  std::vector<AuthorisedEntry> batch;
  for (int i = 0; i < 3000; ++i) {
    AuthorisedEntry ae;
    ae.entry.namespace_id = ns_a();
    ae.entry.subspace_id.fill(0x42);
    ae.entry.subspace_id.back() = static_cast<std::uint8_t>(rnd.below(4));
    const std::string c1 = std::to_string(rnd.below(100000));
    const std::string c2 = std::to_string(i);
    ae.entry.path = model::Path::from_strings({c1, c2}).value();
    ae.entry.timestamp = rnd.below(1000);
    batch.push_back(ae);
  }
  ASSERT_TRUE(this->store().ingest_batch(batch, Trust::kAlreadyVerified));
  for (std::size_t k : {2u, 3u, 7u, 16u}) {
    auto parts = this->store().split(ns_a(), D3Range::full(), k);
    ASSERT_TRUE(parts);
    ASSERT_EQ(parts->size(), k);
    for (const auto& p : *parts) {
      const auto c = this->store().summarise(ns_a(), p)->count;
      EXPECT_LE(c, 2 * 3000 / k + 2) << "k=" << k;
      EXPECT_GE(c, 3000 / k / 2) << "k=" << k;
    }
  }
}

TYPED_TEST_P(StoreConformance, ManyNamespacesAreIndependent) {
  std::vector<AuthorisedEntry> batch;
  for (int i = 0; i < 300; ++i) {
    AuthorisedEntry ae = make("", 5);
    ae.entry.namespace_id[0] = static_cast<std::uint8_t>(i);
    ae.entry.namespace_id[1] = static_cast<std::uint8_t>(i >> 8);
    batch.push_back(ae);
  }
  auto res = this->store().ingest_batch(batch, Trust::kAlreadyVerified);
  ASSERT_TRUE(res);
  for (const auto& r : *res) EXPECT_EQ(r.outcome, IngestOutcome::kInserted);
  this->reopen();
  auto nss = this->store().namespaces();
  ASSERT_TRUE(nss);
  EXPECT_EQ(nss->size(), 300u);
  EXPECT_TRUE(this->store().check());
}

TYPED_TEST_P(StoreConformance, ReopenKeepsEverything) {
  if (!TypeParam::kDurable) {
    GTEST_SKIP() << "ephemeral store";
  }
  StoreRandom rnd(3);
  auto before = fill(*this, rnd, 500);
  std::map<NamespaceId, Fingerprint> fps;
  for (const auto& [ns, es] : before)
    fps[ns] = this->store().fingerprint(ns, D3Range::full()).value();
  this->reopen();
  for (const auto& [ns, es] : before) {
    EXPECT_EQ(this->all(ns), es);
    EXPECT_EQ(this->store().fingerprint(ns, D3Range::full()).value(), fps[ns]);
  }
  EXPECT_TRUE(this->store().check());
}

TYPED_TEST_P(StoreConformance, ForgettingAreasEntriesAndNamespaces) {
  StoreRandom rnd(21);
  auto held = fill(*this, rnd, 500);
  for (int q = 0; q < 30; ++q) {
    const NamespaceId ns = rnd.namespace_id();
    const model::Area area = rnd.area();
    std::vector<LengthyAuthorisedEntry> keep;
    for (const auto& e : held[ns]) {
      if (!area.includes(e.authorised.entry)) keep.push_back(e);
    }
    auto n = this->store().forget_area(ns, area);
    ASSERT_TRUE(n);
    EXPECT_EQ(*n, held[ns].size() - keep.size());
    held[ns] = keep;
    EXPECT_EQ(this->all(ns), keep);
    if (q % 10 == 0) this->reopen();
  }
  Status st = this->store().check();
  ASSERT_TRUE(st) << st.to_string();
  // One entry.
  for (auto& [ns, es] : held) {
    if (es.empty()) continue;
    const Entry e = es.front().authorised.entry;
    EXPECT_TRUE(this->store().forget_entry(ns, e.subspace_id, e.path).value());
    EXPECT_FALSE(this->store().forget_entry(ns, e.subspace_id, e.path).value());
    EXPECT_FALSE(this->store().get(ns, e.subspace_id, e.path).value().has_value());
    EXPECT_EQ(this->all(ns).size(), es.size() - 1);
  }
  // Whole namespaces: nothing left, payload records collected.
  for (auto& [ns, es] : held) ASSERT_TRUE(this->store().forget_namespace(ns));
  EXPECT_TRUE(this->store().namespaces().value().empty());
  EXPECT_EQ(this->store().payload_count().value(), 0u);
  st = this->store().check();
  EXPECT_TRUE(st) << st.to_string();
}

REGISTER_TYPED_TEST_SUITE_P(StoreConformance, ForgettingAreasEntriesAndNamespaces, PruningCases,
                            RejectsUnauthorised, RandomIngestMatchesReferenceJoin,
                            SummariesOfRandomRangesMatchBruteForce, QueriesMatchBruteForce,
                            AreaOfInterestMatchesBruteForce, SplitCoversExactly,
                            SplitIsBalancedOnALargeStore, ManyNamespacesAreIndependent,
                            ReopenKeepsEverything);

INSTANTIATE_TYPED_TEST_SUITE_P(All, StoreConformance, testing::StoreFactories);

}  // namespace
}  // namespace osier::store
