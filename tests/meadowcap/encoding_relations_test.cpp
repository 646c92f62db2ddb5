// The registry of encoding relations (meadowcap::kEncodingRelations, the data model's and
// Meadowcap's): every relation has the relation properties for random pairs in it — round trip,
// exact consumption, every strict prefix incomplete, the canonic encoder's code accepted by the
// canonic decoder — and arbitrary bytes never crash its decoder.
#include "osier/meadowcap/encoding_relations.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "model/encoding_check.hpp"
#include "relation_samples.hpp"

namespace osier::meadowcap {
namespace {

using model::testing::check_relation;
using model::testing::check_relation_garbage;
using testing::RelationSamples;

constexpr int kSamples = 60;

TEST(EncodingRelations, RegistryNamesAreUniqueAndComplete) {
  std::set<std::string> names;
  std::size_t relative = 0;
  model::for_each_relation(kEncodingRelations, [&](const auto& relation) {
    EXPECT_TRUE(names.insert(std::string(relation.name)).second) << relation.name;
    EXPECT_EQ(relation.name.substr(0, 6), "Encode") << relation.name;
    EXPECT_EQ(relation.spec.substr(0, 10), "encodings#") << relation.name;
    EXPECT_FALSE(relation.values.empty()) << relation.name;
    EXPECT_EQ(relation.kRelative, !relation.references.empty()) << relation.name;
    EXPECT_TRUE(relation.encode_fn != nullptr);
    EXPECT_TRUE(relation.decode_fn != nullptr);
    if (relation.kRelative) ++relative;
  });
  // Ten data-model relations (two absolute) and eleven Meadowcap ones (four absolute).
  EXPECT_EQ(names.size(), 21u);
  EXPECT_EQ(relative, 15u);
  EXPECT_EQ(model::relation_count(kEncodingRelations),
            model::relation_count(model::kModelEncodingRelations) +
                model::relation_count(kMeadowcapEncodingRelations));
}

TEST(EncodingRelations, EveryRelationHasTheRelationProperties) {
  RelationSamples samples(2024);
  model::for_each_relation(kEncodingRelations, [&](const auto& relation) {
    SCOPED_TRACE(std::string(relation.name));
    int checked = 0;
    for (int i = 0; i < kSamples; ++i) {
      const auto pair = samples.sample(relation);
      Encoder probe;
      const Status st = relation.encode(probe, pair.first, pair.second);
      if (!st.is_ok()) {
        // Outside the relation: the only reason an encoder may refuse.
        EXPECT_EQ(st.code(), ErrorCode::kInvalidArgument) << st.to_string();
        continue;
      }
      const Bytes code = check_relation(relation, pair.first, pair.second);
      EXPECT_EQ(code, probe.bytes());  // the encoder is a function of its arguments
      ++checked;
    }
    // Most drawn pairs lie inside the relation, so the properties were checked, not skipped.
    EXPECT_GE(checked, kSamples / 4);
  });
}

TEST(EncodingRelations, GarbageNeverCrashesAndWhatDecodesRoundTrips) {
  RelationSamples samples(2025);
  model::for_each_relation(kEncodingRelations, [&](const auto& relation) {
    for (int i = 0; i < kSamples; ++i) {
      const auto pair = samples.sample(relation);
      auto& r = samples.model_random();
      Bytes junk(r.below(200));
      for (auto& b : junk) b = static_cast<std::uint8_t>(r.below(256));
      // Also a valid code with one byte changed, which often still decodes.
      Encoder enc;
      if (r.coin() && relation.encode(enc, pair.first, pair.second).is_ok() && enc.size() > 0) {
        junk = enc.take();
        junk[r.below(junk.size())] ^= static_cast<std::uint8_t>(1 + r.below(255));
      }
      check_relation_garbage(relation, junk, pair.second);
    }
  });
}

}  // namespace
}  // namespace osier::meadowcap
