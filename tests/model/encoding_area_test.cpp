#include "osier/model/encoding_area.hpp"

#include <gtest/gtest.h>

#include <limits>

#include "base/compact_u64.hpp"
#include "encoding_check.hpp"
#include "encoding_random.hpp"
#include "osier/base/hex.hpp"
#include "osier/model/encoding_path.hpp"
#include "osier/model/encoding_private.hpp"

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

// --- EncodeAreaInArea ---------------------------------------------------------------------

TEST(EncodeAreaInArea, RoundTripsRandomPairs) {
  EncodingRandom r(20);
  for (int i = 0; i < 1500; ++i) {
    Area ref = r.area();
    Area a = r.area_in(ref);
    check_round_trip(
        a, [&](Encoder& e) { return encode_area_in_area(e, a, ref); },
        [&](Decoder& d, DecodeMode m) { return decode_area_in_area(d, ref, m); }, true);
  }
}

TEST(EncodeAreaInArea, RejectsAreasNotIncluded) {
  EncodingRandom r(21);
  int rejected = 0;
  for (int i = 0; i < 600; ++i) {
    Area ref = r.area();
    Area a = r.area();
    Encoder e;
    Status st = encode_area_in_area(e, a, ref);
    if (area_includes_area_for_encoding(ref, a)) {
      EXPECT_TRUE(st.is_ok());
    } else {
      ++rejected;
      EXPECT_EQ(st.code(), ErrorCode::kInvalidArgument);
    }
  }
  EXPECT_GT(rejected, 200);
  // An empty closed time range is no time range.
  Area ref = Area::full();
  Area empty{std::nullopt, Path(), TimeRange{5, 5}};
  Encoder e;
  EXPECT_EQ(encode_area_in_area(e, empty, ref).code(), ErrorCode::kInvalidArgument);
}

TEST(EncodeAreaInArea, CanonicChoicesAndOtherValidCodes) {
  const Area ref{std::nullopt, path_of({"a"}), TimeRange{100, 1000}};
  const Area a{id_filled(7), path_of({"a", "b"}), TimeRange{990, 995}};
  auto dec = [&](Decoder& d, DecodeMode m) { return decode_area_in_area(d, ref, m); };
  Encoder canonic;
  ASSERT_TRUE(encode_area_in_area(canonic, a, ref).is_ok());
  // Subspace differs; closed end; start 10 from the end (890 from the start); end 5 from the end.
  // header 1 0 0 0 00 00 = 0x80.
  EXPECT_EQ(to_hex(canonic.bytes()), "80" + to_hex(id_filled(7)) +
                                         "0a05"
                                         "11"
                                         "62");

  // The same area with both differences from the start and wide tags.
  Encoder other;
  BitByte h;
  h.set_bit(0, true);
  h.set_bit(2, true);
  h.set_bit(3, true);
  h.set(4, 2, 1);
  h.set(6, 2, 3);
  other.byte(h.value());
  other.bytes(id_filled(7));
  other.uint_be(890, 2);
  other.uint_be(895, 8);
  encode_path(other, path_of({"b"}));
  check_non_canonic(other.take(), a, dec);

  // Open end with nonzero arbitrary end-tag bits.
  const Area open_ref{std::nullopt, Path(), TimeRange{100, std::nullopt}};
  const Area open_area{std::nullopt, Path(), TimeRange{150, std::nullopt}};
  auto dec_open = [&](Decoder& d, DecodeMode m) { return decode_area_in_area(d, open_ref, m); };
  Encoder oc;
  ASSERT_TRUE(encode_area_in_area(oc, open_area, open_ref).is_ok());
  EXPECT_EQ(to_hex(oc.bytes()),
            "60"
            "32"
            "00");
  check_non_canonic(Bytes{0x63, 0x32, 0x00}, open_area, dec_open);
  // Open reference: start must be from the start; the end flag must say "closed".
  check_rejects<Area>(Bytes{0x40, 0x32, 0x00}, ErrorCode::kInvalidEncoding, dec_open);
  check_rejects<Area>(Bytes{0x70, 0x32, 0x00}, ErrorCode::kInvalidEncoding, dec_open);
  // Subspace marked different from a specific reference subspace.
  const Area specific_ref{id_filled(1), Path(), TimeRange{0, std::nullopt}};
  check_rejects<Area>(
      Bytes{0xa0, 0x00}, ErrorCode::kInvalidEncoding,
      [&](Decoder& d, DecodeMode m) { return decode_area_in_area(d, specific_ref, m); });
  // An end beyond the reference's end.
  // Both from the start; end 100 + 1001 = 1101 > 1000.
  check_rejects<Area>(Bytes{0x31, 0x00, 0x03, 0xe9, 0x00}, ErrorCode::kInvalidEncoding, dec);
}

TEST(EncodeAreaInArea, TieGoesToFromEnd) {
  const Area ref{std::nullopt, Path(), TimeRange{0, 10}};
  const Area a{std::nullopt, Path(), TimeRange{5, 6}};
  Encoder e;
  ASSERT_TRUE(encode_area_in_area(e, a, ref).is_ok());
  // start: 5 vs 5 -> tie -> false; end: 6 vs 4 -> from end (false).
  EXPECT_EQ(to_hex(e.bytes()), "00050400");
}

// --- EncodePrivatePathExtendsPath ------------------------------------------------------------

TEST(EncodePrivatePathExtendsPath, RoundTripsRandomPairs) {
  EncodingRandom r(22);
  for (int i = 0; i < 1000; ++i) {
    const auto pair = r.private_path_pair();  // (no structured bindings: lambdas capture them)
    const Path& p = pair.first;
    const PrivatePathContext& ctx = pair.second;
    check_round_trip(
        p, [&](Encoder& e) { return encode_private_path_extends_path(e, p, ctx); },
        [&](Decoder& d, DecodeMode) { return decode_private_path_extends_path(d, ctx); }, false);
  }
}

TEST(EncodePrivatePathExtendsPath, HidesThePrivateComponents) {
  const PrivatePathContext ctx{path_of({"a", "secret", "x"}), path_of({"a"})};
  auto dec = [&](Decoder& d, DecodeMode) { return decode_private_path_extends_path(d, ctx); };
  // A prefix of the private path: only the common prefix length.
  Encoder e;
  ASSERT_TRUE(encode_private_path_extends_path(e, path_of({"a", "secret"}), ctx).is_ok());
  EXPECT_EQ(to_hex(e.bytes()), "02");
  // An extension of it: relative to the private path.
  Encoder e2;
  ASSERT_TRUE(
      encode_private_path_extends_path(e2, path_of({"a", "secret", "x", "y"}), ctx).is_ok());
  EXPECT_EQ(to_hex(e2.bytes()),
            "03"
            "1179");
  check_decodes_to(e2.bytes(), path_of({"a", "secret", "x", "y"}), dec);
  // Unrelated to the private path, or not extending rel: rejected.
  Encoder e3;
  EXPECT_EQ(encode_private_path_extends_path(e3, path_of({"a", "other"}), ctx).code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(encode_private_path_extends_path(e3, path_of({"b"}), ctx).code(),
            ErrorCode::kInvalidArgument);
  // Common prefix longer than the private path; or shorter than rel.
  check_rejects<Path>(Bytes{0x04}, ErrorCode::kInvalidEncoding, dec);
  check_rejects<Path>(Bytes{0x00}, ErrorCode::kInvalidEncoding, dec);
  // A short private path: plain EncodePathExtendsPath relative to rel.
  const PrivatePathContext short_ctx{path_of({"a"}), path_of({"a", "b"})};
  Encoder e4;
  ASSERT_TRUE(encode_private_path_extends_path(e4, path_of({"a", "b", "c"}), short_ctx).is_ok());
  EXPECT_EQ(to_hex(e4.bytes()), "1163");
}

// --- EncodePrivateAreaAlmostInArea -----------------------------------------------------------

TEST(EncodePrivateAreaAlmostInArea, RoundTripsRandomPairs) {
  EncodingRandom r(23);
  for (int i = 0; i < 1500; ++i) {
    const auto pair = r.private_area_pair();
    const Area& a = pair.first;
    const PrivateAreaContext& ctx = pair.second;
    check_round_trip(
        a, [&](Encoder& e) { return encode_private_area_almost_in_area(e, a, ctx); },
        [&](Decoder& d, DecodeMode) { return decode_private_area_almost_in_area(d, ctx); }, false);
  }
}

TEST(EncodePrivateAreaAlmostInArea, SubspaceCasesAndInvalidContexts) {
  PrivateAreaContext ctx;
  ctx.private_interest.path = path_of({"a"});
  ctx.rel = Area{id_filled(1), path_of({"a"}), TimeRange{10, std::nullopt}};
  auto dec = [&](Decoder& d, DecodeMode) { return decode_private_area_almost_in_area(d, ctx); };
  // Any subspace inside a specific one: bits 11, no id.
  const Area any_area{std::nullopt, path_of({"a"}), TimeRange{10, std::nullopt}};
  Encoder e;
  ASSERT_TRUE(encode_private_area_almost_in_area(e, any_area, ctx).is_ok());
  EXPECT_EQ(to_hex(e.bytes()),
            "e0"
            "00"
            "00");
  // End-tag bits are arbitrary for an open end.
  check_decodes_to(Bytes{0xe3, 0x00, 0x00}, any_area, dec);
  // Another specific subspace is not almost included.
  Encoder e2;
  const Area other{id_filled(2), path_of({"a"}), TimeRange{10, std::nullopt}};
  EXPECT_EQ(encode_private_area_almost_in_area(e2, other, ctx).code(), ErrorCode::kInvalidArgument);
  check_rejects<Area>(Bytes{0xa0, 0x00}, ErrorCode::kInvalidEncoding, dec);
  // Flags contradicting the reference: "equal" but "any" while the rel subspace is specific.
  check_rejects<Area>(Bytes{0x60, 0x00, 0x00}, ErrorCode::kInvalidEncoding, dec);
  // A private interest in another subspace does not almost include the rel area.
  PrivateAreaContext bad = ctx;
  bad.private_interest.subspace_id = id_filled(9);
  Encoder e3;
  EXPECT_EQ(encode_private_area_almost_in_area(e3, any_area, bad).code(),
            ErrorCode::kInvalidArgument);
  Decoder d(e.bytes());
  EXPECT_EQ(decode_private_area_almost_in_area(d, bad).status().code(),
            ErrorCode::kInvalidArgument);
}

TEST(EncodePrivateAreaAlmostInArea, ShortestTimeDifferencesTiesFromStart) {
  PrivateAreaContext ctx;
  ctx.rel = Area{std::nullopt, Path(), TimeRange{0, 10}};
  const Area a{std::nullopt, Path(), TimeRange{5, 6}};
  Encoder e;
  ASSERT_TRUE(encode_private_area_almost_in_area(e, a, ctx).is_ok());
  // Equal widths: both from the start (the first option listed).
  EXPECT_EQ(to_hex(e.bytes()),
            "70"
            "05"
            "06"
            "00");
  // From the end is another code of the same area.
  check_decodes_to(Bytes{0x40, 0x05, 0x04, 0x00}, a, [&](Decoder& d, DecodeMode) {
    return decode_private_area_almost_in_area(d, ctx);
  });
}

TEST(AreaDecoders, SurviveGarbage) {
  EncodingRandom r(24);
  for (int i = 0; i < 3000; ++i) {
    Bytes junk(r.below(60));
    for (auto& b : junk) b = static_cast<std::uint8_t>(r.below(i % 2 ? 256 : 8));
    const Area ref = r.area();
    check_garbage<Area>(
        junk, [&](Encoder& e, const Area& v) { return encode_area_in_area(e, v, ref); },
        [&](Decoder& d, DecodeMode m) { return decode_area_in_area(d, ref, m); });
    const PrivateAreaContext ctx = r.private_area_pair().second;
    check_garbage<Area>(
        junk,
        [&](Encoder& e, const Area& v) { return encode_private_area_almost_in_area(e, v, ctx); },
        [&](Decoder& d, DecodeMode) { return decode_private_area_almost_in_area(d, ctx); });
    const PrivatePathContext pctx = r.private_path_pair().second;
    check_garbage<Path>(
        junk,
        [&](Encoder& e, const Path& v) { return encode_private_path_extends_path(e, v, pctx); },
        [&](Decoder& d, DecodeMode) { return decode_private_path_extends_path(d, pctx); });
  }
}

}  // namespace
}  // namespace osier::model
