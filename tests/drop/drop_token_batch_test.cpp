// Tokens are checked in batches on several threads; the error reported is still the one of the
// first entry (in drop order) that fails, and nothing is ingested.
#include <gtest/gtest.h>

#include <set>

#include "drop_fixture.hpp"

namespace osier::drop::testing {
namespace {

constexpr std::uint64_t kEntries = 900;  // more than three batches of token checks

struct Written {
  Bytes drop;
  std::vector<std::size_t> payload_at;  // where each entry's raw payload begins in the drop
};

Bytes payload_of(std::uint64_t i) { return pseudo_random_bytes(16, i + 100); }

// kEntries entries with 16-byte raw payloads, the tokens of `bad` with a flipped signature bit;
// with `end` false the final 0x00 is missing.
Written token_drop(const std::set<std::uint64_t>& bad, bool end = true) {
  const crypto::Ed25519SecretKey key = user_key(5);
  Encoder enc;
  Written out;
  model::Entry prev_entry = meadowcap::willow25_default_entry();
  meadowcap::MeadowcapAuthorisationToken prev_token = meadowcap::default_authorisation_token();
  for (std::uint64_t i = 0; i < kEntries; ++i) {
    const Bytes p = payload_of(i);
    const store::AuthorisedEntry ae =
        make_entry(key, model::Path::from_strings({"t", std::to_string(i)}).value(), i + 1, p);
    meadowcap::MeadowcapAuthorisationToken token = store::decode_token_bytes(ae.token).value();
    if (bad.count(i) != 0) token.signature[7] ^= 0x10;
    EXPECT_TRUE(
        encode_entry_header(enc, {ae.entry, token, SliceMode::kFullRaw}, prev_entry, prev_token));
    out.payload_at.push_back(enc.size());
    enc.bytes(ByteView(p.data(), p.size()));
    prev_entry = ae.entry;
    prev_token = token;
  }
  if (end) enc.byte(0x00);
  out.drop = enc.take();
  return out;
}

std::string not_authorised(std::uint64_t i) {
  return "drop: entry " + std::to_string(i) +
         " is not authorised: token signature is not the capability receiver's signature over the "
         "entry";
}

// Imports into a fresh store: the error, and that the store stayed empty.
Status import_fails(ByteView drop) {
  store::MemoryStore target;
  auto r = import_bytes(target, drop);
  EXPECT_FALSE(r);
  EXPECT_TRUE(snapshot(target).entries.empty());
  EXPECT_EQ(target.payload_count().value(), 0u);
  return r ? Status::ok() : r.status();
}

TEST(DropTokenBatch, AGoodDropImportsWhole) {
  const Written w = token_drop({});
  store::MemoryStore target;
  auto r = import_bytes(target, w.drop);
  ASSERT_TRUE(r) << r.status().to_string();
  EXPECT_EQ(r->entries, kEntries);
  EXPECT_EQ(r->inserted, kEntries);
  EXPECT_EQ(r->payloads_written, kEntries);
}

TEST(DropTokenBatch, ABadSignatureInsideABatchNamesItsEntry) {
  for (std::uint64_t bad : {std::uint64_t{1}, std::uint64_t{300}, std::uint64_t{511},
                            std::uint64_t{513}, kEntries - 1}) {
    const Written w = token_drop({bad});
    const Status st = import_fails(w.drop);
    EXPECT_EQ(st.code(), ErrorCode::kVerification) << bad;
    EXPECT_EQ(st.message(), not_authorised(bad));
    auto v = verify_drop(memory_source(w.drop));
    ASSERT_FALSE(v);
    EXPECT_EQ(v.status().message(), not_authorised(bad));
  }
}

TEST(DropTokenBatch, TheFirstOfSeveralBadSignaturesIsReported) {
  EXPECT_EQ(import_fails(token_drop({300, 301, 650}).drop).message(), not_authorised(300));
  EXPECT_EQ(import_fails(token_drop({300, 800}).drop).message(), not_authorised(300));
  EXPECT_EQ(import_fails(token_drop({600, 20}).drop).message(), not_authorised(20));
}

TEST(DropTokenBatch, ABadSignatureComesBeforeLaterErrors) {
  // Its own payload corrupt too.
  Written w = token_drop({300});
  w.drop[w.payload_at[300] + 3] ^= 1;
  EXPECT_EQ(import_fails(w.drop).message(), not_authorised(300));
  // The drop truncated a few entries later, or missing its final byte.
  w = token_drop({300});
  EXPECT_EQ(import_fails(ByteView(w.drop.data(), w.payload_at[303] + 5)).message(),
            not_authorised(300));
  EXPECT_EQ(import_fails(token_drop({300}, false).drop).message(), not_authorised(300));
  // Bytes after the end.
  w = token_drop({kEntries - 2});
  w.drop.push_back(0);
  EXPECT_EQ(import_fails(w.drop).message(), not_authorised(kEntries - 2));
}

TEST(DropTokenBatch, AnEarlierPayloadErrorComesBeforeABadSignature) {
  Written w = token_drop({300});
  w.drop[w.payload_at[299] + 3] ^= 1;
  const Status st = import_fails(w.drop);
  EXPECT_EQ(st.message(), "drop: the payload of entry 299 does not match its digest");
  // A truncation before the bad entry is just a truncation.
  w = token_drop({300});
  EXPECT_EQ(import_fails(ByteView(w.drop.data(), w.payload_at[299] + 5)).code(),
            ErrorCode::kIncomplete);
}

TEST(DropTokenBatch, TooManyEntriesComesAfterEarlierBadSignatures) {
  const Written w = token_drop({400});
  store::MemoryStore target;
  ImportOptions opts;
  opts.max_entries = 500;
  auto r = import_drop(target, memory_source(w.drop), opts);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.status().message(), not_authorised(400));
  opts.max_entries = 400;
  r = import_drop(target, memory_source(w.drop), opts);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.status().code(), ErrorCode::kOutOfRange);
  EXPECT_TRUE(snapshot(target).entries.empty());
}

}  // namespace
}  // namespace osier::drop::testing
