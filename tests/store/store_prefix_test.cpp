// Partial payloads as verified prefixes (both stores): the frontier kept from appended streams
// and from written prefixes, slices of the held chunks served verifiably, across reopens, and
// refused when anything does not hash up to the digest.
#include <gtest/gtest.h>

#include "crypto/bab_prefix.hpp"
#include "crypto/bab_verifier.hpp"
#include "osier/crypto/bab_outboard.hpp"
#include "osier/crypto/bab_stream.hpp"
#include "osier/crypto/william3.hpp"
#include "osier/store/store.hpp"
#include "store/payload.hpp"
#include "store/store_factories.hpp"

namespace osier::store {
namespace {

constexpr std::uint64_t kChunk = kPayloadChunk;

using testing::random_bytes;

PayloadSource source_of(ByteView data) { return memory_source(data, 5000); }

// The labels of the chunks after the first `held`, from the whole payload.
std::vector<crypto::BabLabel> true_frontier(const Bytes& payload, std::uint64_t held_chunks) {
  const crypto::BabGeometry geo(payload.size(), kChunk);
  auto ob = crypto::bab_outboard(payload).value();
  std::vector<crypto::BabLabel> out;
  for (const crypto::BabNode& n : crypto::bab_frontier(geo, held_chunks)) {
    const Bytes bytes(payload.begin() + static_cast<std::ptrdiff_t>(geo.byte_begin(n)),
                      payload.begin() + static_cast<std::ptrdiff_t>(geo.byte_end(n)));
    out.push_back(crypto::william3_bab().hash_subtree(bytes, false));
  }
  return out;
}

template <typename Factory>
class StorePrefixes : public testing::StoreFixture<Factory> {
 public:
  AuthorisedEntry put(const Bytes& payload, const char* name) {
    AuthorisedEntry ae;
    ae.entry.namespace_id.fill(0x31);
    ae.entry.subspace_id.fill(0x42);
    ae.entry.path = model::Path::from_strings({"p", name}).value();
    ae.entry.timestamp = 5;
    ae.entry.payload_length = payload.size();
    ae.entry.payload_digest = crypto::william3(payload);
    ae.token = {9, 9};
    auto r = this->store().ingest(ae, Trust::kAlreadyVerified);
    EXPECT_TRUE(r && r->outcome == IngestOutcome::kInserted);
    return ae;
  }
  std::uint64_t held(const AuthorisedEntry& ae) {
    return this->store()
        .payload_state(ae.entry.namespace_id, ae.entry.subspace_id, ae.entry.path)
        .value()
        ->held;
  }
  Result<PayloadState> write_prefix(const AuthorisedEntry& ae, ByteView bytes,
                                    const std::vector<crypto::BabLabel>& frontier) {
    return this->store().write_payload_prefix(ae.entry.namespace_id, ae.entry.subspace_id,
                                              ae.entry.path, bytes.size(), source_of(bytes),
                                              frontier);
  }
  // Serves the slice and verifies it as a receiver would; returns the bytes it proved.
  Result<Bytes> serve_and_verify(const AuthorisedEntry& ae, crypto::BabSlice slice, unsigned k) {
    crypto::BabStreamOptions opts;
    opts.k = k;
    opts.slice = slice;
    Bytes stream;
    OSIER_RETURN_IF_ERROR(this->store().serve_payload(ae.entry.namespace_id, ae.entry.subspace_id,
                                                      ae.entry.path, opts, append_to(stream)));
    OSIER_ASSIGN_OR_RETURN(
        crypto::BabVerifier v,
        crypto::BabVerifier::create(ae.entry.payload_digest, opts, ae.entry.payload_length));
    Bytes out;
    auto release = [&](ByteView b) { append(out, b); };
    OSIER_RETURN_IF_ERROR(v.feed(stream, release));
    OSIER_RETURN_IF_ERROR(v.finish(release));
    return out;
  }
  void expect_serves_held(const AuthorisedEntry& ae, const Bytes& payload) {
    const std::uint64_t chunks = held(ae) / kChunk;
    ASSERT_GT(chunks, 0u);
    for (const crypto::BabSlice s : {crypto::BabSlice{0, chunks}, crypto::BabSlice{chunks - 1, 1},
                                     crypto::BabSlice{chunks / 3, chunks - chunks / 3}}) {
      for (unsigned k : {0u, 6u}) {
        auto got = serve_and_verify(ae, s, k);
        ASSERT_TRUE(got) << got.status().to_string();
        EXPECT_TRUE(
            std::equal(got->begin(), got->end(),
                       payload.begin() + static_cast<std::ptrdiff_t>(s.first_chunk * kChunk)));
        EXPECT_EQ(got->size(), s.chunk_count * kChunk);
      }
    }
    // Nothing beyond the held chunks, and no whole stream.
    auto beyond = serve_and_verify(ae, {chunks - 1, 2}, 0);
    ASSERT_FALSE(beyond);
    EXPECT_EQ(beyond.status().code(), ErrorCode::kNotFound);
    Bytes sink;
    EXPECT_EQ(this->store()
                  .serve_payload(ae.entry.namespace_id, ae.entry.subspace_id, ae.entry.path, {},
                                 append_to(sink))
                  .code(),
              ErrorCode::kNotFound);
  }
};

TYPED_TEST_SUITE_P(StorePrefixes);

// An interrupted continuation stream leaves a prefix that can be served, after a reopen too.
TYPED_TEST_P(StorePrefixes, AppendedPrefixesAreServedVerifiably) {
  for (std::size_t n : {std::size_t{9 * kChunk + 100}, std::size_t{300 * kChunk + 7}}) {
    const Bytes payload = random_bytes(n, static_cast<std::uint32_t>(n));
    const auto ae = this->put(payload, std::to_string(n).c_str());
    auto ob = crypto::bab_outboard(payload).value();
    const Bytes stream = crypto::bab_stream(continuation_stream(n, 0), payload, ob).value();
    // About 40% of the stream, in uneven pieces.
    std::size_t pos = 0;
    while (pos < stream.size() * 2 / 5) {
      const std::size_t k = std::min<std::size_t>(4321, stream.size() * 2 / 5 - pos);
      auto r = this->feed_stream(ae.entry, ByteView(stream).subspan(pos, k));
      ASSERT_TRUE(r) << r.status().to_string();
      pos += k;
    }
    ASSERT_GT(this->held(ae), 0u);
    ASSERT_LT(this->held(ae), n);
    this->expect_serves_held(ae, payload);
    this->reopen();
    this->expect_serves_held(ae, payload);
    EXPECT_TRUE(this->store().check());
    // The rest completes the payload: a new stream from the held length (the reopen ended the
    // first transfer).
    const Bytes rest =
        crypto::bab_stream(continuation_stream(n, this->held(ae)), payload, ob).value();
    auto r = this->feed_stream(ae.entry, rest);
    ASSERT_TRUE(r) << r.status().to_string();
    EXPECT_TRUE(r->complete());
    EXPECT_TRUE(this->store().check());
  }
}

TYPED_TEST_P(StorePrefixes, WrittenPrefixesAreCheckedAgainstTheDigest) {
  for (std::size_t n : {std::size_t{12 * kChunk + 5}, std::size_t{200 * kChunk}}) {
    const Bytes payload = random_bytes(n, 40 + static_cast<std::uint32_t>(n));
    const auto ae = this->put(payload, std::to_string(n).c_str());
    const std::uint64_t chunks = n / kChunk / 2 + 1;
    const ByteView prefix = ByteView(payload).first(chunks * kChunk);
    const auto frontier = true_frontier(payload, chunks);

    auto bad_label = frontier;
    bad_label.back()[3] ^= 1;
    Bytes bad_bytes(prefix.begin(), prefix.end());
    bad_bytes[bad_bytes.size() / 2] ^= 1;
    const Bytes ragged(prefix.begin(), prefix.end() - 1);
    for (auto r :
         {this->write_prefix(ae, prefix, bad_label), this->write_prefix(ae, bad_bytes, frontier),
          this->write_prefix(ae, prefix, {})}) {
      ASSERT_FALSE(r);
      EXPECT_EQ(r.status().code(), ErrorCode::kVerification) << r.status().to_string();
    }
    EXPECT_FALSE(this->write_prefix(ae, ragged, frontier));
    EXPECT_EQ(this->held(ae), 0u);

    auto ok = this->write_prefix(ae, prefix, frontier);
    ASSERT_TRUE(ok) << ok.status().to_string();
    EXPECT_EQ(ok->held, chunks * kChunk);
    this->expect_serves_held(ae, payload);
    // A shorter prefix changes nothing (and is not read).
    auto shorter = this->store().write_payload_prefix(
        ae.entry.namespace_id, ae.entry.subspace_id, ae.entry.path, kChunk,
        [](MutableByteView) -> Result<std::size_t> { return error(ErrorCode::kInternal, "read"); },
        true_frontier(payload, 1));
    ASSERT_TRUE(shorter);
    EXPECT_EQ(shorter->held, chunks * kChunk);
    this->reopen();
    this->expect_serves_held(ae, payload);
    EXPECT_TRUE(this->store().check());
    // A longer one replaces it.
    const std::uint64_t more = n / kChunk - 1;
    auto longer = this->write_prefix(ae, ByteView(payload).first(more * kChunk),
                                     true_frontier(payload, more));
    ASSERT_TRUE(longer) << longer.status().to_string();
    EXPECT_EQ(this->held(ae), more * kChunk);
    this->expect_serves_held(ae, payload);
    EXPECT_TRUE(this->store().check());
  }
}

REGISTER_TYPED_TEST_SUITE_P(StorePrefixes, AppendedPrefixesAreServedVerifiably,
                            WrittenPrefixesAreCheckedAgainstTheDigest);
INSTANTIATE_TYPED_TEST_SUITE_P(All, StorePrefixes, testing::StoreFactories);

}  // namespace
}  // namespace osier::store
