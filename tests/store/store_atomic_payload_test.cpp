// Store::ingest_with_payload and Store::import (both stores): an entry goes in together with its
// whole payload or not at all, and an import as a whole or not at all. Successes (small, large,
// empty, deduplicated, completing a partial payload) leave the entry complete, readable and
// servable; every failure (source error, wrong bytes, too many, too few, full map) leaves the store
// exactly as it was, including the entries the new one would have pruned; obsolete and rejected
// entries cost no reads.
#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <set>
#include <type_traits>

#include "crypto/bab_prefix.hpp"
#include "crypto/bab_verifier.hpp"
#include "osier/crypto/bab_outboard.hpp"
#include "osier/crypto/bab_stream.hpp"
#include "osier/crypto/william3.hpp"
#include "osier/store/store.hpp"
#include "store/kill_child.hpp"
#include "store/payload.hpp"
#include "store/store_factories.hpp"
#include "store/store_random.hpp"

namespace osier::store {
namespace {

constexpr std::size_t kSmall = 3000;   // inline in the LMDB store
constexpr std::size_t kLarge = 40000;  // a payload file beside LMDB

using testing::random_bytes;
using testing::test_namespace;

using testing::entry_at;

// Hands out `data` in pieces of `piece` bytes, counting its calls; with `fail_after`, fails with
// kIo once that many bytes went out.
struct CountingSource {
  explicit CountingSource(Bytes d, std::size_t p = 4096, std::optional<std::size_t> f = {})
      : data(std::move(d)), piece(p), fail_after(f) {}

  Bytes data;
  std::size_t piece;
  std::optional<std::size_t> fail_after;
  std::size_t calls = 0;

  PayloadSource source() {
    auto pos = std::make_shared<std::size_t>(0);
    return [this, pos](MutableByteView out) -> Result<std::size_t> {
      ++calls;
      if (fail_after && *pos >= *fail_after) return error(ErrorCode::kIo, "the disk is on fire");
      const std::size_t n = std::min({piece, out.size(), data.size() - *pos});
      std::copy_n(data.data() + *pos, n, out.data());
      *pos += n;
      return n;
    };
  }
};

// Everything observable about the test namespace, to compare before and after a failure.
struct Snapshot {
  std::vector<LengthyAuthorisedEntry> entries;
  std::vector<Bytes> payloads;  // the held bytes of each entry
  RangeSummary summary;
  std::size_t payload_count = 0;
  std::uint64_t last_sequence = 0;
  std::set<std::string> files;  // under the LMDB store's payloads/

  bool operator==(const Snapshot&) const = default;
};

template <typename Factory>
class StoreAtomicPayloads : public testing::StoreFixture<Factory> {
 public:
  // /docs/a (small) and /docs/b (large) — which a new /docs prunes — and /keep/x (large).
  void seed() {
    store_complete(entry_at({"docs", "a"}, docs_a_, 5), docs_a_);
    store_complete(entry_at({"docs", "b"}, docs_b_, 5), docs_b_);
    store_complete(entry_at({"keep", "x"}, keep_x_, 5), keep_x_);
  }

  void store_complete(const AuthorisedEntry& ae, const Bytes& payload) {
    CountingSource src{payload};
    auto r = this->store().ingest_with_payload(ae, src.source(), Trust::kAlreadyVerified);
    ASSERT_TRUE(r) << r.status().to_string();
    ASSERT_EQ(r->outcome, IngestOutcome::kInserted);
  }

  Snapshot snapshot() {
    Snapshot s;
    Store& st = this->store();
    EXPECT_TRUE(st.query(test_namespace(), model::D3Range::full(), {},
                         [&](const LengthyAuthorisedEntry& e) {
                           s.entries.push_back(e);
                           return true;
                         }));
    for (const auto& e : s.entries) s.payloads.push_back(read(e.authorised));
    s.summary = st.summarise(test_namespace(), model::D3Range::full()).value();
    s.payload_count = st.payload_count().value();
    s.last_sequence = st.last_sequence().value();
    if constexpr (std::is_same_v<Factory, testing::LmdbFactory>) {
      const std::string dir =
          this->factory_.dir.sub("store" + std::to_string(this->factory_.generation)) + "/payloads";
      std::error_code ec;
      for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end;
           it.increment(ec)) {
        s.files.insert(it->path().filename().string());
      }
    }
    return s;
  }

  Bytes read(const AuthorisedEntry& ae) {
    const auto& e = ae.entry;
    auto state = this->store().payload_state(e.namespace_id, e.subspace_id, e.path);
    EXPECT_TRUE(state && state->has_value());
    Bytes out;
    if (!state || !state->has_value()) return out;
    EXPECT_TRUE(this->store().read_payload(e.namespace_id, e.subspace_id, e.path, 0, (*state)->held,
                                           append_to(out)));
    return out;
  }

  PayloadState state(const AuthorisedEntry& ae) {
    const auto& e = ae.entry;
    return this->store().payload_state(e.namespace_id, e.subspace_id, e.path).value().value();
  }

  // Serves the whole payload as a Bab stream and verifies it against the digest.
  void expect_servable(const AuthorisedEntry& ae, const Bytes& payload) {
    EXPECT_EQ(testing::served_payload(this->store(), ae.entry), payload);
  }

  // Starts a fresh, empty store.
  void fresh() {
    this->store_.reset();
    this->factory_.wipe();
    this->store_ = this->factory_.open();
  }

  // A failing ingest_with_payload leaves everything as it was, now and after a reopen, and
  // tells no subscriber anything.
  void expect_fails_without_trace(const AuthorisedEntry& ae, CountingSource& src, ErrorCode code) {
    const Snapshot before = snapshot();
    std::vector<StoreEvent> seen;
    auto sub = this->store().subscribe(test_namespace(), model::Area::full(), std::nullopt,
                                       [&](const StoreEvent& ev) { seen.push_back(ev); });
    ASSERT_TRUE(sub);
    auto r = this->store().ingest_with_payload(ae, src.source(), Trust::kAlreadyVerified);
    this->store().unsubscribe(*sub);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.status().code(), code) << r.status().to_string();
    EXPECT_TRUE(seen.empty());
    EXPECT_EQ(snapshot(), before);
    EXPECT_TRUE(this->store().check());
    this->reopen();
    EXPECT_EQ(snapshot(), before);
    EXPECT_TRUE(this->store().check());
  }

  const Bytes docs_a_ = random_bytes(kSmall, 1);
  const Bytes docs_b_ = random_bytes(kLarge, 2);
  const Bytes keep_x_ = random_bytes(kLarge, 3);
};

TYPED_TEST_SUITE_P(StoreAtomicPayloads);

TYPED_TEST_P(StoreAtomicPayloads, StoresEntryAndPayloadTogether) {
  for (std::size_t n : {std::size_t{0}, kSmall, kLarge}) {
    this->fresh();
    this->seed();
    const Bytes payload = random_bytes(n, 10 + static_cast<std::uint32_t>(n));
    const AuthorisedEntry docs = entry_at({"docs"}, payload, 10);
    std::vector<StoreEvent> seen;
    ASSERT_TRUE(this->store().subscribe(test_namespace(), model::Area::full(), std::nullopt,
                                        [&](const StoreEvent& ev) { seen.push_back(ev); }));
    CountingSource src{payload, 1000};
    auto r = this->store().ingest_with_payload(docs, src.source());
    ASSERT_TRUE(r) << r.status().to_string();
    EXPECT_EQ(r->outcome, IngestOutcome::kInserted);
    EXPECT_EQ(r->pruned, 2u);
    if (n == 0) {
      EXPECT_EQ(src.calls, 0u);  // nothing to read
    }

    // The pruning and the insert, the entry with its whole payload available.
    ASSERT_EQ(seen.size(), 3u);
    EXPECT_EQ(seen[0].kind, EventKind::kPruned);
    EXPECT_EQ(seen[1].kind, EventKind::kPruned);
    EXPECT_EQ(seen[2].kind, EventKind::kInserted);
    EXPECT_EQ(seen[2].entry, docs.entry);
    EXPECT_EQ(seen[2].available, n);

    auto got = this->store().get(test_namespace(), docs.entry.subspace_id, docs.entry.path).value();
    ASSERT_TRUE(got);
    EXPECT_EQ(*got, (LengthyAuthorisedEntry{docs, n}));
    EXPECT_EQ(this->state(docs), (PayloadState{n, n}));
    EXPECT_EQ(this->read(docs), payload);
    if (n > 0) this->expect_servable(docs, payload);
    // The fingerprint hashes the whole payload as available.
    auto one = model::D3Range::full();
    one.paths = {docs.entry.path, docs.entry.path.successor()};
    EXPECT_EQ(this->store().fingerprint(test_namespace(), one).value(),
              hash_lengthy_authorised_entry(docs.entry, docs.token, n).to_bytes());
    EXPECT_EQ(this->store().summarise(test_namespace(), model::D3Range::full())->count, 2u);
    EXPECT_EQ(this->store().payload_count().value(), 2u);  // docs' and keep/x's
    EXPECT_TRUE(this->store().check());

    const Snapshot after = this->snapshot();
    this->reopen();
    EXPECT_EQ(this->snapshot(), after);
    EXPECT_EQ(this->read(docs), payload);
    if (n > 0) this->expect_servable(docs, payload);
    EXPECT_TRUE(this->store().check());
  }
}

TYPED_TEST_P(StoreAtomicPayloads, FailingSourceLeavesTheStoreAsItWas) {
  for (std::size_t n : {kSmall, kLarge, std::size_t{200000}}) {
    this->fresh();
    this->seed();
    const Bytes payload = random_bytes(n, 20 + static_cast<std::uint32_t>(n));
    const AuthorisedEntry docs = entry_at({"docs"}, payload, 10);
    CountingSource src{payload, 1000, n / 2};
    this->expect_fails_without_trace(docs, src, ErrorCode::kIo);
    EXPECT_GT(src.calls, 1u);
    // Nothing is stuck: the same write with good bytes succeeds.
    CountingSource good{payload, 1000};
    auto r = this->store().ingest_with_payload(docs, good.source());
    ASSERT_TRUE(r) << r.status().to_string();
    EXPECT_EQ(r->pruned, 2u);
    EXPECT_EQ(this->read(docs), payload);
    EXPECT_TRUE(this->store().check());
  }
}

TYPED_TEST_P(StoreAtomicPayloads, WrongBytesTooManyOrTooFewLeaveTheStoreAsItWas) {
  this->seed();
  for (std::size_t n : {kSmall, kLarge}) {
    const Bytes payload = random_bytes(n, 30 + static_cast<std::uint32_t>(n));
    const AuthorisedEntry docs = entry_at({"docs"}, payload, 10);
    Bytes wrong = payload;
    wrong[n / 3] ^= 0x01;
    Bytes too_many = payload;
    too_many.push_back(0);
    const Bytes too_few(payload.begin(), payload.end() - 1);
    for (const Bytes* bad : std::initializer_list<const Bytes*>{&wrong, &too_many, &too_few}) {
      CountingSource src{*bad, 777};
      this->expect_fails_without_trace(docs, src, ErrorCode::kVerification);
    }
  }
}

TYPED_TEST_P(StoreAtomicPayloads, ObsoleteEntryStoresNothingAndReadsNothing) {
  this->seed();
  const Snapshot before = this->snapshot();
  // Older than the stored /docs/a, and (second) equal to it.
  for (const AuthorisedEntry& ae : {entry_at({"docs", "a"}, random_bytes(kLarge, 40), 1),
                                    entry_at({"docs", "a"}, this->docs_a_, 5)}) {
    CountingSource src{random_bytes(kLarge, 40)};
    auto r = this->store().ingest_with_payload(ae, src.source());
    ASSERT_TRUE(r) << r.status().to_string();
    EXPECT_EQ(r->outcome, IngestOutcome::kObsolete);
    EXPECT_EQ(src.calls, 0u);
    EXPECT_EQ(this->snapshot(), before);
  }
  EXPECT_TRUE(this->store().check());
}

TYPED_TEST_P(StoreAtomicPayloads, RejectedTokenNeverReadsTheSource) {
  this->seed();
  const Snapshot before = this->snapshot();
  const Bytes payload = random_bytes(kLarge, 50);
  AuthorisedEntry docs = entry_at({"docs"}, payload, 10);
  docs.token = {0xff, 1};  // the test authoriser refuses it
  CountingSource src{payload};
  auto r = this->store().ingest_with_payload(docs, src.source());
  ASSERT_TRUE(r) << r.status().to_string();
  EXPECT_EQ(r->outcome, IngestOutcome::kRejected);
  EXPECT_FALSE(r->reason.is_ok());
  EXPECT_EQ(src.calls, 0u);
  EXPECT_EQ(this->snapshot(), before);
  EXPECT_TRUE(this->store().check());
}

TYPED_TEST_P(StoreAtomicPayloads, PayloadHeldCompleteIsNotReadAgain) {
  for (std::size_t n : {kSmall, kLarge}) {
    this->fresh();
    this->seed();
    const Bytes& shared = n == kSmall ? this->docs_a_ : this->keep_x_;
    // Another path with a payload the store holds complete.
    const AuthorisedEntry copy = entry_at({"copy"}, shared, 10);
    CountingSource src{shared};
    auto r = this->store().ingest_with_payload(copy, src.source());
    ASSERT_TRUE(r) << r.status().to_string();
    EXPECT_EQ(r->outcome, IngestOutcome::kInserted);
    EXPECT_EQ(src.calls, 0u);
    EXPECT_EQ(this->store().payload_count().value(), 3u);
    EXPECT_EQ(this->read(copy), shared);
    this->expect_servable(copy, shared);
    // An overwrite of an entry with the same payload: the pruning of the old entry must not
    // drop the payload the new one shares.
    const AuthorisedEntry again = entry_at({"copy"}, shared, 11);
    r = this->store().ingest_with_payload(again, src.source());
    ASSERT_TRUE(r) << r.status().to_string();
    EXPECT_EQ(r->pruned, 1u);
    EXPECT_EQ(src.calls, 0u);
    EXPECT_EQ(this->state(again), (PayloadState{n, n}));
    EXPECT_EQ(this->read(again), shared);
    // A /docs with /docs/a's payload prunes /docs/a and /docs/b, and keeps the shared payload.
    const AuthorisedEntry docs = entry_at({"docs"}, this->docs_a_, 12);
    CountingSource docs_src{this->docs_a_};
    r = this->store().ingest_with_payload(docs, docs_src.source());
    ASSERT_TRUE(r) << r.status().to_string();
    EXPECT_EQ(r->pruned, 2u);
    EXPECT_EQ(docs_src.calls, 0u);
    EXPECT_EQ(this->read(docs), this->docs_a_);
    EXPECT_TRUE(this->store().check());
    const Snapshot after = this->snapshot();
    this->reopen();
    EXPECT_EQ(this->snapshot(), after);
  }
}

TYPED_TEST_P(StoreAtomicPayloads, CompletesAPayloadHeldPartiallyByAnotherEntry) {
  const Bytes payload = random_bytes(100000, 60);
  const AuthorisedEntry one = entry_at({"part", "one"}, payload, 5);
  ASSERT_EQ(this->store().ingest(one, Trust::kAlreadyVerified)->outcome, IngestOutcome::kInserted);
  const Bytes stream = crypto::bab_stream(continuation_stream(payload.size(), 0), payload,
                                          crypto::bab_outboard(payload).value())
                           .value();
  ASSERT_TRUE(this->feed_stream(one.entry, ByteView(stream).first(stream.size() / 2)));
  const std::uint64_t held = this->state(one).held;
  ASSERT_GT(held, 0u);
  ASSERT_LT(held, payload.size());

  // A failure keeps the partial payload exactly: its held bytes, no outboard file.
  const AuthorisedEntry two = entry_at({"part", "two"}, payload, 6);
  CountingSource failing{payload, 5000, 60000};
  this->expect_fails_without_trace(two, failing, ErrorCode::kIo);
  EXPECT_EQ(this->state(one).held, held);
  Bytes wrong = payload;
  wrong.back() ^= 1;
  CountingSource mismatch{wrong, 5000};
  this->expect_fails_without_trace(two, mismatch, ErrorCode::kVerification);
  EXPECT_EQ(this->read(one),
            Bytes(payload.begin(), payload.begin() + static_cast<std::ptrdiff_t>(held)));

  std::vector<StoreEvent> seen;
  ASSERT_TRUE(this->store().subscribe(test_namespace(), model::Area::full(), std::nullopt,
                                      [&](const StoreEvent& ev) { seen.push_back(ev); }));
  CountingSource good{payload, 5000};
  auto r = this->store().ingest_with_payload(two, good.source());
  ASSERT_TRUE(r) << r.status().to_string();
  EXPECT_EQ(r->outcome, IngestOutcome::kInserted);
  // The new entry arrives complete; the entry sharing the payload sees it grow.
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].kind, EventKind::kInserted);
  EXPECT_EQ(seen[0].entry, two.entry);
  EXPECT_EQ(seen[0].available, payload.size());
  EXPECT_EQ(seen[1].kind, EventKind::kPayloadAppended);
  EXPECT_EQ(seen[1].entry, one.entry);
  EXPECT_EQ(seen[1].available, payload.size());
  for (const AuthorisedEntry* ae : {&one, &two}) {
    EXPECT_EQ(this->state(*ae), (PayloadState{payload.size(), payload.size()}));
    EXPECT_EQ(this->read(*ae), payload);
    this->expect_servable(*ae, payload);
  }
  // An append to the now complete payload changes nothing.
  auto more = this->feed_stream(one.entry, ByteView(stream).subspan(stream.size() / 2));
  ASSERT_TRUE(more);
  EXPECT_TRUE(more->complete());
  EXPECT_TRUE(this->store().check());
  this->reopen();
  for (const AuthorisedEntry* ae : {&one, &two}) {
    EXPECT_EQ(this->state(*ae), (PayloadState{payload.size(), payload.size()}));
    this->expect_servable(*ae, payload);
  }
  EXPECT_TRUE(this->store().check());
}

TYPED_TEST_P(StoreAtomicPayloads, OverwriteCompletesItsOwnPartialPayload) {
  // The entry it replaces (same path, same payload) holds part of it: the pruning drops that
  // entry, the payload stays and becomes complete.
  const Bytes payload = random_bytes(50000, 70);
  const AuthorisedEntry old = entry_at({"same"}, payload, 5);
  ASSERT_EQ(this->store().ingest(old, Trust::kAlreadyVerified)->outcome, IngestOutcome::kInserted);
  const Bytes stream = crypto::bab_stream(continuation_stream(payload.size(), 0), payload,
                                          crypto::bab_outboard(payload).value())
                           .value();
  ASSERT_TRUE(this->feed_stream(old.entry, ByteView(stream).first(stream.size() / 3)));
  const AuthorisedEntry newer = entry_at({"same"}, payload, 6);
  CountingSource src{payload};
  auto r = this->store().ingest_with_payload(newer, src.source());
  ASSERT_TRUE(r) << r.status().to_string();
  EXPECT_EQ(r->pruned, 1u);
  EXPECT_EQ(this->state(newer), (PayloadState{payload.size(), payload.size()}));
  this->expect_servable(newer, payload);
  EXPECT_EQ(this->store().payload_count().value(), 1u);
  EXPECT_TRUE(this->store().check());
  this->reopen();
  EXPECT_EQ(this->read(newer), payload);
  EXPECT_TRUE(this->store().check());
}

// ---- Store::import: many entries and payloads as one change.

// Items from a list; sources hand out their payload bytes.
struct ImportList {
  struct Item {
    AuthorisedEntry entry;
    Bytes payload;  // the bytes to import (all, a prefix, or none)
    std::vector<crypto::BabLabel> frontier;
    std::optional<std::size_t> fail_after;  // the payload source fails after this many bytes
  };
  std::vector<Item> items;
  std::size_t next_item = 0;
  std::optional<std::size_t> fail_at_item;  // the item source itself fails here

  ImportSource source() {
    return [this]() -> Result<std::optional<ImportItem>> {
      if (fail_at_item && next_item == *fail_at_item)
        return error(ErrorCode::kIo, "staging unreadable");
      if (next_item == items.size()) return std::optional<ImportItem>();
      Item& it = items[next_item++];
      auto src = std::make_shared<CountingSource>(it.payload, 4096, it.fail_after);
      ImportItem out{it.entry, it.payload.size(),
                     [src, f = src->source()](MutableByteView b) { return f(b); }, it.frontier};
      return std::optional<ImportItem>(std::move(out));
    };
  }
};

// The labels of the chunks after the first `held` (of 1024 bytes), from the whole payload.
std::vector<crypto::BabLabel> frontier_of(const Bytes& payload, std::uint64_t held_chunks) {
  const crypto::BabGeometry geo(payload.size(), kPayloadChunk);
  std::vector<crypto::BabLabel> out;
  for (const crypto::BabNode& n : crypto::bab_frontier(geo, held_chunks)) {
    out.push_back(crypto::william3_bab().hash_subtree(
        ByteView(payload).subspan(geo.byte_begin(n), geo.byte_len(n)), false));
  }
  return out;
}

TYPED_TEST_P(StoreAtomicPayloads, ImportAppliesEntriesAndPayloadsTogether) {
  this->seed();
  const Bytes big = random_bytes(100 * kPayloadChunk + 3, 50);
  const Bytes shared = random_bytes(kLarge, 51);
  ImportList list;
  // A prefix of a large payload; a complete small one; one without bytes; a payload stored for
  // an entry that a later item prunes, then needed again by another entry (its files must
  // survive the pruning's clean-up).
  list.items.push_back({entry_at({"new", "big"}, big, 6),
                        Bytes(big.begin(), big.begin() + 30 * kPayloadChunk),
                        frontier_of(big, 30),
                        {}});
  list.items.push_back({entry_at({"new", "small"}, this->keep_x_, 6), this->keep_x_, {}, {}});
  list.items.push_back({entry_at({"new", "bare"}, big, 7), {}, {}, {}});
  list.items.push_back({entry_at({"gone", "x"}, shared, 6), shared, {}, {}});
  list.items.push_back({entry_at({"gone"}, {}, 9), {}, {}, {}});
  list.items.push_back({entry_at({"again"}, shared, 6), shared, {}, {}});
  auto totals = this->store().import(list.source(), Trust::kAlreadyVerified);
  ASSERT_TRUE(totals) << totals.status().to_string();
  EXPECT_EQ(totals->inserted, 6u);
  EXPECT_EQ(totals->prefixes_stored, 1u);
  // keep_x_ was held complete already; `shared` is completed once: "gone" prunes "gone/x",
  // and "again", later in the same import, takes its bytes over (they are not stored again).
  EXPECT_EQ(totals->payloads_completed, 1u);
  for (int round = 0; round < 2; ++round) {
    EXPECT_EQ(this->state(list.items[0].entry).held, 30 * kPayloadChunk);
    EXPECT_TRUE(this->state(list.items[1].entry).complete());
    EXPECT_EQ(this->state(list.items[2].entry).held, 30 * kPayloadChunk);  // shares big's prefix
    EXPECT_FALSE(this->store()
                     .payload_state(test_namespace(), list.items[3].entry.entry.subspace_id,
                                    list.items[3].entry.entry.path)
                     .value());
    EXPECT_EQ(this->read(list.items[5].entry), shared);
    this->expect_servable(list.items[5].entry, shared);
    EXPECT_TRUE(this->store().check());
    this->reopen();
  }
  // Importing the same again changes nothing.
  const Snapshot before = this->snapshot();
  list.next_item = 0;
  auto again = this->store().import(list.source(), Trust::kAlreadyVerified);
  ASSERT_TRUE(again) << again.status().to_string();
  EXPECT_EQ(again->inserted, 0u);
  EXPECT_EQ(again->payloads_completed + again->prefixes_stored, 0u);
  EXPECT_EQ(this->snapshot(), before);
}

TYPED_TEST_P(StoreAtomicPayloads, ImportThatFailsAnywhereChangesNothing) {
  this->seed();
  const Bytes big = random_bytes(100 * kPayloadChunk, 60);
  const Bytes other = random_bytes(50 * kPayloadChunk, 61);
  const Bytes third = random_bytes(kLarge, 62);
  auto fill = [&](ImportList& list) {
    list.items.push_back({entry_at({"docs"}, {}, 9), {}, {}, {}});  // prunes /docs/a and /docs/b
    list.items.push_back({entry_at({"n", "1"}, big, 6), big, {}, {}});
    list.items.push_back({entry_at({"n", "2"}, other, 6),
                          Bytes(other.begin(), other.begin() + 10 * kPayloadChunk),
                          frontier_of(other, 10),
                          {}});
    // A payload not held (docs_a_, pruned with /docs/a above, would be taken over without
    // reading its bytes: AnOverwriteWithTheSamePayloadKeepsItsBytes).
    list.items.push_back({entry_at({"n", "3"}, third, 6), third, {}, {}});
  };
  const Snapshot before = this->snapshot();
  for (int how = 0; how < 5; ++how) {
    ImportList list;
    fill(list);
    switch (how) {
      case 0:
        list.fail_at_item = 3;
        break;  // the item source fails late
      case 1:
        list.items[3].fail_after = 1000;
        break;  // a payload source fails
      case 2:
        list.items[3].payload[5] ^= 1;
        break;  // payload bytes that do not verify
      case 3:
        list.items[2].frontier[0][0] ^= 1;
        break;  // a prefix's labels that do not
      case 4:
        list.items[1].payload.pop_back();
        list.items[1].entry.entry.payload_length = big.size();
        break;
    }
    auto r = this->store().import(list.source(), Trust::kAlreadyVerified);
    ASSERT_FALSE(r) << how;
    EXPECT_EQ(this->snapshot(), before) << how;
    EXPECT_TRUE(this->store().check()) << how;
    this->reopen();
    EXPECT_EQ(this->snapshot(), before) << how;
  }
}

// An import that overwrites an entry with the same complete payload (its record is dropped with
// the old entry, made again at 0 bytes and the files published again), then fails: the files
// belong to the payload as committed and stay (found in review: they were removed, judged by
// what the aborted transaction saw).
TYPED_TEST_P(StoreAtomicPayloads, AFailedImportKeepsTheFilesOfAPayloadHeldBefore) {
  this->seed();
  const Snapshot before = this->snapshot();
  ImportList list;
  list.items.push_back({entry_at({"keep", "x"}, this->keep_x_, 6), this->keep_x_, {}, {}});
  list.items.push_back({entry_at({"n", "1"}, this->docs_a_, 6), this->docs_a_, {}, {}});
  list.fail_at_item = 1;  // the item source fails after the overwrite
  ASSERT_FALSE(this->store().import(list.source(), Trust::kAlreadyVerified));
  EXPECT_EQ(this->snapshot(), before);
  EXPECT_TRUE(this->store().check());
  this->reopen();
  EXPECT_EQ(this->snapshot(), before);
}

// Overwriting an entry with a newer one of the same payload, without its bytes (plain ingest,
// a batch, an import item without payload): the bytes held stay held. Before, the old entry's
// pruning dropped the payload with its last reference, and the new entry started from none.
TYPED_TEST_P(StoreAtomicPayloads, AnOverwriteWithTheSamePayloadKeepsItsBytes) {
  this->seed();
  const auto held_at = [&](const AuthorisedEntry& ae) { return this->state(ae).held; };
  const AuthorisedEntry newer = entry_at({"keep", "x"}, this->keep_x_, 6);
  auto r = this->store().ingest(newer, Trust::kAlreadyVerified);
  ASSERT_TRUE(r && r->outcome == IngestOutcome::kInserted);
  EXPECT_EQ(held_at(newer), this->keep_x_.size());
  const AuthorisedEntry newest = entry_at({"keep", "x"}, this->keep_x_, 7);
  ASSERT_TRUE(
      this->store().ingest_batch(std::vector<AuthorisedEntry>{newest}, Trust::kAlreadyVerified));
  EXPECT_EQ(held_at(newest), this->keep_x_.size());
  ImportList list;
  const AuthorisedEntry latest = entry_at({"docs", "a"}, this->docs_a_, 8);
  list.items.push_back({latest, {}, {}, {}});
  auto totals = this->store().import(list.source(), Trust::kAlreadyVerified);
  ASSERT_TRUE(totals) << totals.status().to_string();
  EXPECT_EQ(totals->payloads_completed, 0u);
  EXPECT_EQ(held_at(latest), this->docs_a_.size());
  // A payload whose last entry goes for good still goes.
  const std::size_t payloads = this->store().payload_count().value();
  // docs/b's payload loses its only entry to one sharing docs/a's.
  ASSERT_TRUE(
      this->store().ingest(entry_at({"docs", "b"}, this->docs_a_, 9), Trust::kAlreadyVerified));
  EXPECT_EQ(this->store().payload_count().value(), payloads - 1);
  EXPECT_TRUE(this->store().check());
  this->reopen();
  EXPECT_EQ(held_at(latest), this->docs_a_.size());
  EXPECT_EQ(held_at(newest), this->keep_x_.size());
}

REGISTER_TYPED_TEST_SUITE_P(StoreAtomicPayloads, ImportAppliesEntriesAndPayloadsTogether,
                            AnOverwriteWithTheSamePayloadKeepsItsBytes,
                            ImportThatFailsAnywhereChangesNothing, StoresEntryAndPayloadTogether,
                            FailingSourceLeavesTheStoreAsItWas,
                            WrongBytesTooManyOrTooFewLeaveTheStoreAsItWas,
                            ObsoleteEntryStoresNothingAndReadsNothing,
                            RejectedTokenNeverReadsTheSource, PayloadHeldCompleteIsNotReadAgain,
                            CompletesAPayloadHeldPartiallyByAnotherEntry,
                            OverwriteCompletesItsOwnPartialPayload,
                            AFailedImportKeepsTheFilesOfAPayloadHeldBefore);
INSTANTIATE_TYPED_TEST_SUITE_P(All, StoreAtomicPayloads, testing::StoreFactories);

// A full map (LMDB's "disk full"): the write that does not fit leaves the store as it was —
// an inline payload, and a file payload whose verified files were already in place.
TEST(LmdbAtomicPayload, FullMapLeavesTheStoreAsItWas) {
  osier::testing::TempDir dir;
  LmdbStoreOptions opts;
  opts.authoriser = testing::test_authoriser();
  opts.map_size = std::uint64_t{1} << 20;
  opts.sync_commits = false;
  auto store = LmdbStore::open(dir.sub("s"), opts).value();
  struct State {
    std::size_t payloads = 0;
    RangeSummary summary;
    std::set<std::string> files;
    bool operator==(const State&) const = default;
  };
  const auto state = [&] {
    State st{store->payload_count().value(),
             store->summarise(test_namespace(), model::D3Range::full()).value(),
             {}};
    for (const auto& f : std::filesystem::directory_iterator(dir.sub("s") + "/payloads")) {
      st.files.insert(f.path().filename().string());
    }
    return st;
  };
  const auto expect_refused = [&](const AuthorisedEntry& ae, const Bytes& payload) {
    const State before = state();
    CountingSource src{payload};
    auto r = store->ingest_with_payload(ae, src.source());
    ASSERT_FALSE(r);
    EXPECT_EQ(r.status().code(), ErrorCode::kResourceExhausted) << r.status().to_string();
    EXPECT_GT(src.calls, 1u);  // it failed after the bytes were read (and staged)
    EXPECT_EQ(state(), before);
    EXPECT_FALSE(store->get(test_namespace(), ae.entry.subspace_id, ae.entry.path).value());
    EXPECT_TRUE(store->check());
  };
  // Inline payloads until one no longer fits.
  for (int i = 0;; ++i) {
    ASSERT_LT(i, 1000) << "the map never filled";
    const Bytes payload = random_bytes(12000, 80 + static_cast<std::uint32_t>(i));
    const AuthorisedEntry ae = entry_at({"fill", std::to_string(i)}, payload, 5);
    const State before = state();
    CountingSource src{payload};
    auto r = store->ingest_with_payload(ae, src.source());
    if (r) {
      ASSERT_EQ(r->outcome, IngestOutcome::kInserted);
      continue;
    }
    ASSERT_GT(i, 0);
    EXPECT_EQ(r.status().code(), ErrorCode::kResourceExhausted) << r.status().to_string();
    EXPECT_EQ(state(), before);
    // Tried again, it fails the same way — unless LMDB finds room now (an aborted transaction
    // can leave the free list better sorted): then fill on until two attempts fail.
    CountingSource again{payload};
    if (store->ingest_with_payload(ae, again.source())) continue;
    expect_refused(ae, payload);
    break;
  }
  // A 12000-byte value needs contiguous overflow pages; single free pages may remain. Small
  // entries take those until two in a row no longer fit, so that any write needing a page
  // fails below (the file payload's write needs at least the pages a small entry needs).
  for (int i = 0, failures = 0; failures < 2; ++i) {
    ASSERT_LT(i, 100000) << "the map never filled";
    const Bytes payload = random_bytes(40, 7000 + static_cast<std::uint32_t>(i));
    const AuthorisedEntry ae = entry_at({"fill", std::to_string(100000 + i)}, payload, 5);
    CountingSource src{payload};
    const State before = state();
    auto r = store->ingest_with_payload(ae, src.source());
    if (r) {
      failures = 0;
      continue;
    }
    EXPECT_EQ(r.status().code(), ErrorCode::kResourceExhausted) << r.status().to_string();
    EXPECT_EQ(state(), before);
    ++failures;
  }
  // A file payload at /fill, which would prune every entry under it.
  const std::uint64_t count = state().summary.count;
  const Bytes large = random_bytes(100000, 90);
  expect_refused(entry_at({"fill"}, large, 6), large);
  EXPECT_EQ(state().summary.count, count);
}

// Killed at any moment (between publishing a payload's files and committing, too), the store
// reopens consistent: every entry holds its whole payload, with its outboard, and no file is
// left without its record.
TEST(LmdbAtomicPayload, KilledAtRandomMomentsLeavesNoHalfWrite) {
  osier::testing::TempDir dir;
  const std::string path = dir.sub("store");
  LmdbStoreOptions opts;
  opts.authoriser = testing::test_authoriser();
  opts.map_size = std::uint64_t{1} << 30;
  const auto entry_no = [](std::uint32_t i) {
    const Bytes payload = random_bytes(20000 + i % 5000, i);
    return std::pair(entry_at({"c", std::to_string(i)}, payload, 5), payload);
  };
  std::mt19937 rng(99);
  std::uint32_t next = 0;
  std::vector<std::uint32_t> acked;
  // At least 25 rounds, and more while the child got little done (a loaded machine, or a
  // sanitizer build with a commit fsynced per write, makes it slow): the test needs many
  // acknowledged writes to mean something, so the kill window doubles every 25 rounds that
  // leave it short (2-42 ms at first, up to 0.6 s).
  std::uint32_t window_us = 40000;
  for (int round = 0; round < 25 || (acked.size() <= 25u && round < 400); ++round) {
    if (round > 0 && round % 25 == 0 && window_us < 600000) window_us *= 2;
    const std::vector<std::uint32_t> now = testing::run_then_kill(
        [&](int fd) {
          auto s = LmdbStore::open(path, opts);
          if (!s) ::_exit(2);
          for (std::uint32_t i = next;; ++i) {
            auto [ae, payload] = entry_no(i);
            CountingSource src{payload, 3000};
            if (!(*s)->ingest_with_payload(ae, src.source())) ::_exit(3);
            testing::acknowledge(fd, i);
          }
        },
        std::chrono::microseconds(2000 + rng() % window_us));
    for (std::uint32_t i : now) next = std::max(next, i + 1);
    acked.insert(acked.end(), now.begin(), now.end());

    auto s = LmdbStore::open(path, opts).value();
    ASSERT_TRUE(s->check()) << "round " << round;
    ASSERT_TRUE(s->sweep());  // what the child left between publishing and committing
    std::size_t entries = 0;
    ASSERT_TRUE(s->query(test_namespace(), model::D3Range::full(), {},
                         [&](const LengthyAuthorisedEntry& e) {
                           ++entries;
                           EXPECT_EQ(e.available, e.authorised.entry.payload_length);
                           return true;
                         }));
    for (std::uint32_t a : acked) {
      const model::Entry e = entry_no(a).first.entry;
      ASSERT_TRUE(s->get(e.namespace_id, e.subspace_id, e.path).value())
          << "acknowledged " << a << " lost";
    }
    // Each entry's payload file and outboard, nothing else (every payload is distinct).
    std::size_t files = 0;
    for ([[maybe_unused]] const auto& f : std::filesystem::directory_iterator(path + "/payloads"))
      ++files;
    EXPECT_EQ(files, 2 * entries) << "round " << round;
  }
  EXPECT_GT(acked.size(), 25u) << "the child hardly wrote anything";
  auto s = LmdbStore::open(path, opts).value();
  for (std::uint32_t a : acked) {
    const auto [ae, payload] = entry_no(a);
    crypto::BabStreamOptions whole;
    Bytes stream;
    ASSERT_TRUE(s->serve_payload(ae.entry.namespace_id, ae.entry.subspace_id, ae.entry.path, whole,
                                 append_to(stream)));
    EXPECT_EQ(stream.size(),
              crypto::bab_stream(whole, payload, crypto::bab_outboard(payload).value())->size());
  }
}

}  // namespace
}  // namespace osier::store
