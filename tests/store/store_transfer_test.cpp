// Payload transfers outside the store: Store::append_verified's continuation rules, and
// PayloadReceivers (one per transfer) of the same payload running at once — interleaved, from
// threads, and after the entry changed under them.
#include <gtest/gtest.h>

#include <thread>

#include "crypto/bab_prefix.hpp"
#include "crypto/bab_verifier.hpp"
#include "osier/crypto/bab_outboard.hpp"
#include "store/payload_receiver.hpp"
#include "store_factories.hpp"

namespace osier::store {
namespace {

using testing::entry_at;
using testing::random_bytes;
using testing::test_namespace;

template <typename Factory>
class StoreTransfers : public testing::StoreFixture<Factory> {
 protected:
  void put(const AuthorisedEntry& ae) {
    auto r = this->store().ingest(ae, Trust::kAlreadyVerified);
    ASSERT_TRUE(r && r->outcome == IngestOutcome::kInserted);
  }
  std::uint64_t held(const AuthorisedEntry& ae) {
    return this->store()
        .payload_state(ae.entry.namespace_id, ae.entry.subspace_id, ae.entry.path)
        .value()
        ->held;
  }
  Result<PayloadState> append(const AuthorisedEntry& ae, const Bytes& payload, std::size_t from,
                              std::size_t to, std::optional<model::PayloadDigest> digest = {}) {
    return this->store().append_verified(ae.entry.namespace_id, ae.entry.subspace_id, ae.entry.path,
                                         digest ? *digest : ae.entry.payload_digest, from,
                                         ByteView(payload).subspan(from, to - from), {});
  }
  Bytes served(const AuthorisedEntry& ae) {
    return testing::served_payload(this->store(), ae.entry);
  }
  static Bytes stream_of(const Bytes& payload) {
    return crypto::bab_stream(continuation_stream(payload.size(), 0), payload,
                              crypto::bab_outboard(payload).value())
        .value();
  }
};

TYPED_TEST_SUITE_P(StoreTransfers);

TYPED_TEST_P(StoreTransfers, AppendVerifiedTakesOnlyContinuations) {
  for (std::size_t n : {std::size_t{10 * 1024 + 300}, std::size_t{40 * 1024}}) {
    const Bytes payload = random_bytes(n, static_cast<std::uint32_t>(n));
    const AuthorisedEntry ae = entry_at({"c", std::to_string(n)}, payload, 5);
    this->put(ae);
    std::uint64_t appended = 0;
    auto sub = this->store().subscribe(test_namespace(), model::Area::full(), std::nullopt,
                                       [&](const StoreEvent& ev) {
                                         if (ev.kind == EventKind::kPayloadAppended) ++appended;
                                       });
    ASSERT_TRUE(sub);
    const auto code = [&](std::size_t from, std::size_t to,
                          std::optional<model::PayloadDigest> digest = {}) {
      auto r = this->append(ae, payload, from, to, digest);
      return r ? ErrorCode::kOk : r.status().code();
    };
    EXPECT_EQ(code(2048, 4096), ErrorCode::kOutOfRange);  // a gap
    model::PayloadDigest other = ae.entry.payload_digest;
    other[0] ^= 1;
    EXPECT_EQ(code(0, 4096, other), ErrorCode::kNotFound);  // not this entry's payload
    EXPECT_EQ(code(0, 1000), ErrorCode::kInvalidArgument);  // ends inside a chunk
    EXPECT_EQ(this->store()
                  .append_verified(ae.entry.namespace_id, ae.entry.subspace_id, ae.entry.path,
                                   ae.entry.payload_digest, n - 1024, Bytes(2048), {})
                  .status()
                  .code(),
              ErrorCode::kInvalidArgument);  // past the payload's end
    EXPECT_EQ(this->held(ae), 0u);
    EXPECT_EQ(appended, 0u);

    ASSERT_TRUE(this->append(ae, payload, 0, 4096));
    EXPECT_EQ(this->held(ae), 4096u);
    ASSERT_TRUE(this->append(ae, payload, 0, 2048));  // behind: a no-op
    EXPECT_EQ(this->held(ae), 4096u);
    auto overlap = this->append(ae, payload, 2048, 8192);  // the part beyond is taken
    ASSERT_TRUE(overlap);
    EXPECT_EQ(overlap->held, 8192u);
    Bytes got;
    ASSERT_TRUE(this->store().read_payload(ae.entry.namespace_id, ae.entry.subspace_id,
                                           ae.entry.path, 0, 8192, append_to(got)));
    EXPECT_EQ(got, Bytes(payload.begin(), payload.begin() + 8192));
    auto done = this->append(ae, payload, 8192, n);
    ASSERT_TRUE(done);
    EXPECT_TRUE(done->complete());
    EXPECT_EQ(appended, 3u);                       // one event per append that stored bytes
    EXPECT_EQ(this->served(ae), payload);          // the outboard was built
    ASSERT_TRUE(this->append(ae, payload, 0, n));  // complete: a no-op
    EXPECT_EQ(appended, 3u);
    this->store().unsubscribe(*sub);
    EXPECT_TRUE(this->store().check());
    this->reopen();
    EXPECT_EQ(this->served(ae), payload);
  }
}

// Two transfers of one payload, fed alternately: both succeed (the one behind stores nothing
// new), whichever finishes first completes the payload.
TYPED_TEST_P(StoreTransfers, TwoTransfersOfOnePayloadBothSucceed) {
  const Bytes payload = random_bytes(150000, 5);
  const AuthorisedEntry one = entry_at({"t", "one"}, payload, 5);
  const AuthorisedEntry two = entry_at({"t", "two"}, payload, 5);  // shares the payload
  this->put(one);
  this->put(two);
  const Bytes stream = this->stream_of(payload);
  auto a = PayloadReceiver::start(this->store(), one.entry.namespace_id, one.entry.subspace_id,
                                  one.entry.path);
  auto b = PayloadReceiver::start(this->store(), two.entry.namespace_id, two.entry.subspace_id,
                                  two.entry.path);
  ASSERT_TRUE(a && b);
  std::size_t pa = 0, pb = 0;
  while (pa < stream.size() || pb < stream.size()) {
    // a runs ahead at first, b catches up and overtakes it.
    const std::size_t na =
        std::min<std::size_t>(pa < stream.size() / 2 ? 7000 : 900, stream.size() - pa);
    const std::size_t nb =
        std::min<std::size_t>(pa < stream.size() / 2 ? 1500 : 9000, stream.size() - pb);
    if (na > 0) {
      auto r = a->feed(ByteView(stream).subspan(pa, na));
      ASSERT_TRUE(r) << "a at " << pa << ": " << r.status().to_string();
      pa += na;
    }
    if (nb > 0) {
      auto r = b->feed(ByteView(stream).subspan(pb, nb));
      ASSERT_TRUE(r) << "b at " << pb << ": " << r.status().to_string();
      pb += nb;
    }
  }
  EXPECT_TRUE(a->complete() && b->complete());
  EXPECT_EQ(this->served(one), payload);
  EXPECT_EQ(this->served(two), payload);
  EXPECT_EQ(this->store().payload_count().value(), 1u);
  EXPECT_TRUE(this->store().check());
}

TYPED_TEST_P(StoreTransfers, TransfersFromManyThreads) {
  const Bytes payload = random_bytes(300000, 6);
  const AuthorisedEntry ae = entry_at({"threads"}, payload, 5);
  this->put(ae);
  const crypto::BabOutboard outboard = crypto::bab_outboard(payload).value();
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      auto r = PayloadReceiver::start(this->store(), ae.entry.namespace_id, ae.entry.subspace_id,
                                      ae.entry.path);
      if (!r) {
        ++failures;
        return;
      }
      // From what the store held when this transfer started (others may be ahead).
      const Bytes stream = crypto::bab_stream(r->stream(), payload, outboard).value();
      const std::size_t piece = 1000 + 3000 * static_cast<std::size_t>(t);
      for (std::size_t pos = 0; pos < stream.size(); pos += piece) {
        if (!r->feed(ByteView(stream).subspan(pos, std::min(piece, stream.size() - pos)))) {
          ++failures;
          return;
        }
      }
      if (!r->complete()) ++failures;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(this->served(ae), payload);
  EXPECT_TRUE(this->store().check());
}

TYPED_TEST_P(StoreTransfers, ATransferIntoAnOverwrittenEntryStops) {
  const Bytes payload = random_bytes(30000, 7);
  const AuthorisedEntry ae = entry_at({"over"}, payload, 5);
  this->put(ae);
  const Bytes stream = this->stream_of(payload);
  auto r = PayloadReceiver::start(this->store(), ae.entry.namespace_id, ae.entry.subspace_id,
                                  ae.entry.path);
  ASSERT_TRUE(r);
  ASSERT_TRUE(r->feed(ByteView(stream).first(8000)));
  this->put(entry_at({"over"}, random_bytes(500, 8), 6));  // a newer entry, another payload
  auto more = r->feed(ByteView(stream).subspan(8000));
  ASSERT_FALSE(more);
  EXPECT_EQ(more.status().code(), ErrorCode::kNotFound);
  auto after = r->feed(ByteView(stream).subspan(8000));  // finished: the same error again
  ASSERT_FALSE(after);
  EXPECT_EQ(after.status().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(this->store().check());
}

TYPED_TEST_P(StoreTransfers, ATamperedTransferEndsAndANewOneCompletes) {
  const Bytes payload = random_bytes(60000, 9);
  const AuthorisedEntry ae = entry_at({"tamper"}, payload, 5);
  this->put(ae);
  Bytes bad = this->stream_of(payload);
  bad[bad.size() / 2] ^= 0x20;
  auto r = PayloadReceiver::start(this->store(), ae.entry.namespace_id, ae.entry.subspace_id,
                                  ae.entry.path);
  ASSERT_TRUE(r);
  auto fed = r->feed(bad);
  ASSERT_FALSE(fed);
  EXPECT_EQ(fed.status().code(), ErrorCode::kVerification);
  EXPECT_FALSE(r->feed(ByteView(bad).first(10)));  // finished
  const std::uint64_t held = this->held(ae);
  EXPECT_GT(held, 0u);
  EXPECT_LT(held, payload.size());
  auto again = PayloadReceiver::start(this->store(), ae.entry.namespace_id, ae.entry.subspace_id,
                                      ae.entry.path);
  ASSERT_TRUE(again);
  const Bytes rest =
      crypto::bab_stream(again->stream(), payload, crypto::bab_outboard(payload).value()).value();
  auto done = again->feed(rest);
  ASSERT_TRUE(done) << done.status().to_string();
  EXPECT_TRUE(done->complete());
  EXPECT_EQ(this->served(ae), payload);
  EXPECT_TRUE(this->store().check());
}

// A frontier that cannot belong to the new prefix is refused before anything is stored: a record
// with 300 labels was truncated to 44 on disk and then rejected by the decoder (more than 64),
// so the payload could never be read, served or forgotten again.
TYPED_TEST_P(StoreTransfers, AFrontierOfTheWrongShapeIsRefusedAndChangesNothing) {
  const Bytes payload = random_bytes(40 * 1024, 9);  // 40 chunks
  const AuthorisedEntry ae = entry_at({"f"}, payload, 5);
  this->put(ae);
  const ByteView first = ByteView(payload).first(4096);  // 4 of 40 chunks held
  const std::size_t right =
      crypto::bab_frontier(crypto::BabGeometry(payload.size(), 1024), 4).size();
  ASSERT_GE(right, 2u);
  for (std::size_t n : {right - 1, right + 1, std::size_t{300}}) {
    const std::vector<crypto::BabLabel> frontier(n);
    auto r =
        this->store().append_verified(ae.entry.namespace_id, ae.entry.subspace_id, ae.entry.path,
                                      ae.entry.payload_digest, 0, first, frontier);
    ASSERT_FALSE(r) << n << " labels";
    EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(this->held(ae), 0u);
  }
  ASSERT_TRUE(this->store().append_verified(ae.entry.namespace_id, ae.entry.subspace_id,
                                            ae.entry.path, ae.entry.payload_digest, 0, first,
                                            std::vector<crypto::BabLabel>(right)));
  EXPECT_EQ(this->held(ae), 4096u);
  // Completing takes no frontier, and the record stays readable throughout.
  ASSERT_TRUE(this->append(ae, payload, 4096, payload.size()));
  EXPECT_EQ(this->served(ae), payload);
  EXPECT_TRUE(this->store().check());
  this->reopen();
  EXPECT_EQ(this->held(ae), payload.size());
}

REGISTER_TYPED_TEST_SUITE_P(StoreTransfers, AppendVerifiedTakesOnlyContinuations,
                            AFrontierOfTheWrongShapeIsRefusedAndChangesNothing,
                            TwoTransfersOfOnePayloadBothSucceed, TransfersFromManyThreads,
                            ATransferIntoAnOverwrittenEntryStops,
                            ATamperedTransferEndsAndANewOneCompletes);
INSTANTIATE_TYPED_TEST_SUITE_P(All, StoreTransfers, testing::StoreFactories);

}  // namespace
}  // namespace osier::store
