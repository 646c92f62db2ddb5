#include "osier/model/encoding_path.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "base/compact_u64.hpp"
#include "encoding_check.hpp"
#include "encoding_random.hpp"
#include "osier/base/hex.hpp"
#include "support/vectors.hpp"

namespace osier::model {
namespace {

using testing::check_garbage;
using testing::check_non_canonic;
using testing::check_rejects;
using testing::check_round_trip;
using testing::EncodingRandom;
using testing::id_filled;
using testing::path_of;

auto decode_path_abs = [](Decoder& d, DecodeMode m) { return decode_path(d, m); };

Bytes encode_abs(const Path& p) {
  Encoder e;
  encode_path(e, p);
  return e.take();
}

TEST(EncodePath, CorrectedSpecExample) {
  for (const auto& v : osier::testing::willow25_vectors()["encode_path"]) {
    std::vector<std::string> comps = v["components_ascii"].get<std::vector<std::string>>();
    std::vector<ByteView> views;
    for (const auto& c : comps) views.push_back(as_bytes(c));
    Path p = Path::from_components(views).value();
    EXPECT_EQ(to_hex(encode_abs(p)), v["code_hex"].get<std::string>());
    Bytes code = from_hex(v["code_hex"].get<std::string>()).value();
    Decoder d(code);
    Result<Path> back = decode_path(d, DecodeMode::kCanonic);
    ASSERT_TRUE(back.is_ok()) << back.status().to_string();
    EXPECT_EQ(*back, p);
  }
  EXPECT_EQ(to_hex(encode_abs(path_of({"blog", "ideas", "fun"}))),
            "c30c04626c6f6705696465617366756e");
  EXPECT_EQ(to_hex(encode_abs(Path())), "00");
  EXPECT_EQ(to_hex(encode_abs(path_of({""}))), "01");
}

TEST(EncodePath, RoundTripsRandomPaths) {
  EncodingRandom r(1);
  for (int i = 0; i < 600; ++i) {
    Path p = r.path(6);
    check_round_trip(
        p,
        [&](Encoder& e) {
          encode_path(e, p);
          return Status::ok();
        },
        decode_path_abs, true);
  }
}

TEST(EncodePath, AcceptsNonMinimalTagsOnlyInAnyMode) {
  const Path p = path_of({"blog", "ideas", "fun"});
  // Total length with an 8-byte tag (15), component count with a 1-byte tag (12).
  Encoder e;
  e.byte(0xfc);
  e.uint_be(12, 8);
  e.uint_be(3, 1);
  c64_encode_standalone(e, 4);
  e.bytes(as_bytes("blog"));
  c64_encode_standalone_with_tag(e, 5, 0xfd);  // length of "ideas" in two bytes
  e.bytes(as_bytes("ideasfun"));
  check_non_canonic(e.take(), p, decode_path_abs);
}

TEST(EncodePath, RejectsInconsistentLengths) {
  // Count 0 with nonzero length.
  check_rejects<Path>(Bytes{0x10}, ErrorCode::kInvalidEncoding, decode_path_abs);
  // Two components, total length 1, first component claims 2 bytes.
  check_rejects<Path>(Bytes{0x12, 0x02, 'a', 'b'}, ErrorCode::kInvalidEncoding, decode_path_abs);
}

TEST(EncodePath, RejectsOverLimitBeforeReadingComponents) {
  // Total length 4097 (2-byte tag 13), two components, and nothing else: the limit is reported,
  // not "incomplete", and nothing is allocated for 4097 bytes.
  check_rejects<Path>(Bytes{0xd2, 0x10, 0x01}, ErrorCode::kInvalidEncoding, decode_path_abs);
  // Component count 4097.
  check_rejects<Path>(Bytes{0x0d, 0x10, 0x01}, ErrorCode::kInvalidEncoding, decode_path_abs);
  // An 8-byte total length of 2^63.
  check_rejects<Path>(Bytes{0xf1, 0x80, 0, 0, 0, 0, 0, 0, 0}, ErrorCode::kInvalidEncoding,
                      decode_path_abs);
  // A single component of 4097 bytes would also be over the per-component limit: covered by the
  // total. A path at the limits decodes.
  Bytes big(4096, 'x');
  std::vector<ByteView> one{big};
  Path max_path = Path::from_components(one).value();
  check_round_trip(
      max_path,
      [&](Encoder& e) {
        encode_path(e, max_path);
        return Status::ok();
      },
      decode_path_abs, true);
}

TEST(EncodePathRelativePath, RoundTripsAgainstRandomReferences) {
  EncodingRandom r(2);
  for (int i = 0; i < 600; ++i) {
    Path ref = r.path(5);
    Path p = r.coin() ? r.extend(r.prefix_of(ref)) : r.path(5);
    check_round_trip(
        p,
        [&](Encoder& e) {
          encode_path_rel_path(e, p, ref);
          return Status::ok();
        },
        [&](Decoder& d, DecodeMode m) { return decode_path_rel_path(d, ref, m); }, true);
  }
}

TEST(EncodePathRelativePath, NonMaximalPrefixCountIsNonCanonic) {
  const Path ref = path_of({"a", "b", "c"});
  const Path p = path_of({"a", "b", "d"});
  Encoder canonic;
  encode_path_rel_path(canonic, p, ref);
  EXPECT_EQ(to_hex(canonic.bytes()),
            "02"
            "11"
            "64");
  auto dec = [&](Decoder& d, DecodeMode m) { return decode_path_rel_path(d, ref, m); };
  // prefix_count 1, then /b/d.
  Encoder e;
  c64_encode_standalone(e, 1);
  encode_path(e, path_of({"b", "d"}));
  check_non_canonic(e.take(), p, dec);
  // prefix_count 2 with a non-minimal tag.
  Encoder e2;
  c64_encode_standalone_with_tag(e2, 2, 0xfc);
  encode_path(e2, path_of({"d"}));
  check_non_canonic(e2.take(), p, dec);
  // prefix_count beyond the reference.
  check_rejects<Path>(Bytes{0x04, 0x00}, ErrorCode::kInvalidEncoding, dec);
}

TEST(EncodePathRelativePath, LimitsApplyToTheWholePath) {
  Bytes big(4000, 'x');
  std::vector<ByteView> one{big};
  const Path ref = Path::from_components(one).value();
  // Keep the 4000-byte component and add 200 more bytes: 4200 > 4096.
  Encoder e;
  c64_encode_standalone(e, 1);
  encode_path(e, Path::from_components(std::vector<ByteView>{ByteView(big).first(200)}).value());
  check_rejects<Path>(e.take(), ErrorCode::kInvalidEncoding,
                      [&](Decoder& d, DecodeMode m) { return decode_path_rel_path(d, ref, m); });
}

TEST(EncodePathExtendsPath, RoundTripsAndRejectsNonPrefixes) {
  EncodingRandom r(3);
  for (int i = 0; i < 600; ++i) {
    Path p = r.path(6);
    Path prefix = r.prefix_of(p);
    check_round_trip(
        p, [&](Encoder& e) { return encode_path_extends_path(e, p, prefix); },
        [&](Decoder& d, DecodeMode m) { return decode_path_extends_path(d, prefix, m); }, true);
  }
  Encoder e;
  Status st = encode_path_extends_path(e, path_of({"a"}), path_of({"b"}));
  EXPECT_EQ(st.code(), ErrorCode::kInvalidArgument);
  st = encode_path_extends_path(e, path_of({"a"}), path_of({"a", "b"}));
  EXPECT_EQ(st.code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(e.size(), 0u);
}

TEST(PathDecoders, SurviveGarbage) {
  EncodingRandom r(4);
  for (int i = 0; i < 3000; ++i) {
    Bytes junk(r.below(40));
    for (auto& b : junk) b = static_cast<std::uint8_t>(r.below(i % 2 ? 256 : 24));
    Path ref = r.path(4);
    check_garbage<Path>(
        junk,
        [](Encoder& e, const Path& p) {
          encode_path(e, p);
          return Status::ok();
        },
        decode_path_abs);
    check_garbage<Path>(
        junk,
        [&](Encoder& e, const Path& p) {
          encode_path_rel_path(e, p, ref);
          return Status::ok();
        },
        [&](Decoder& d, DecodeMode m) { return decode_path_rel_path(d, ref, m); });
    check_garbage<Path>(
        junk, [&](Encoder& e, const Path& p) { return encode_path_extends_path(e, p, ref); },
        [&](Decoder& d, DecodeMode m) { return decode_path_extends_path(d, ref, m); });
  }
}

}  // namespace
}  // namespace osier::model
