// Payload Chunks between stores (sync/payload_transfer.hpp): the sender's Chunks are the suffix
// of the whole light stream (SPEC-NOTES Sync 17), and PayloadTransfer stores exactly the bytes
// that verify — from any Chunk the store holds, in any split, after a cut, with a bad bit, next
// to another transfer of the same payload — in both Store implementations.
#include "sync/payload_transfer.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "osier/crypto/bab_outboard.hpp"
#include "osier/crypto/bab_stream.hpp"
#include "store/store_factories.hpp"
#include "sync/payload_chunks.hpp"

namespace osier::sync {
namespace {

using store::AuthorisedEntry;
using store::testing::entry_at;
using store::testing::random_bytes;

// The payload lengths the round trips cover: empty, one chunk's edges, a tree of a few levels,
// a tree deeper than the light stream's period of left labels is long (33 * 1024 + 7), and
// ~300 KiB.
const std::vector<std::size_t> kLengths = {0,    1,    1023,          1024,
                                           1025, 5000, 33 * 1024 + 7, 300 * 1024 + 5};

// The whole light stream without the length (transform_payload).
Bytes light_stream(const Bytes& payload) {
  crypto::BabStreamOptions opts;
  opts.light = true;
  opts.length_prefix = false;
  return crypto::bab_stream(opts, payload, crypto::bab_outboard(payload).value()).value();
}

std::uint64_t chunks_length(std::uint64_t length, std::uint64_t first, std::uint64_t count) {
  return payload_chunks_length(length, first, count).value();
}

// The Chunk of a stream from Chunk `first` that stream byte `pos` belongs to.
std::uint64_t chunk_at(std::uint64_t length, std::uint64_t first, std::uint64_t pos) {
  std::uint64_t c = first;
  while (chunks_length(length, first, c + 1 - first) <= pos) ++c;
  return c;
}

// The first chunks of the interesting kinds to start from: 0, the middle, the last, the end.
std::vector<std::uint64_t> starts(std::uint64_t length) {
  const std::uint64_t n = payload_chunk_count(length);
  std::vector<std::uint64_t> ks = {0, n / 2, n - 1, n};
  std::sort(ks.begin(), ks.end());
  ks.erase(std::unique(ks.begin(), ks.end()), ks.end());
  return ks;
}

TEST(PayloadChunksStream, IsTheSuffixOfTheWholeLightStream) {
  for (std::size_t n : kLengths) {
    SCOPED_TRACE("payload length " + std::to_string(n));
    const Bytes payload = random_bytes(n, static_cast<std::uint32_t>(n) + 1);
    const Bytes whole = light_stream(payload);
    const crypto::BabOutboard ob = crypto::bab_outboard(payload).value();
    const std::uint64_t chunks = payload_chunk_count(n);
    ASSERT_EQ(whole.size(), chunks_length(n, 0, chunks));
    std::vector<std::uint64_t> firsts = {0,  1,  2,  3,          31,         32,
                                         33, 64, 65, chunks / 2, chunks - 1, chunks};
    for (std::uint64_t first : firsts) {
      if (first > chunks) continue;
      for (std::uint64_t count : {chunks - first, std::uint64_t{1}, std::uint64_t{7}}) {
        if (count > chunks - first) continue;
        SCOPED_TRACE("Chunks [" + std::to_string(first) + ", +" + std::to_string(count) + ")");
        auto opts = payload_chunks_stream(n, first, count);
        ASSERT_TRUE(opts.is_ok());
        auto got = crypto::bab_stream(*opts, payload, ob);
        ASSERT_TRUE(got.is_ok()) << got.status().to_string();
        const std::uint64_t from = chunks_length(n, 0, first);
        const std::uint64_t len = chunks_length(n, first, count);
        ASSERT_EQ(got->size(), len);
        EXPECT_TRUE(std::equal(got->begin(), got->end(), whole.begin() + static_cast<long>(from)));
      }
    }
    EXPECT_FALSE(payload_chunks_stream(n, chunks, 1).is_ok());
    EXPECT_FALSE(payload_chunks_stream(n, chunks + 1, 0).is_ok());
  }
}

template <typename Factory>
class PayloadTransferTest : public store::testing::StoreFixture<Factory> {
 protected:
  // A second store of the same kind: the sender, holding every payload whole.
  void SetUp() override {
    store::testing::StoreFixture<Factory>::SetUp();
    sender_ = sender_factory_.open();
  }
  store::Store& sender() { return *sender_; }
  store::Store& receiver() { return this->store(); }

  // Stores the entry (with its whole payload in the sender, without it in the receiver).
  void put(const AuthorisedEntry& ae, const Bytes& payload) {
    auto r =
        sender().ingest_with_payload(ae, memory_source(payload), store::Trust::kAlreadyVerified);
    ASSERT_TRUE(r && r->outcome == store::IngestOutcome::kInserted);
    auto r2 = receiver().ingest(ae, store::Trust::kAlreadyVerified);
    ASSERT_TRUE(r2 && r2->outcome == store::IngestOutcome::kInserted);
  }

  Bytes send(store::Store& from, const model::Entry& e, std::uint64_t first,
             std::optional<std::uint64_t> count = std::nullopt) {
    Bytes out;
    const Status st = send_payload_chunks(from, e, first, count, [&](ByteView b) {
      append(out, b);
      return Status::ok();
    });
    EXPECT_TRUE(st.is_ok()) << st.to_string();
    return out;
  }

  std::uint64_t held(const model::Entry& e) {
    return receiver().payload_state(e.namespace_id, e.subspace_id, e.path).value()->held;
  }
  // The held bytes of the receiver.
  Bytes held_bytes(const model::Entry& e) {
    Bytes out;
    const Status st =
        receiver().read_payload(e.namespace_id, e.subspace_id, e.path, 0, held(e), [&](ByteView b) {
          append(out, b);
          return Status::ok();
        });
    EXPECT_TRUE(st.is_ok()) << st.to_string();
    return out;
  }
  // The receiver holds exactly the payload's first `bytes` bytes.
  void expect_prefix(const model::Entry& e, const Bytes& payload, std::uint64_t bytes) {
    ASSERT_EQ(held(e), bytes);
    const Bytes got = held_bytes(e);
    EXPECT_TRUE(std::equal(got.begin(), got.end(), payload.begin()));
  }

  // Feeds `stream` in pieces: 1 byte each when `split` is 1, else random sizes up to `split`.
  static Status feed_all(PayloadTransfer& t, ByteView stream, std::size_t split,
                         std::mt19937& rng) {
    std::size_t pos = 0;
    while (pos < stream.size()) {
      std::size_t n = split == 1 ? 1 : 1 + rng() % split;
      n = std::min(n, stream.size() - pos);
      auto r = t.feed(stream.subspan(pos, n));
      if (!r.is_ok()) return r.status();
      pos += n;
    }
    return Status::ok();
  }

  // The receiver comes to hold exactly the first `chunks` Chunks' payload bytes, through a
  // transfer from Chunk 0 cut after them.
  void hold_chunks(const model::Entry& e, const Bytes& payload, std::uint64_t chunks) {
    if (chunks == 0) return;
    auto t = PayloadTransfer::start(receiver(), e, 0);
    ASSERT_TRUE(t.is_ok()) << t.status().to_string();
    const Bytes part = send(sender(), e, 0, chunks);
    ASSERT_EQ(part.size(), chunks_length(e.payload_length, 0, chunks));
    ASSERT_TRUE(t->feed(part).is_ok());
    expect_prefix(e, payload, std::min<std::uint64_t>(payload.size(), chunks * 1024));
  }

  Factory sender_factory_;
  std::unique_ptr<store::Store> sender_;
};

TYPED_TEST_SUITE_P(PayloadTransferTest);

TYPED_TEST_P(PayloadTransferTest, RoundTripFromChunkZeroMiddleAndLast) {
  std::mt19937 rng(5);
  for (std::size_t n : kLengths) {
    for (std::uint64_t k : starts(n)) {
      SCOPED_TRACE("payload length " + std::to_string(n) + ", from Chunk " + std::to_string(k));
      const Bytes payload = random_bytes(n, static_cast<std::uint32_t>(n * 7 + k));
      const AuthorisedEntry ae =
          entry_at({"rt", std::to_string(n), std::to_string(k)}, payload, 10);
      this->put(ae, payload);
      const model::Entry& e = ae.entry;
      this->hold_chunks(e, payload, std::min(k, payload_chunk_count(n) - 1));
      if (k == payload_chunk_count(n) && n > 0) {
        // From the end: only a complete payload holds every Chunk.
        this->hold_chunks(e, payload, 0);
        auto whole = PayloadTransfer::start(this->receiver(), e, 0);
        ASSERT_TRUE(whole.is_ok());
        ASSERT_TRUE(whole->feed(this->send(this->sender(), e, 0)).is_ok());
      }
      auto resume = PayloadTransfer::resume(this->receiver(), e);
      ASSERT_TRUE(resume.is_ok()) << resume.status().to_string();
      EXPECT_EQ(resume->first_chunk(), n == 0 ? 1 : k);
      const Bytes stream = this->send(this->sender(), e, k);
      EXPECT_EQ(stream.size(), chunks_length(n, k, payload_chunk_count(n) - k));
      auto t = PayloadTransfer::start(this->receiver(), e, k);
      ASSERT_TRUE(t.is_ok()) << t.status().to_string();
      EXPECT_EQ(t->stream_length(), stream.size());
      const Status fed = this->feed_all(*t, stream, 4096, rng);
      ASSERT_TRUE(fed.is_ok()) << fed.to_string();
      EXPECT_TRUE(t->complete());
      EXPECT_EQ(t->verified_end(), n);
      this->expect_prefix(e, payload, n);
      EXPECT_EQ(store::testing::served_payload(this->receiver(), e), payload);
    }
  }
}

TYPED_TEST_P(PayloadTransferTest, AnySplitIncludingOneByteAtATime) {
  std::mt19937 rng(9);
  for (std::size_t n : {std::size_t{5000}, std::size_t{33 * 1024 + 7}}) {
    for (std::size_t split :
         {std::size_t{1}, std::size_t{3}, std::size_t{1500}, std::size_t{70000}}) {
      const std::uint64_t k = split == 1 ? payload_chunk_count(n) / 3 : 0;
      SCOPED_TRACE("length " + std::to_string(n) + ", split " + std::to_string(split));
      const Bytes payload = random_bytes(n, static_cast<std::uint32_t>(n + split));
      const AuthorisedEntry ae =
          entry_at({"split", std::to_string(n), std::to_string(split)}, payload, 3);
      this->put(ae, payload);
      this->hold_chunks(ae.entry, payload, k);
      auto t = PayloadTransfer::start(this->receiver(), ae.entry, k);
      ASSERT_TRUE(t.is_ok()) << t.status().to_string();
      const Status fed = this->feed_all(*t, this->send(this->sender(), ae.entry, k), split, rng);
      ASSERT_TRUE(fed.is_ok()) << fed.to_string();
      EXPECT_TRUE(t->complete());
      this->expect_prefix(ae.entry, payload, n);
    }
  }
}

TYPED_TEST_P(PayloadTransferTest, ResumesAfterACutMidPayload) {
  std::mt19937 rng(13);
  const std::size_t n = 300 * 1024 + 5;
  const Bytes payload = random_bytes(n, 77);
  const AuthorisedEntry ae = entry_at({"resume"}, payload, 4);
  this->put(ae, payload);
  const model::Entry& e = ae.entry;
  const Bytes whole = this->send(this->sender(), e, 0);
  // Cut three times, inside labels and inside data; each new transfer starts where the store
  // says (the reopened store too, for the durable one).
  std::uint64_t expect_held = 0;
  for (const std::size_t cut : {std::size_t{5000}, std::size_t{77777}, std::size_t{200001}}) {
    auto t = PayloadTransfer::resume(this->receiver(), e);
    ASSERT_TRUE(t.is_ok()) << t.status().to_string();
    EXPECT_EQ(t->first_chunk(), expect_held / 1024);
    const std::uint64_t skip = chunks_length(n, 0, t->first_chunk());
    ASSERT_LT(skip, cut);
    const Status fed = this->feed_all(*t, ByteView(whole).subspan(skip, cut - skip), 9000, rng);
    ASSERT_TRUE(fed.is_ok()) << fed.to_string();
    // Everything up to the last whole chunk before the cut is stored.
    expect_held = chunk_at(n, 0, cut) * 1024;
    this->expect_prefix(e, payload, expect_held);
    this->reopen();
  }
  auto t = PayloadTransfer::resume(this->receiver(), e);
  ASSERT_TRUE(t.is_ok()) << t.status().to_string();
  ASSERT_TRUE(
      this->feed_all(*t, this->send(this->sender(), e, t->first_chunk()), 20000, rng).is_ok());
  EXPECT_TRUE(t->complete());
  this->expect_prefix(e, payload, n);
}

TYPED_TEST_P(PayloadTransferTest, FromChunkZeroOverAHeldPrefixVerifiesWithoutReappending) {
  const std::size_t n = 33 * 1024 + 7;
  const Bytes payload = random_bytes(n, 5);
  const AuthorisedEntry ae = entry_at({"again"}, payload, 4);
  this->put(ae, payload);
  this->hold_chunks(ae.entry, payload, 20);
  std::uint64_t appended = 0;
  auto sub = this->receiver().subscribe(ae.entry.namespace_id, model::Area::full(), std::nullopt,
                                        [&](const store::StoreEvent& ev) {
                                          if (ev.kind == store::EventKind::kPayloadAppended)
                                            ++appended;
                                        });
  ASSERT_TRUE(sub.is_ok());
  auto t = PayloadTransfer::start(this->receiver(), ae.entry, 0);
  ASSERT_TRUE(t.is_ok());
  Bytes stream = this->send(this->sender(), ae.entry, 0);
  // The held Chunks are verified: a bad bit among them fails the transfer, stores nothing.
  Bytes bad = stream;
  bad[chunks_length(n, 0, 3) + 100] ^= 4;
  auto t_bad = PayloadTransfer::start(this->receiver(), ae.entry, 0);
  ASSERT_TRUE(t_bad.is_ok());
  auto r_bad = t_bad->feed(bad);
  ASSERT_FALSE(r_bad.is_ok());
  EXPECT_EQ(r_bad.status().code(), ErrorCode::kVerification);
  EXPECT_EQ(appended, 0u);
  // The good stream: Chunks [0, 20) are not appended again; the rest is, in kStep pieces.
  ASSERT_TRUE(t->feed(ByteView(stream).first(chunks_length(n, 0, 20))).is_ok());
  EXPECT_EQ(appended, 0u);
  ASSERT_TRUE(t->feed(ByteView(stream).subspan(chunks_length(n, 0, 20))).is_ok());
  EXPECT_TRUE(t->complete());
  EXPECT_GE(appended, 1u);
  this->expect_prefix(ae.entry, payload, n);
  this->receiver().unsubscribe(*sub);
}

TYPED_TEST_P(PayloadTransferTest, EveryBitFlipIsRejectedKeepingThePrefixBeforeIt) {
  std::mt19937 rng(21);
  const std::size_t n = 33 * 1024 + 7;
  const Bytes payload = random_bytes(n, 99);
  const AuthorisedEntry ae = entry_at({"flip"}, payload, 4);
  this->put(ae, payload);
  const model::Entry& e = ae.entry;
  for (const std::uint64_t k : {std::uint64_t{0}, std::uint64_t{17}}) {
    const Bytes stream = this->send(this->sender(), e, k);
    // Positions: the first and last bytes, and a sample of the rest (labels and data alike).
    std::vector<std::size_t> positions = {0, 1, 31, 32, 63, 64, stream.size() - 1};
    for (std::size_t p = 97; p < stream.size(); p += 1 + rng() % 700) positions.push_back(p);
    for (const std::size_t p : positions) {
      SCOPED_TRACE("from Chunk " + std::to_string(k) + ", flip at " + std::to_string(p));
      ASSERT_TRUE(this->receiver().forget_payload(e.namespace_id, e.subspace_id, e.path).is_ok());
      this->hold_chunks(e, payload, k);
      Bytes bad = stream;
      bad[p] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
      auto t = PayloadTransfer::start(this->receiver(), e, k);
      ASSERT_TRUE(t.is_ok());
      const Status fed = this->feed_all(*t, bad, 5000, rng);
      ASSERT_FALSE(fed.is_ok());
      EXPECT_EQ(fed.code(), ErrorCode::kVerification) << fed.to_string();
      EXPECT_FALSE(t->complete());
      // Every Chunk before the bad one was stored; nothing of it or after it.
      this->expect_prefix(e, payload, chunk_at(n, k, p) * 1024);
      auto again = t->feed(ByteView(stream).subspan(p));
      EXPECT_FALSE(again.is_ok());
    }
  }
}

TYPED_TEST_P(PayloadTransferTest, TwoTransfersOfOnePayloadBothSucceed) {
  std::mt19937 rng(3);
  const std::size_t n = 100 * 1024 + 9;
  const Bytes payload = random_bytes(n, 31);
  const AuthorisedEntry one = entry_at({"two", "a"}, payload, 4);
  const AuthorisedEntry two = entry_at({"two", "b"}, payload, 4);
  this->put(one, payload);
  this->put(two, payload);
  const Bytes stream = this->send(this->sender(), one.entry, 0);
  {
    // Interleaved in one thread, one ahead of the other by turns.
    auto a = PayloadTransfer::start(this->receiver(), one.entry, 0);
    auto b = PayloadTransfer::start(this->receiver(), two.entry, 0);
    ASSERT_TRUE(a.is_ok() && b.is_ok());
    std::size_t pa = 0, pb = 0;
    while (pa < stream.size() || pb < stream.size()) {
      const std::size_t na = std::min<std::size_t>(1 + rng() % 9000, stream.size() - pa);
      const std::size_t nb = std::min<std::size_t>(1 + rng() % 9000, stream.size() - pb);
      ASSERT_TRUE(a->feed(ByteView(stream).subspan(pa, na)).is_ok());
      ASSERT_TRUE(b->feed(ByteView(stream).subspan(pb, nb)).is_ok());
      pa += na;
      pb += nb;
    }
    EXPECT_TRUE(a->complete() && b->complete());
    this->expect_prefix(one.entry, payload, n);
    this->expect_prefix(two.entry, payload, n);
  }
  // From two threads, into the same entry.
  ASSERT_TRUE(this->receiver()
                  .forget_payload(one.entry.namespace_id, one.entry.subspace_id, one.entry.path)
                  .is_ok());
  Status results[2];
  std::vector<std::thread> threads;
  for (int i = 0; i < 2; ++i) {
    threads.emplace_back([&, i] {
      std::mt19937 r(static_cast<std::uint32_t>(i));
      auto t = PayloadTransfer::start(this->receiver(), one.entry, 0);
      if (!t.is_ok()) {
        results[i] = t.status();
        return;
      }
      results[i] = this->feed_all(*t, stream, 3000, r);
      if (results[i].is_ok() && !t->complete()) {
        results[i] = error(ErrorCode::kInternal, "not complete");
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_TRUE(results[0].is_ok()) << results[0].to_string();
  EXPECT_TRUE(results[1].is_ok()) << results[1].to_string();
  this->expect_prefix(one.entry, payload, n);
}

TYPED_TEST_P(PayloadTransferTest, SenderServesOnlyHeldChunks) {
  const std::size_t n = 33 * 1024 + 7;
  const Bytes payload = random_bytes(n, 8);
  const AuthorisedEntry ae = entry_at({"partial"}, payload, 4);
  this->put(ae, payload);
  const model::Entry& e = ae.entry;
  this->hold_chunks(e, payload, 10);
  const auto code = [&](std::uint64_t first, std::optional<std::uint64_t> count) {
    return send_payload_chunks(this->receiver(), e, first, count,
                               [](ByteView) { return Status::ok(); })
        .code();
  };
  EXPECT_EQ(code(0, std::nullopt), ErrorCode::kNotFound);  // to the end: not held
  EXPECT_EQ(code(9, 2), ErrorCode::kNotFound);
  EXPECT_EQ(code(10, 1), ErrorCode::kNotFound);
  EXPECT_EQ(code(34, 1), ErrorCode::kOutOfRange);  // past the payload's 34 Chunks
  // Held Chunks are served, and are the same bytes the complete sender sends.
  for (std::uint64_t first = 0; first < 10; first += 3) {
    for (std::uint64_t count = 0; first + count <= 10; count += 4) {
      SCOPED_TRACE(std::to_string(first) + " +" + std::to_string(count));
      const Bytes partial = this->send(this->receiver(), e, first, count);
      EXPECT_EQ(partial.size(), chunks_length(n, first, count));
      EXPECT_EQ(partial, this->send(this->sender(), e, first, count));
    }
  }
  // Another payload at the same path is not this one.
  model::Entry other = e;
  other.payload_digest[0] ^= 1;
  EXPECT_EQ(send_payload_chunks(this->sender(), other, 0, 1, [](ByteView) { return Status::ok(); })
                .code(),
            ErrorCode::kNotFound);
}

TYPED_TEST_P(PayloadTransferTest, StartLimitsAndExtraBytes) {
  const std::size_t n = 5000;
  const Bytes payload = random_bytes(n, 2);
  const AuthorisedEntry ae = entry_at({"limits"}, payload, 4);
  this->put(ae, payload);
  const model::Entry& e = ae.entry;
  this->hold_chunks(e, payload, 2);
  auto gap = PayloadTransfer::start(this->receiver(), e, 3);
  ASSERT_FALSE(gap.is_ok());
  EXPECT_EQ(gap.status().code(), ErrorCode::kOutOfRange);
  model::Entry other = e;
  other.payload_length += 1;
  auto wrong = PayloadTransfer::start(this->receiver(), other, 0);
  ASSERT_FALSE(wrong.is_ok());
  EXPECT_EQ(wrong.status().code(), ErrorCode::kNotFound);
  // From a held Chunk before the last held one: verified by the store's own labels.
  auto t = PayloadTransfer::start(this->receiver(), e, 1);
  ASSERT_TRUE(t.is_ok()) << t.status().to_string();
  Bytes stream = this->send(this->sender(), e, 1);
  stream.push_back(0);  // one byte too many
  auto r = t->feed(stream);
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidEncoding);
  this->expect_prefix(e, payload, n);  // the bytes within the stream were all stored
}

TYPED_TEST_P(PayloadTransferTest, APrefixWithoutItsFrontierResumesFromChunkZero) {
  const std::size_t n = 9000;
  const Bytes payload = random_bytes(n, 6);
  const AuthorisedEntry ae = entry_at({"nofrontier"}, payload, 4);
  this->put(ae, payload);
  const model::Entry& e = ae.entry;
  // Verified bytes appended without the labels of the rest (Store::append_verified allows it).
  ASSERT_TRUE(this->receiver()
                  .append_verified(e.namespace_id, e.subspace_id, e.path, e.payload_digest, 0,
                                   ByteView(payload).first(2048), {})
                  .is_ok());
  auto from_held = PayloadTransfer::start(this->receiver(), e, 2);
  ASSERT_FALSE(from_held.is_ok());
  EXPECT_EQ(from_held.status().code(), ErrorCode::kNotFound);
  auto t = PayloadTransfer::resume(this->receiver(), e);
  ASSERT_TRUE(t.is_ok()) << t.status().to_string();
  EXPECT_EQ(t->first_chunk(), 0u);
  ASSERT_TRUE(t->feed(this->send(this->sender(), e, 0)).is_ok());
  EXPECT_TRUE(t->complete());
  this->expect_prefix(e, payload, n);
}

// set_background_appends: batches are appended on a helper thread; what the store holds after
// flush(), a failed byte, the stream's end or the transfer's destruction is what it held before.
TYPED_TEST_P(PayloadTransferTest, BackgroundAppendsStoreTheSameBytes) {
  std::mt19937 rng(31);
  const std::size_t n = 300 * 1024 + 5;
  const Bytes payload = random_bytes(n, 78);
  const AuthorisedEntry ae = entry_at({"background"}, payload, 4);
  this->put(ae, payload);
  const model::Entry& e = ae.entry;
  const Bytes whole = this->send(this->sender(), e, 0);
  const auto background = [&]() {
    auto t = PayloadTransfer::resume(this->receiver(), e);
    EXPECT_TRUE(t.is_ok()) << t.status().to_string();
    t->set_append_batch(16 * 1024);  // several batches in flight one after another
    t->set_background_appends(true);
    return std::move(*t);
  };
  // Cut, flushed: every verified byte is stored.
  {
    PayloadTransfer t = background();
    const std::size_t cut = 150001;
    ASSERT_TRUE(this->feed_all(t, ByteView(whole).first(cut), 9000, rng).is_ok());
    ASSERT_TRUE(t.flush().is_ok());
    this->expect_prefix(e, payload, chunk_at(n, 0, cut) * 1024);
  }
  // Cut, dropped without flush: the destructor waits for the running append; the store holds a
  // prefix of what verified, and the next transfer resumes from it.
  {
    PayloadTransfer t = background();
    const std::uint64_t skip = chunks_length(n, 0, t.first_chunk());
    ASSERT_TRUE(this->feed_all(t, ByteView(whole).subspan(skip, 250001 - skip), 9000, rng).is_ok());
  }
  const std::uint64_t held_now = this->held(e);
  EXPECT_GE(held_now, chunk_at(n, 0, 150001) * 1024);
  EXPECT_LE(held_now, chunk_at(n, 0, 250001) * 1024);
  this->expect_prefix(e, payload, held_now);
  // A bad bit: the Chunks before it are stored (after the running append) before the error.
  {
    PayloadTransfer t = background();
    const std::uint64_t skip = chunks_length(n, 0, t.first_chunk());
    Bytes bad(whole.begin() + static_cast<std::ptrdiff_t>(skip), whole.end());
    const std::size_t p = 280000 - skip;
    bad[p] ^= 1;
    const Status fed = this->feed_all(t, bad, 9000, rng);
    ASSERT_FALSE(fed.is_ok());
    EXPECT_EQ(fed.code(), ErrorCode::kVerification);
    this->expect_prefix(e, payload, chunk_at(n, 0, skip + p) * 1024);
  }
  // The rest, to the end: complete() means stored.
  PayloadTransfer t = background();
  const std::uint64_t skip = chunks_length(n, 0, t.first_chunk());
  ASSERT_TRUE(this->feed_all(t, ByteView(whole).subspan(skip), 9000, rng).is_ok());
  EXPECT_TRUE(t.complete());
  this->expect_prefix(e, payload, n);
}

REGISTER_TYPED_TEST_SUITE_P(PayloadTransferTest, APrefixWithoutItsFrontierResumesFromChunkZero,
                            BackgroundAppendsStoreTheSameBytes, RoundTripFromChunkZeroMiddleAndLast,
                            AnySplitIncludingOneByteAtATime, ResumesAfterACutMidPayload,
                            FromChunkZeroOverAHeldPrefixVerifiesWithoutReappending,
                            EveryBitFlipIsRejectedKeepingThePrefixBeforeIt,
                            TwoTransfersOfOnePayloadBothSucceed, SenderServesOnlyHeldChunks,
                            StartLimitsAndExtraBytes);
INSTANTIATE_TYPED_TEST_SUITE_P(Stores, PayloadTransferTest, store::testing::StoreFactories);

}  // namespace
}  // namespace osier::sync
