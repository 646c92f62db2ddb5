#include "osier/model/encoding_range.hpp"

#include <gtest/gtest.h>

#include "encoding_check.hpp"
#include "encoding_random.hpp"
#include "osier/base/hex.hpp"
#include "osier/model/encoding_path.hpp"

namespace osier::model {
namespace {

using testing::check_decodes_to;
using testing::check_garbage;
using testing::check_rejects;
using testing::check_round_trip;
using testing::EncodingRandom;
using testing::id_filled;
using testing::path_of;

auto decoder_for(const D3Range& ref) {
  return [ref](Decoder& d, DecodeMode) { return decode_3d_range_relative_3d_range(d, ref); };
}

TEST(Encode3dRangeRelative3dRange, RoundTripsRandomPairs) {
  EncodingRandom r(30);
  for (int i = 0; i < 2000; ++i) {
    const D3Range ref = r.d3_range();
    D3Range v = r.d3_range();
    // Share bounds with the reference often.
    if (r.coin()) {
      v.subspaces.start = ref.subspaces.start;
      if (v.subspaces.is_empty()) v.subspaces.end.reset();
    }
    if (r.coin() && ref.subspaces.end && *ref.subspaces.end > v.subspaces.start)
      v.subspaces.end = ref.subspaces.end;
    if (r.coin()) v.times = ref.times;
    check_round_trip(
        v, [&](Encoder& e) { return encode_3d_range_relative_3d_range(e, v, ref); },
        decoder_for(ref), false);
  }
}

TEST(Encode3dRangeRelative3dRange, RejectsEmptyRanges) {
  D3Range empty = D3Range::full();
  empty.times = TimeRange{5, 5};
  Encoder e;
  EXPECT_EQ(encode_3d_range_relative_3d_range(e, empty, D3Range::full()).code(),
            ErrorCode::kInvalidArgument);
  empty = D3Range::full();
  empty.paths = PathRange{path_of({"b"}), path_of({"a"})};
  EXPECT_EQ(encode_3d_range_relative_3d_range(e, empty, D3Range::full()).code(),
            ErrorCode::kInvalidArgument);
}

TEST(Encode3dRangeRelative3dRange, KnownCodeAndAlternatives) {
  const D3Range ref{SubspaceRange{id_filled(1), id_filled(5)},
                    PathRange{path_of({"a"}), path_of({"c"})}, TimeRange{1000, 2000}};
  const D3Range v{SubspaceRange{id_filled(5), std::nullopt},
                  PathRange{path_of({"a", "x"}), path_of({"c"})}, TimeRange{1990, 2010}};
  Encoder e;
  ASSERT_TRUE(encode_3d_range_relative_3d_range(e, v, ref).is_ok());
  // Subspace start = reference end (10), end open (00); path start from the start, path end closed,
  // from the end (equal: prefix count 1 + empty); time end closed.
  // First byte: 10 00 1 0 0 0 = 0x88.
  // Second byte: start from the end (0), below it (0), tag 00; end from the end (0), above (1), tag
  // 00. Contents: path start: 01 11 78; path end: 01 00; start diff 0a; end diff 0a.
  EXPECT_EQ(to_hex(e.bytes()),
            "8804"
            "011178"
            "0100"
            "0a"
            "0a");
  auto dec = decoder_for(ref);
  // The same value with explicit subspace, everything relative to the starts, wide tags.
  Encoder alt;
  BitByte first;
  first.set(0, 2, 0b11);
  first.set_bit(4, true);
  first.set_bit(6, true);
  BitByte second;
  second.set_bit(0, true);
  second.set_bit(1, true);
  second.set(2, 2, 3);
  second.set_bit(4, true);
  second.set_bit(5, true);
  second.set(6, 2, 1);
  alt.byte(first.value());
  alt.byte(second.value());
  alt.bytes(id_filled(5));
  encode_path_rel_path(alt, v.paths.start, ref.paths.start);
  encode_path_rel_path(alt, *v.paths.end, ref.paths.start);
  alt.uint_be(990, 8);
  alt.uint_be(1010, 2);
  check_decodes_to(alt.take(), v, dec);
  // Sign bit set for a zero difference is arbitrary.
  const D3Range same = ref;
  Encoder s;
  ASSERT_TRUE(encode_3d_range_relative_3d_range(s, same, ref).is_ok());
  Bytes flipped = s.bytes();
  flipped[1] |= 0x40;
  check_decodes_to(flipped, same, dec);
}

TEST(Encode3dRangeRelative3dRange, RejectsInconsistentCodes) {
  const D3Range open_ref = D3Range::full();
  auto dec = decoder_for(open_ref);
  // Subspace start bits 00.
  check_rejects<D3Range>(Bytes{0x00, 0x00}, ErrorCode::kInvalidEncoding, dec);
  // Subspace start "= reference end" with an open reference.
  check_rejects<D3Range>(Bytes{0x80, 0x00}, ErrorCode::kInvalidEncoding, dec);
  // Path start relative to the end of an open path range.
  check_rejects<D3Range>(Bytes{0x40, 0x00}, ErrorCode::kInvalidEncoding, dec);
  // Time start relative to the end of an open time range (paths open, time end open).
  check_rejects<D3Range>(Bytes{0x4d, 0x00, 0x00, 0x00}, ErrorCode::kInvalidEncoding, dec);
  // A closed time range ending where it starts.
  check_rejects<D3Range>(Bytes{0x4c, 0x88, 0x00, 0x00, 0x00, 0x00}, ErrorCode::kInvalidEncoding,
                         dec);
}

TEST(RangeDecoders, SurviveGarbage) {
  EncodingRandom r(31);
  for (int i = 0; i < 4000; ++i) {
    Bytes junk(r.below(80));
    for (auto& b : junk) b = static_cast<std::uint8_t>(r.below(i % 2 ? 256 : 16));
    if (i % 3 == 0 && junk.size() >= 2) junk[0] |= 0x40;  // a valid subspace start choice
    const D3Range ref = r.d3_range();
    check_garbage<D3Range>(
        junk,
        [&](Encoder& e, const D3Range& v) { return encode_3d_range_relative_3d_range(e, v, ref); },
        decoder_for(ref));
  }
}

}  // namespace
}  // namespace osier::model
