#include "osier/model/encoding_entry.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <string>

#include "base/compact_u64.hpp"
#include "encoding_check.hpp"
#include "encoding_random.hpp"
#include "osier/base/hex.hpp"
#include "osier/crypto/ed25519.hpp"
#include "osier/model/encoding_path.hpp"
#include "support/vectors.hpp"

namespace osier::model {
namespace {

using testing::check_decodes_to;
using testing::check_garbage;
using testing::check_non_canonic;
using testing::check_rejects;
using testing::check_round_trip;
using testing::EncodingRandom;
using testing::id_filled;
using testing::path_of;

constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();

auto decode_entry_abs = [](Decoder& d, DecodeMode m) { return decode_entry(d, m); };

Entry sample_entry() {
  return Entry{id_filled(1), id_filled(2), Path::from_strings({"blog", "ideas"}).value(), 1000, 5,
               id_filled(3)};
}

TEST(EncodeEntry, Layout) {
  const Entry e = sample_entry();
  Bytes code = encode_entry_bytes(e);
  Encoder expected;
  expected.bytes(e.namespace_id);
  expected.bytes(e.subspace_id);
  encode_path(expected, e.path);
  expected.bytes(Bytes{0xfd, 0x03, 0xe8, 0x05});
  expected.bytes(e.payload_digest);
  EXPECT_EQ(to_hex(code), to_hex(expected.bytes()));
}

TEST(EncodeEntry, DefaultAuthorisationSignatureVector) {
  const auto& v = osier::testing::willow25_vectors();
  const auto ns =
      array_from_hex<32>(v["default_namespace"]["namespace_id_hex"].get<std::string>()).value();
  const auto ss =
      array_from_hex<32>(v["default_namespace"]["default_subspace_id_hex"].get<std::string>())
          .value();
  const auto seed =
      array_from_hex<32>(v["default_namespace"]["secret_key_seed_hex"].get<std::string>()).value();
  const auto digest = array_from_hex<32>(v["william3"][0]["digest_hex"].get<std::string>()).value();
  const Bytes message = encode_entry_bytes(default_entry(ns, ss, digest));
  const auto key = crypto::Ed25519SecretKey::from_seed(seed);
  EXPECT_EQ(to_hex(key.public_key()), to_hex(ss));
  EXPECT_EQ(to_hex(key.sign(message)),
            v["default_authorisation_token"]["signature_hex"].get<std::string>());
}

TEST(EncodeEntry, RoundTripsRandomEntries) {
  EncodingRandom r(10);
  for (int i = 0; i < 500; ++i) {
    Entry e = r.entry();
    check_round_trip(
        e,
        [&](Encoder& enc) {
          encode_entry(enc, e);
          return Status::ok();
        },
        decode_entry_abs, true);
  }
}

TEST(EncodeEntry, NonMinimalTagsAreNonCanonic) {
  const Entry e = sample_entry();
  Encoder enc;
  enc.bytes(e.namespace_id);
  enc.bytes(e.subspace_id);
  encode_path(enc, e.path);
  c64_encode_standalone_with_tag(enc, 1000, 0xfe);
  c64_encode_standalone(enc, 5);
  enc.bytes(e.payload_digest);
  check_non_canonic(enc.take(), e, decode_entry_abs);
}

// --- EncodeEntryRelativeEntry -------------------------------------------------------------

TEST(EncodeEntryRelativeEntry, RoundTripsRandomPairs) {
  EncodingRandom r(11);
  for (int i = 0; i < 800; ++i) {
    Entry ref = r.entry();
    Entry e = r.entry();
    if (r.coin()) e.namespace_id = ref.namespace_id;
    if (r.coin()) e.subspace_id = ref.subspace_id;
    if (r.coin()) e.path = r.extend(r.prefix_of(ref.path));
    if (r.below(4) == 0) e.timestamp = ref.timestamp;
    check_round_trip(
        e, [&](Encoder& enc) { return encode_entry_relative_entry(enc, e, ref); },
        [&](Decoder& d, DecodeMode) { return decode_entry_relative_entry(d, ref); }, false);
  }
}

TEST(EncodeEntryRelativeEntry, SharedFieldsAreOmitted) {
  const Entry ref = sample_entry();
  Entry e = ref;
  e.timestamp = 990;
  Encoder enc;
  ASSERT_TRUE(encode_entry_relative_entry(enc, e, ref).is_ok());
  // flags 000, time tag 00 (1 byte: 10), payload tag 101? no: 5 <= 3 fails, so tag 4 (1 byte).
  // header = 0b000'00'100 = 0x04; then 0a; then 05; path_rel_path: 02 00; digest.
  EXPECT_EQ(to_hex(ByteView(enc.bytes()).first(5)), "040a050200");
  EXPECT_EQ(enc.size(), 5u + 32u);
}

TEST(EncodeEntryRelativeEntry, AcceptsOtherValidCodesRejectsInconsistentOnes) {
  const Entry ref = sample_entry();
  auto dec = [&](Decoder& d, DecodeMode) { return decode_entry_relative_entry(d, ref); };
  Entry e = ref;
  e.timestamp = 1010;
  // Time difference 10 with an 8-byte tag (11), payload length 5 with a 2-byte tag (5 = 0b101),
  // path with a non-maximal prefix count.
  Encoder enc;
  BitByte h;
  h.set_bit(2, true);
  h.set(3, 2, 3);
  h.set(5, 3, 5);
  enc.byte(h.value());
  enc.uint_be(10, 8);
  enc.uint_be(5, 2);
  c64_encode_standalone(enc, 0);
  encode_path(enc, ref.path);
  enc.bytes(ref.payload_digest);
  check_decodes_to(enc.bytes(), e, dec);

  // "Namespace differs" flag with the reference's own namespace: not a code.
  Encoder bad;
  bad.byte(0x80 | 0x04);
  bad.bytes(ref.namespace_id);
  check_rejects<Entry>(bad.take(), ErrorCode::kInvalidEncoding, dec);
  // "Later" flag with a zero difference.
  check_rejects<Entry>(Bytes{0x20 | 0x04, 0x00}, ErrorCode::kInvalidEncoding, dec);
  // A difference that underflows the reference timestamp (1000 - 1001).
  Encoder under;
  under.byte(0x08 | 0x04);  // time tag 01: two bytes
  under.uint_be(1001, 2);
  check_rejects<Entry>(under.take(), ErrorCode::kInvalidEncoding, dec);
}

TEST(EncodeEntryRelativeEntry, TimestampOverflowIsInvalid) {
  Entry ref = sample_entry();
  ref.timestamp = kMax - 1;
  auto dec = [&](Decoder& d, DecodeMode) { return decode_entry_relative_entry(d, ref); };
  check_rejects<Entry>(Bytes{0x20 | 0x00, 0x02}, ErrorCode::kInvalidEncoding, dec);
}

// --- EncodeEntryInNamespace3dRange -------------------------------------------------------------

TEST(EncodeEntryInNamespace3dRange, RoundTripsRandomEntriesInRanges) {
  EncodingRandom r(12);
  for (int i = 0; i < 800; ++i) {
    Entry e = r.entry();
    EntryInNamespace3dRangeReference ref{e.namespace_id, r.d3_range_including(e)};
    ASSERT_TRUE(ref.range.includes(e));
    check_round_trip(
        e, [&](Encoder& enc) { return encode_entry_in_namespace_3d_range(enc, e, ref); },
        [&](Decoder& d, DecodeMode) { return decode_entry_in_namespace_3d_range(d, ref); }, false);
  }
}

TEST(EncodeEntryInNamespace3dRange, RejectsEntriesOutsideTheReference) {
  EncodingRandom r(13);
  int rejected = 0;
  for (int i = 0; i < 400; ++i) {
    Entry e = r.entry();
    EntryInNamespace3dRangeReference ref{r.coin() ? e.namespace_id : r.id(), r.d3_range()};
    const bool valid = ref.namespace_id == e.namespace_id && ref.range.includes(e);
    Encoder enc;
    Status st = encode_entry_in_namespace_3d_range(enc, e, ref);
    if (valid) {
      EXPECT_TRUE(st.is_ok()) << st.to_string();
    } else {
      ++rejected;
      EXPECT_EQ(st.code(), ErrorCode::kInvalidArgument);
      EXPECT_EQ(enc.size(), 0u);
    }
  }
  EXPECT_GT(rejected, 100);
}

TEST(EncodeEntryInNamespace3dRange, ChoosesTheShorterBoundAndAcceptsTheOther) {
  Entry e = sample_entry();
  e.timestamp = 1'000'000;
  D3Range range{SubspaceRange{e.subspace_id, std::nullopt},
                PathRange{Path(), Path::from_strings({"blog", "ideas", "x"}).value()},
                TimeRange{0, 1'000'001}};
  EntryInNamespace3dRangeReference ref{e.namespace_id, range};
  auto dec = [&](Decoder& d, DecodeMode) { return decode_entry_in_namespace_3d_range(d, ref); };
  Encoder enc;
  ASSERT_TRUE(encode_entry_in_namespace_3d_range(enc, e, ref).is_ok());
  // Subspace equals the range start, path relative to the end (2 shared components, shorter),
  // time relative to the end (difference 1: one byte instead of four).
  const BitByte h(enc.bytes()[0]);
  EXPECT_FALSE(h.bit(0));
  EXPECT_FALSE(h.bit(1));
  EXPECT_FALSE(h.bit(2));
  EXPECT_EQ(h.get(3, 2), 0u);

  // The same entry relative to both starts, with wide tags: also a code.
  Encoder other;
  BitByte oh;
  oh.set_bit(1, true);
  oh.set_bit(2, true);
  oh.set(3, 2, 3);
  oh.set(5, 3, 7);
  other.byte(oh.value());
  encode_path_rel_path(other, e.path, range.paths.start);
  other.uint_be(e.timestamp, 8);
  other.uint_be(e.payload_length, 8);
  other.bytes(e.payload_digest);
  check_decodes_to(other.take(), e, dec);

  // Relative to the end of an open range: not a code.
  EntryInNamespace3dRangeReference open_ref = ref;
  open_ref.range.times.end.reset();
  check_rejects<Entry>(enc.bytes(), ErrorCode::kInvalidEncoding, [&](Decoder& d, DecodeMode) {
    return decode_entry_in_namespace_3d_range(d, open_ref);
  });
}

TEST(EntryDecoders, SurviveGarbage) {
  EncodingRandom r(14);
  for (int i = 0; i < 3000; ++i) {
    Bytes junk(r.below(120));
    for (auto& b : junk) b = static_cast<std::uint8_t>(r.below(i % 2 ? 256 : 8));
    const Entry ref_entry = r.entry();
    check_garbage<Entry>(
        junk,
        [](Encoder& e, const Entry& v) {
          encode_entry(e, v);
          return Status::ok();
        },
        decode_entry_abs);
    check_garbage<Entry>(
        junk,
        [&](Encoder& e, const Entry& v) { return encode_entry_relative_entry(e, v, ref_entry); },
        [&](Decoder& d, DecodeMode) { return decode_entry_relative_entry(d, ref_entry); });
    EntryInNamespace3dRangeReference ref{ref_entry.namespace_id, r.d3_range()};
    check_garbage<Entry>(
        junk,
        [&](Encoder& e, const Entry& v) { return encode_entry_in_namespace_3d_range(e, v, ref); },
        [&](Decoder& d, DecodeMode) { return decode_entry_in_namespace_3d_range(d, ref); });
  }
}

}  // namespace
}  // namespace osier::model
