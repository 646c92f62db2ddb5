#include "osier/model/entry.hpp"

#include <gtest/gtest.h>

#include "model_random.hpp"
#include "osier/base/hex.hpp"
#include "osier/model/ids.hpp"
#include "support/vectors.hpp"

namespace osier::model {
namespace {

using testing::path_of;

Entry base_entry() {
  Entry e;
  e.subspace_id.fill(7);
  e.path = path_of({"blog", "idea"});
  e.timestamp = 100;
  e.payload_length = 10;
  e.payload_digest.fill(5);
  return e;
}

TEST(EntryTest, NewerThanComparesTimestampThenDigestThenLength) {
  const Entry a = base_entry();
  Entry b = a;
  EXPECT_FALSE(newer_than(a, b));  // irreflexive

  b.timestamp = 99;
  b.payload_digest.fill(0xff);  // a later digest does not matter when the timestamp is older
  b.payload_length = 1000;
  EXPECT_TRUE(newer_than(a, b));
  EXPECT_FALSE(newer_than(b, a));

  b = a;
  b.payload_digest.back() = 4;
  b.payload_length = 1000;
  EXPECT_TRUE(newer_than(a, b));
  EXPECT_FALSE(newer_than(b, a));

  b = a;
  b.payload_digest[0] = 6;  // digests compare numerically, most significant byte first
  b.payload_digest.back() = 0;
  EXPECT_TRUE(newer_than(b, a));

  b = a;
  b.payload_length = 9;
  EXPECT_TRUE(newer_than(a, b));
  EXPECT_FALSE(newer_than(b, a));

  b = a;
  b.path = path_of({"other"});  // path, subspace and namespace play no part
  b.subspace_id.fill(0);
  b.namespace_id.fill(1);
  EXPECT_FALSE(newer_than(a, b));
  EXPECT_FALSE(newer_than(b, a));
}

TEST(EntryTest, PrunesNeedsSameSubspacePrefixPathAndNewer) {
  Entry newer = base_entry();
  newer.path = path_of({"blog"});
  Entry older = base_entry();
  older.timestamp = 50;
  EXPECT_TRUE(prunes(newer, older));
  EXPECT_FALSE(prunes(older, newer));

  Entry same_path = older;
  same_path.path = newer.path;  // a path is a prefix of itself: overwriting
  EXPECT_TRUE(prunes(newer, same_path));

  Entry sibling = older;
  sibling.path = path_of({"blogs"});  // /blog is not a prefix of /blogs
  EXPECT_FALSE(prunes(newer, sibling));

  Entry other_subspace = older;
  other_subspace.subspace_id.fill(8);
  EXPECT_FALSE(prunes(newer, other_subspace));

  Entry other_namespace = older;
  other_namespace.namespace_id.fill(1);
  EXPECT_FALSE(prunes(newer, other_namespace));

  Entry not_older = older;
  not_older.timestamp = newer.timestamp;  // equal timestamps: the digest decides
  not_older.payload_digest.fill(6);
  EXPECT_FALSE(prunes(newer, not_older));
  not_older.payload_digest.fill(4);
  EXPECT_TRUE(prunes(newer, not_older));

  EXPECT_FALSE(prunes(newer, newer));
}

TEST(EntryTest, DefaultEntry) {
  NamespaceId ns{};
  ns.fill(1);
  SubspaceId ss{};
  ss.fill(2);
  PayloadDigest d{};
  d.fill(3);
  const Entry e = default_entry(ns, ss, d);
  EXPECT_EQ(e.namespace_id, ns);
  EXPECT_EQ(e.subspace_id, ss);
  EXPECT_EQ(e.path, Path{});
  EXPECT_EQ(e.timestamp, 0u);
  EXPECT_EQ(e.payload_length, 0u);
  EXPECT_EQ(e.payload_digest, d);
}

TEST(IdsTest, IsCommunal) {
  const auto& v = osier::testing::willow25_vectors()["default_namespace"];
  const NamespaceId ns = array_from_hex<32>(v["namespace_id_hex"].get<std::string>()).value();
  EXPECT_EQ(is_communal(ns), v["is_communal"].get<bool>());
  EXPECT_TRUE(is_communal(ns));  // ends in 0x18
  NamespaceId owned = ns;
  owned.back() |= 1;
  EXPECT_FALSE(is_communal(owned));
  NamespaceId high_bit{};
  high_bit[0] = 0x01;  // only the last byte's least significant bit counts
  EXPECT_TRUE(is_communal(high_bit));
}

TEST(IdsTest, SubspaceSuccessor) {
  SubspaceId id{};
  SubspaceId one{};
  one.back() = 1;
  EXPECT_EQ(subspace_successor(id), one);
  SubspaceId carry{};
  carry[30] = 0x12;
  carry[31] = 0xff;
  SubspaceId carried{};
  carried[30] = 0x13;
  EXPECT_EQ(subspace_successor(carry), carried);
  EXPECT_GT(carried, carry);
  SubspaceId max{};
  max.fill(0xff);
  EXPECT_EQ(subspace_successor(max), std::nullopt);
  SubspaceId almost = max;
  almost[0] = 0xfe;
  SubspaceId next{};
  next[0] = 0xff;
  EXPECT_EQ(subspace_successor(almost), next);
}

}  // namespace
}  // namespace osier::model
