#include "base/compact_u64.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "osier/base/hex.hpp"

namespace osier {
namespace {

constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();

std::vector<std::uint64_t> sample_values() {
  std::vector<std::uint64_t> v = {0,     1,     2,          3,           4,        7,   11,
                                  12,    59,    60,         251,         252,      255, 256,
                                  65535, 65536, 0xffffffff, 0x100000000, kMax - 1, kMax};
  std::mt19937_64 rng(7);
  for (int i = 0; i < 200; ++i) v.push_back(rng() >> (rng() % 64));
  return v;
}

TEST(CompactU64, SpecExamples) {
  // "the minimal tag for 7 of width four is 7 and the minimal tag for 300 of width two is 1".
  EXPECT_EQ(c64_minimal_tag(7, 4), 7u);
  EXPECT_EQ(c64_minimal_tag(300, 2), 1u);
  // Five ways to encode 7 with a four-bit tag; three ways to encode 300 with a two-bit tag.
  int ways7 = 0;
  for (unsigned t = 0; t < 16; ++t) ways7 += c64_is_tag_for(7, t, 4) ? 1 : 0;
  EXPECT_EQ(ways7, 5);
  int ways300 = 0;
  for (unsigned t = 0; t < 4; ++t) ways300 += c64_is_tag_for(300, t, 2) ? 1 : 0;
  EXPECT_EQ(ways300, 3);
  // A four-bit tag holds 0..11 directly; 12 needs one more byte (the encode_path erratum).
  EXPECT_EQ(c64_minimal_tag(11, 4), 11u);
  EXPECT_EQ(c64_minimal_tag(12, 4), 12u);
  EXPECT_EQ(c64_corresponding_length(12, 4), 1u);
  EXPECT_EQ(c64_corresponding_length(11, 4), 0u);
}

TEST(CompactU64, MinimalTagIsTheLeastValidTagAndTheShortest) {
  for (unsigned width = 2; width <= 8; ++width) {
    for (std::uint64_t n : sample_values()) {
      const unsigned min = c64_minimal_tag(n, width);
      ASSERT_TRUE(c64_is_tag_for(n, min, width));
      for (unsigned t = 0; t < (1u << width); ++t) {
        if (!c64_is_tag_for(n, t, width)) continue;
        EXPECT_LE(min, t);
        EXPECT_LE(c64_corresponding_length(min, width), c64_corresponding_length(t, width));
      }
    }
  }
}

TEST(CompactU64, EveryValidTagDecodesAndOnlyTheMinimalIsCanonic) {
  for (unsigned width = 2; width <= 8; ++width) {
    for (std::uint64_t n : sample_values()) {
      for (unsigned t = 0; t < (1u << width); ++t) {
        if (!c64_is_tag_for(n, t, width)) continue;
        Encoder e;
        c64_encode_corresponding(e, n, t, width);
        const Bytes code = e.bytes();
        ASSERT_EQ(code.size(), c64_corresponding_length(t, width));
        Decoder d(code);
        Result<std::uint64_t> any = c64_decode_corresponding(d, t, width, DecodeMode::kAny);
        ASSERT_TRUE(any.is_ok());
        EXPECT_EQ(*any, n);
        EXPECT_TRUE(d.at_end());
        Decoder dc(code);
        Result<std::uint64_t> canonic =
            c64_decode_corresponding(dc, t, width, DecodeMode::kCanonic);
        if (t == c64_minimal_tag(n, width)) {
          EXPECT_TRUE(canonic.is_ok());
        } else {
          ASSERT_FALSE(canonic.is_ok());
          EXPECT_EQ(canonic.status().code(), ErrorCode::kNonCanonic);
        }
        for (std::size_t len = 0; len < code.size(); ++len) {
          Decoder p(ByteView(code).first(len));
          Result<std::uint64_t> r = c64_decode_corresponding(p, t, width, DecodeMode::kAny);
          ASSERT_FALSE(r.is_ok());
          EXPECT_EQ(r.status().code(), ErrorCode::kIncomplete);
        }
      }
    }
  }
}

TEST(CompactU64, CorrespondingBytesAreBigEndian) {
  Encoder e;
  c64_encode_standalone(e, 0x0102);
  EXPECT_EQ(to_hex(e.bytes()), "fd0102");
  Encoder e2;
  c64_encode_standalone(e2, 251);
  EXPECT_EQ(to_hex(e2.bytes()), "fb");
  Encoder e3;
  c64_encode_standalone(e3, 252);
  EXPECT_EQ(to_hex(e3.bytes()), "fcfc");
  Encoder e4;
  c64_encode_standalone(e4, kMax);
  EXPECT_EQ(to_hex(e4.bytes()), "ffffffffffffffffff");
  EXPECT_EQ(c64_standalone_length(kMax), 9u);
  EXPECT_EQ(c64_standalone_length(0x10000), 5u);
}

TEST(CompactU64, StandaloneRoundTripAndNonMinimal) {
  for (std::uint64_t n : sample_values()) {
    Encoder e;
    c64_encode_standalone(e, n);
    Decoder d(e.bytes());
    Result<std::uint64_t> r = c64_decode_standalone(d, DecodeMode::kCanonic);
    ASSERT_TRUE(r.is_ok());
    EXPECT_EQ(*r, n);
    EXPECT_TRUE(d.at_end());
    Encoder wide;
    c64_encode_standalone_with_tag(wide, n, 0xff);
    Decoder dw(wide.bytes());
    EXPECT_EQ(*c64_decode_standalone(dw, DecodeMode::kAny), n);
    Decoder dwc(wide.bytes());
    Result<std::uint64_t> rc = c64_decode_standalone(dwc, DecodeMode::kCanonic);
    EXPECT_EQ(rc.is_ok(), n > 0xffffffff);
  }
  Decoder empty(ByteView{});
  EXPECT_EQ(c64_decode_standalone(empty, DecodeMode::kAny).status().code(), ErrorCode::kIncomplete);
}

TEST(Decoder, NeverReadsPastTheInput) {
  const Bytes b = {1, 2, 3};
  Decoder d(b);
  EXPECT_EQ(*d.byte(), 1);
  Result<ByteView> too_long = d.take(3);
  ASSERT_FALSE(too_long.is_ok());
  EXPECT_EQ(too_long.status().code(), ErrorCode::kIncomplete);
  EXPECT_EQ(d.position(), 1u);  // a failed take consumes nothing
  Result<ByteView> rest = d.take(2);
  ASSERT_TRUE(rest.is_ok());
  EXPECT_EQ(rest->size(), 2u);
  EXPECT_TRUE(d.at_end());
  EXPECT_EQ(d.byte().status().code(), ErrorCode::kIncomplete);
  EXPECT_EQ(d.consumed_since(1).size(), 2u);
  Result<ByteView> huge = d.take(static_cast<std::size_t>(-1));
  EXPECT_FALSE(huge.is_ok());
}

TEST(BitByte, FieldsCountFromTheMostSignificantBit) {
  BitByte b;
  b.set(0, 4, 0xc);
  b.set(4, 4, 0x3);
  EXPECT_EQ(b.value(), 0xc3);
  b.set_bit(0, false);
  EXPECT_EQ(b.value(), 0x43);
  b.set(5, 3, 0x5);
  EXPECT_EQ(b.value(), 0x45);
  EXPECT_EQ(b.get(3, 2), 0b00u);
  EXPECT_TRUE(b.bit(1));
  EXPECT_EQ(BitByte(0xa5).get(0, 8), 0xa5u);
}

}  // namespace
}  // namespace osier
