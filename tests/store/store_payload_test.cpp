// Payload conformance (both stores): local writes, verified appends from Bab streams, partial
// payloads, tampering, deduplication, garbage collection, serving slices.
#include <gtest/gtest.h>

#include "crypto/bab_verifier.hpp"
#include "osier/crypto/bab_outboard.hpp"
#include "osier/crypto/bab_stream.hpp"
#include "osier/crypto/william3.hpp"
#include "osier/store/store.hpp"
#include "store/payload.hpp"
#include "store/store_factories.hpp"
#include "store/store_random.hpp"

namespace osier::store {
namespace {

using testing::random_bytes;

AuthorisedEntry entry_for(const Bytes& payload, const char* name, std::uint8_t ns_byte = 0x20,
                          model::Timestamp t = 5) {
  AuthorisedEntry ae;
  ae.entry.namespace_id.fill(ns_byte);
  ae.entry.subspace_id.fill(0x42);
  ae.entry.path = model::Path::from_strings({"files", name}).value();
  ae.entry.timestamp = t;
  ae.entry.payload_length = payload.size();
  ae.entry.payload_digest = crypto::william3(payload);
  ae.token = {9, 9};
  return ae;
}

PayloadSource pieces_of(const Bytes& data, std::size_t piece) { return memory_source(data, piece); }

Bytes stream_for(const Bytes& payload, std::uint64_t held) {
  auto ob = crypto::bab_outboard(payload).value();
  return crypto::bab_stream(continuation_stream(payload.size(), held), payload, ob).value();
}

template <typename Factory>
class StorePayloads : public testing::StoreFixture<Factory> {
 public:
  void put(const AuthorisedEntry& ae) {
    auto r = this->store().ingest(ae, Trust::kAlreadyVerified);
    ASSERT_TRUE(r);
    ASSERT_EQ(r->outcome, IngestOutcome::kInserted);
  }
  Bytes read_all(const AuthorisedEntry& ae) {
    auto st =
        this->store().payload_state(ae.entry.namespace_id, ae.entry.subspace_id, ae.entry.path);
    EXPECT_TRUE(st && st->has_value());
    Bytes out;
    EXPECT_TRUE(this->store().read_payload(ae.entry.namespace_id, ae.entry.subspace_id,
                                           ae.entry.path, 0, (*st)->held, append_to(out)));
    return out;
  }
  PayloadState state(const AuthorisedEntry& ae) {
    return this->store()
        .payload_state(ae.entry.namespace_id, ae.entry.subspace_id, ae.entry.path)
        .value()
        .value();
  }
  Result<PayloadState> append(const AuthorisedEntry& ae, ByteView piece) {
    return this->feed_stream(ae.entry, piece);
  }
};

TYPED_TEST_SUITE_P(StorePayloads);

TYPED_TEST_P(StorePayloads, LocalWriteSmallAndLarge) {
  for (std::size_t n : {std::size_t{0}, std::size_t{5}, std::size_t{3000}, std::size_t{100000}}) {
    const Bytes payload = random_bytes(n, static_cast<std::uint32_t>(n));
    const auto ae = entry_for(payload, std::to_string(n).c_str());
    this->put(ae);
    EXPECT_EQ(this->state(ae).held, 0u);
    // Wrong bytes are refused and nothing is kept.
    if (n > 0) {
      Bytes wrong = payload;
      wrong[n / 2] ^= 1;
      auto bad = this->store().write_payload(ae.entry.namespace_id, ae.entry.subspace_id,
                                             ae.entry.path, pieces_of(wrong, 777));
      ASSERT_FALSE(bad);
      EXPECT_EQ(bad.status().code(), ErrorCode::kVerification);
      EXPECT_EQ(this->state(ae).held, 0u);
    }
    auto ok = this->store().write_payload(ae.entry.namespace_id, ae.entry.subspace_id,
                                          ae.entry.path, pieces_of(payload, 777));
    ASSERT_TRUE(ok) << ok.status().to_string();
    EXPECT_TRUE(ok->complete());
    this->reopen();
    EXPECT_EQ(this->state(ae), (PayloadState{n, n}));
    EXPECT_EQ(this->read_all(ae), payload);
    // The fingerprint now hashes the available length.
    auto one = model::D3Range::full();
    one.paths = {ae.entry.path, ae.entry.path.successor()};
    EXPECT_EQ(this->store().fingerprint(ae.entry.namespace_id, one).value(),
              hash_lengthy_authorised_entry(ae.entry, ae.token, n).to_bytes());
  }
  EXPECT_TRUE(this->store().check());
}

TYPED_TEST_P(StorePayloads, AppendVerifiedStreamInPiecesAcrossReopen) {
  for (std::size_t n : {std::size_t{1}, std::size_t{1024}, std::size_t{5000}, std::size_t{70000}}) {
    const Bytes payload = random_bytes(n, 7 + static_cast<std::uint32_t>(n));
    std::string name = std::to_string(n);
    name.insert(name.begin(), 's');
    const auto ae = entry_for(payload, name.c_str());
    this->put(ae);
    Bytes stream = stream_for(payload, 0);
    // First half of the stream, in odd pieces.
    std::size_t pos = 0;
    std::uint64_t last = 0;
    while (pos < stream.size() / 2) {
      const std::size_t k = std::min<std::size_t>(333, stream.size() / 2 - pos);
      auto r = this->append(ae, ByteView(stream).subspan(pos, k));
      ASSERT_TRUE(r) << r.status().to_string();
      EXPECT_GE(r->held, last);
      EXPECT_TRUE(r->held % kPayloadChunk == 0 || r->held == n);
      last = r->held;
      pos += k;
    }
    const std::uint64_t held = this->state(ae).held;
    EXPECT_EQ(this->read_all(ae),
              Bytes(payload.begin(), payload.begin() + static_cast<std::ptrdiff_t>(held)));
    // After a reopen (a restart: the transfer is gone) a new stream starts at the held length.
    this->reopen();
    stream = stream_for(payload, held);
    pos = 0;
    if (this->state(ae).held < n) {
      auto r = this->append(ae, ByteView(stream).subspan(pos));
      ASSERT_TRUE(r) << r.status().to_string();
      EXPECT_TRUE(r->complete());
    }
    EXPECT_EQ(this->read_all(ae), payload);
  }
  EXPECT_TRUE(this->store().check());
}

TYPED_TEST_P(StorePayloads, TamperedStreamKeepsTheVerifiedPrefix) {
  const Bytes payload = random_bytes(40000, 3);
  const auto ae = entry_for(payload, "t");
  this->put(ae);
  Bytes stream = stream_for(payload, 0);
  stream[stream.size() - 2000] ^= 0x40;  // damage a late chunk
  Result<PayloadState> r = PayloadState{};
  for (std::size_t pos = 0; pos < stream.size() && r; pos += 1500) {
    r = this->append(
        ae, ByteView(stream).subspan(pos, std::min<std::size_t>(1500, stream.size() - pos)));
  }
  ASSERT_FALSE(r);
  EXPECT_EQ(r.status().code(), ErrorCode::kVerification);
  const std::uint64_t held = this->state(ae).held;
  EXPECT_GT(held, 0u);
  EXPECT_LT(held, payload.size());
  EXPECT_EQ(this->read_all(ae),
            Bytes(payload.begin(), payload.begin() + static_cast<std::ptrdiff_t>(held)));
  // A good continuation from the held length completes it.
  auto good = this->append(ae, stream_for(payload, held));
  ASSERT_TRUE(good) << good.status().to_string();
  EXPECT_TRUE(good->complete());
  EXPECT_EQ(this->read_all(ae), payload);
  EXPECT_TRUE(this->store().check());
}

TYPED_TEST_P(StorePayloads, TamperedSinglePieceKeepsMostOfThePrefix) {
  const Bytes payload = random_bytes(200000, 4);
  const auto ae = entry_for(payload, "t1");
  this->put(ae);
  Bytes stream = stream_for(payload, 0);
  stream[stream.size() - 3000] ^= 0x40;
  auto r = this->append(ae, stream);
  ASSERT_FALSE(r);
  EXPECT_GT(this->state(ae).held, 150000u);
  EXPECT_TRUE(this->store().check());
}

TYPED_TEST_P(StorePayloads, DeduplicatedAndCollected) {
  const Bytes payload = random_bytes(50000, 11);
  const auto a = entry_for(payload, "a", 0x20, 5);
  const auto b = entry_for(payload, "b", 0x22, 5);  // another namespace, the same payload
  this->put(a);
  this->put(b);
  EXPECT_EQ(this->store().payload_count().value(), 1u);
  ASSERT_TRUE(this->store().write_payload(a.entry.namespace_id, a.entry.subspace_id, a.entry.path,
                                          pieces_of(payload, 4096)));
  EXPECT_TRUE(this->state(b).complete());
  EXPECT_EQ(this->read_all(b), payload);
  EXPECT_TRUE(this->store().check());
  // Overwrite a (prunes it): the payload stays for b.
  AuthorisedEntry a2 = a;
  a2.entry.timestamp = 6;
  a2.entry.payload_length = 0;
  a2.entry.payload_digest = crypto::william3({});
  this->put(a2);
  EXPECT_EQ(this->store().payload_count().value(), 2u);
  EXPECT_TRUE(this->state(b).complete());
  // Overwrite b too: the big payload is garbage now.
  AuthorisedEntry b2 = b;
  b2.entry = a2.entry;
  b2.entry.namespace_id = b.entry.namespace_id;
  b2.entry.path = b.entry.path;
  this->put(b2);
  EXPECT_EQ(this->store().payload_count().value(), 1u);  // only the empty payload
  EXPECT_TRUE(this->store().check());
}

TYPED_TEST_P(StorePayloads, ForgettingAPayloadKeepsTheEntry) {
  const Bytes payload = random_bytes(30000, 8);
  const auto ae = entry_for(payload, "f");
  this->put(ae);
  ASSERT_TRUE(this->store().write_payload(ae.entry.namespace_id, ae.entry.subspace_id,
                                          ae.entry.path, pieces_of(payload, 5000)));
  const auto before =
      this->store().fingerprint(ae.entry.namespace_id, model::D3Range::full()).value();
  ASSERT_TRUE(
      this->store().forget_payload(ae.entry.namespace_id, ae.entry.subspace_id, ae.entry.path));
  EXPECT_EQ(this->state(ae), (PayloadState{payload.size(), 0}));
  EXPECT_NE(this->store().fingerprint(ae.entry.namespace_id, model::D3Range::full()).value(),
            before);
  EXPECT_TRUE(this->store().check());
  this->reopen();
  EXPECT_EQ(this->state(ae), (PayloadState{payload.size(), 0}));
  ASSERT_TRUE(this->store().write_payload(ae.entry.namespace_id, ae.entry.subspace_id,
                                          ae.entry.path, pieces_of(payload, 5000)));
  EXPECT_EQ(this->store().fingerprint(ae.entry.namespace_id, model::D3Range::full()).value(),
            before);
  EXPECT_TRUE(this->store().check());
}

TYPED_TEST_P(StorePayloads, ServesVerifiableSlices) {
  const Bytes payload = random_bytes(9000, 5);
  const auto ae = entry_for(payload, "v");
  this->put(ae);
  ASSERT_TRUE(this->store().write_payload(ae.entry.namespace_id, ae.entry.subspace_id,
                                          ae.entry.path, pieces_of(payload, 1000)));
  crypto::BabStreamOptions opts;
  opts.light = true;
  opts.slice = crypto::BabSlice{2, 3};
  Bytes stream;
  ASSERT_TRUE(this->store().serve_payload(ae.entry.namespace_id, ae.entry.subspace_id,
                                          ae.entry.path, opts, append_to(stream)));
  auto v = crypto::BabVerifier::create(ae.entry.payload_digest, opts, payload.size()).value();
  Bytes got;
  ASSERT_TRUE(v.feed(stream, [&](ByteView b) { append(got, b); }));
  ASSERT_TRUE(v.finish([&](ByteView b) { append(got, b); }));
  EXPECT_EQ(got, Bytes(payload.begin() + 2048, payload.begin() + 5120));
}

REGISTER_TYPED_TEST_SUITE_P(StorePayloads, LocalWriteSmallAndLarge,
                            AppendVerifiedStreamInPiecesAcrossReopen,
                            TamperedStreamKeepsTheVerifiedPrefix,
                            TamperedSinglePieceKeepsMostOfThePrefix, DeduplicatedAndCollected,
                            ForgettingAPayloadKeepsTheEntry, ServesVerifiableSlices);
INSTANTIATE_TYPED_TEST_SUITE_P(All, StorePayloads, testing::StoreFactories);

}  // namespace
}  // namespace osier::store
