// Property checks shared by the encoding tests: round trip, exact consumption, canonic decoding,
// strict prefixes decode as incomplete, and hand-built non-canonic codes. check_relation and
// check_relation_garbage run them for any model::EncodingRelation descriptor.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <string>
#include <utility>

#include "osier/base/codec.hpp"
#include "osier/base/hex.hpp"
#include "osier/model/encoding_relation.hpp"

namespace osier::model::testing {

// encode: Status(Encoder&). decode: Result<V>(Decoder&, DecodeMode). has_canonic: whether the
// relation has a canonic subset (then the encoder's code must be accepted in kCanonic mode).
// Strict prefixes of long codes are sampled unless every_prefix. Returns the code.
template <typename V, typename EncodeFn, typename DecodeFn>
Bytes check_round_trip(const V& value, EncodeFn encode, DecodeFn decode, bool has_canonic,
                       bool every_prefix = false) {
  Encoder enc;
  Status st = encode(enc);
  EXPECT_TRUE(st.is_ok()) << st.to_string();
  if (!st.is_ok()) return {};
  const Bytes code = enc.bytes();
  SCOPED_TRACE("code " + to_hex(code));

  // Decoding reads exactly the code, even with more input after it.
  Bytes padded = code;
  padded.push_back(0xa5);
  padded.push_back(0x00);
  Decoder dec(padded);
  Result<V> back = decode(dec, DecodeMode::kAny);
  EXPECT_TRUE(back.is_ok()) << back.status().to_string();
  if (!back.is_ok()) return code;
  EXPECT_TRUE(*back == value);
  EXPECT_EQ(dec.position(), code.size());

  if (has_canonic) {
    Decoder cdec(code);
    Result<V> c = decode(cdec, DecodeMode::kCanonic);
    EXPECT_TRUE(c.is_ok()) << c.status().to_string();
    EXPECT_EQ(cdec.position(), code.size());
  }

  // Every strict prefix is incomplete (sampled for long codes unless every_prefix).
  const std::size_t step = every_prefix ? 1 : std::max<std::size_t>(1, code.size() / 64);
  for (std::size_t n = 0; n < code.size(); n += step) {
    Decoder pdec(ByteView(code).first(n));
    Result<V> p = decode(pdec, DecodeMode::kAny);
    EXPECT_FALSE(p.is_ok()) << "prefix of length " << n << " decoded";
    if (!p.is_ok()) {
      EXPECT_EQ(p.status().code(), ErrorCode::kIncomplete)
          << "prefix " << n << ": " << p.status().to_string();
    }
  }
  return code;
}

// A valid but non-canonic code of `value`: accepted in kAny mode (consuming all of it),
// rejected as kNonCanonic in kCanonic mode.
template <typename V, typename DecodeFn>
void check_non_canonic(const Bytes& code, const V& value, DecodeFn decode) {
  SCOPED_TRACE("code " + to_hex(code));
  Decoder dec(code);
  Result<V> any = decode(dec, DecodeMode::kAny);
  ASSERT_TRUE(any.is_ok()) << any.status().to_string();
  EXPECT_TRUE(*any == value);
  EXPECT_EQ(dec.position(), code.size());
  Decoder cdec(code);
  Result<V> canonic = decode(cdec, DecodeMode::kCanonic);
  ASSERT_FALSE(canonic.is_ok());
  EXPECT_EQ(canonic.status().code(), ErrorCode::kNonCanonic) << canonic.status().to_string();
}

// A valid code of `value` (for relations without a canonic subset): decodes to it, consuming all.
template <typename V, typename DecodeFn>
void check_decodes_to(const Bytes& code, const V& value, DecodeFn decode) {
  SCOPED_TRACE("code " + to_hex(code));
  Decoder dec(code);
  Result<V> r = decode(dec, DecodeMode::kAny);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_TRUE(*r == value);
  EXPECT_EQ(dec.position(), code.size());
}

// Bytes that are no code: decoding fails with `expected`.
template <typename V, typename DecodeFn>
void check_rejects(const Bytes& code, ErrorCode expected, DecodeFn decode) {
  SCOPED_TRACE("code " + to_hex(code));
  Decoder dec(code);
  Result<V> r = decode(dec, DecodeMode::kAny);
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), expected) << r.status().to_string();
}

// Arbitrary bytes never crash a decoder; whatever decodes re-encodes to a code of the same value.
template <typename V, typename EncodeValueFn, typename DecodeFn>
void check_garbage(ByteView bytes, EncodeValueFn encode_value, DecodeFn decode) {
  Decoder dec(bytes);
  Result<V> r = decode(dec, DecodeMode::kAny);
  if (!r.is_ok()) return;
  EXPECT_LE(dec.position(), bytes.size());
  Encoder enc;
  Status st = encode_value(enc, *r);
  ASSERT_TRUE(st.is_ok()) << st.to_string() << " for decoded input " << to_hex(bytes);
  Decoder again(enc.bytes());
  Result<V> r2 = decode(again, DecodeMode::kAny);
  ASSERT_TRUE(r2.is_ok()) << r2.status().to_string();
  EXPECT_TRUE(*r2 == *r);
}

// The relation properties of `relation` for one pair in it: the encoder's code decodes to
// `value` consuming exactly the code (with bytes after it), a canonic relation's decoder accepts
// it in kCanonic mode, and every strict prefix is kIncomplete. Returns the code.
template <typename V, typename R>
Bytes check_relation(const EncodingRelation<V, R>& relation, const V& value, const R& reference) {
  SCOPED_TRACE(std::string(relation.name));
  return check_round_trip(
      value, [&](Encoder& enc) { return relation.encode(enc, value, reference); },
      [&](Decoder& dec, DecodeMode mode) { return relation.decode(dec, reference, mode); },
      relation.canonic, /*every_prefix=*/true);
}

// check_garbage for `relation` relative to `reference`.
template <typename V, typename R>
void check_relation_garbage(const EncodingRelation<V, R>& relation, ByteView bytes,
                            const R& reference) {
  SCOPED_TRACE(std::string(relation.name));
  check_garbage<V>(
      bytes, [&](Encoder& enc, const V& v) { return relation.encode(enc, v, reference); },
      [&](Decoder& dec, DecodeMode mode) { return relation.decode(dec, reference, mode); });
}

}  // namespace osier::model::testing
