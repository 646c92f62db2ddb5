// The JSON forms and the JSON codec table: every relation of the registry is served, in order;
// every value of every relation survives to_json/from_json; absolute relations encode and decode
// through JSON requests exactly as through their descriptor; failures are documented errors.
#include "osier/json/codec_relations.hpp"

#include <gtest/gtest.h>

#include <string>

#include "meadowcap/relation_samples.hpp"
#include "osier/meadowcap/encoding_relations.hpp"

namespace osier::json {
namespace {

using meadowcap::testing::RelationSamples;

TEST(CodecRelations, ServeTheWholeRegistryInOrder) {
  const std::vector<CodecRelation>& table = codec_relations();
  ASSERT_EQ(table.size(), model::relation_count(meadowcap::kEncodingRelations));
  std::size_t i = 0;
  model::for_each_relation(meadowcap::kEncodingRelations, [&](const auto& relation) {
    EXPECT_EQ(table[i].name, relation.name);
    EXPECT_EQ(table[i].canonic, relation.canonic);
    EXPECT_EQ(table[i].references.empty(), !relation.kRelative);
    EXPECT_EQ(find_codec_relation(relation.name), &table[i]);
    ++i;
  });
  EXPECT_EQ(find_codec_relation("EncodeNothing"), nullptr);
}

TEST(CodecRelations, ValuesSurviveTheirJsonForm) {
  RelationSamples samples(77);
  model::for_each_relation(meadowcap::kEncodingRelations, [&](const auto& relation) {
    SCOPED_TRACE(std::string(relation.name));
    using V = typename std::decay_t<decltype(relation)>::Value;
    for (int i = 0; i < 30; ++i) {
      const auto pair = samples.sample(relation);
      const Json j = to_json(pair.first);
      Result<V> back = from_json<V>(j);
      ASSERT_TRUE(back.is_ok()) << back.status().to_string() << " for " << j.dump();
      EXPECT_TRUE(*back == pair.first) << j.dump();
      // The JSON text too: what parses again prints the same.
      EXPECT_EQ(to_json(*back).dump(), j.dump());
    }
  });
}

TEST(CodecRelations, AbsoluteRelationsThroughJsonRequests) {
  RelationSamples samples(78);
  model::for_each_relation(meadowcap::kEncodingRelations, [&](const auto& relation) {
    if constexpr (!std::decay_t<decltype(relation)>::kRelative) {
      SCOPED_TRACE(std::string(relation.name));
      const CodecRelation* codec = find_codec_relation(relation.name);
      ASSERT_NE(codec, nullptr);
      for (int i = 0; i < 20; ++i) {
        const auto pair = samples.sample(relation);
        Result<Bytes> code = relation.encode(pair.first, {});
        ASSERT_TRUE(code.is_ok()) << code.status().to_string();
        const Json encoded = codec->encode(Json{{"value", to_json(pair.first)}});
        EXPECT_EQ(encoded, (Json{{"code", to_hex(*code)}}));
        Bytes padded = *code;
        padded.push_back(0x17);
        const Json decoded = codec->decode(Json{{"code", to_hex(padded)}}, DecodeMode::kAny);
        EXPECT_EQ(decoded, (Json{{"value", to_json(pair.first)}, {"consumed", code->size()}}));
      }
    }
  });
}

TEST(CodecRelations, FailuresNameTheirKind) {
  const CodecRelation* path = find_codec_relation("EncodePath");
  ASSERT_NE(path, nullptr);
  EXPECT_EQ(path->encode(Json::object()), (Json{{"error", "invalid argument: missing \"value\""}}));
  EXPECT_EQ(
      path->encode(Json{{"value", 3}}),
      (Json{{"error", "invalid argument: value: expected an array of hex-string components"}}));
  EXPECT_EQ(path->decode(Json{{"code", "zz"}}, DecodeMode::kAny),
            (Json{{"error", "invalid argument: code: not a hex string"}}));
  EXPECT_EQ(path->decode(Json{{"code", "c30c04626c6f67"}}, DecodeMode::kAny),
            (Json{{"error", "incomplete input: input ended inside a code"}}));
  const CodecRelation* rel = find_codec_relation("EncodePathRelativePath");
  ASSERT_NE(rel, nullptr);
  EXPECT_EQ(rel->encode(Json{{"value", Json::array()}}),
            (Json{{"error", "invalid argument: missing \"relative_to\""}}));
  const CodecRelation* token = find_codec_relation("EncodeMeadowcapAuthorisationTokenRelative");
  ASSERT_NE(token, nullptr);
  EXPECT_EQ(token->decode(Json{{"code", ""}, {"relative_to", Json::array()}}, DecodeMode::kAny),
            (Json{{"error", "invalid argument: relative_to: expected an array of two items"}}));
}

}  // namespace
}  // namespace osier::json
