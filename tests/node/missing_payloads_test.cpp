// node::missing_payloads: the entries whose payloads a store lacks, split by download policy.
#include "osier/node/missing_payloads.hpp"

#include <gtest/gtest.h>

#include "osier/base/io.hpp"
#include "osier/store/memory.hpp"
#include "sync/owned_namespace_util.hpp"

namespace osier::node {
namespace {

Bytes bytes_of(std::size_t n, std::uint8_t seed) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(seed + i * 13);
  return b;
}

TEST(MissingPayloads, CountsWhatIsLackingByPolicy) {
  auto store = store::make_memory_store();
  const model::NamespaceId ns = sync::testing::owned_namespace();
  const Bytes small = bytes_of(3000, 1);
  const Bytes big = bytes_of(9000, 2);
  const Bytes whole = bytes_of(500, 3);
  const auto e_small = sync::testing::owned_entry_with_payload({"small"}, small, 10);
  const auto e_big = sync::testing::owned_entry_with_payload({"big"}, big, 10);
  const auto e_whole = sync::testing::owned_entry_with_payload({"whole"}, whole, 10);
  ASSERT_TRUE(store->ingest(e_small, store::Trust::kVerify));
  ASSERT_TRUE(store->ingest(e_big, store::Trust::kVerify));
  ASSERT_TRUE(store->ingest_with_payload(e_whole, memory_source(whole), store::Trust::kVerify));
  // 1024 bytes of the big one held: 7976 lacking.
  ASSERT_TRUE(store->append_verified(ns, e_big.entry.subspace_id, e_big.entry.path,
                                     e_big.entry.payload_digest, 0, ByteView(big).first(1024), {}));

  // Eager (no policy recorded): both are fetched by the daemon.
  auto m = missing_payloads(*store, {}, {ns}, 8);
  ASSERT_TRUE(m.is_ok()) << m.status().to_string();
  ASSERT_EQ(m->size(), 1U);
  MissingPayloads& eager = m->at(ns);
  EXPECT_EQ(eager.to_fetch, 2U);
  EXPECT_EQ(eager.to_fetch_bytes, 3000U + 7976U);
  EXPECT_EQ(eager.on_demand, 0U);
  EXPECT_EQ(eager.examples.size(), 2U);

  // Eager up to 4000 bytes: the big one waits for `osier get`.
  Policies capped;
  capped[ns].max_size = 4000;
  m = missing_payloads(*store, capped, {ns}, 1);
  ASSERT_TRUE(m.is_ok());
  EXPECT_EQ(m->at(ns), (MissingPayloads{1, 3000, 1, 7976, {e_small.entry}}));

  // Lazy: everything on demand. A namespace lacking nothing is left out.
  Policies lazy;
  lazy[ns].payloads = PayloadPolicy::kLazy;
  model::NamespaceId other = ns;
  other[0] ^= 1;
  m = missing_payloads(*store, lazy, {ns, other});
  ASSERT_TRUE(m.is_ok());
  EXPECT_EQ(m->size(), 1U);
  EXPECT_EQ(m->at(ns), (MissingPayloads{0, 0, 2, 3000 + 7976, {}}));

  // Once whole, nothing is missing.
  ASSERT_TRUE(store->append_verified(ns, e_big.entry.subspace_id, e_big.entry.path,
                                     e_big.entry.payload_digest, 1024, ByteView(big).subspan(1024),
                                     {}));
  ASSERT_TRUE(store->append_verified(ns, e_small.entry.subspace_id, e_small.entry.path,
                                     e_small.entry.payload_digest, 0, small, {}));
  m = missing_payloads(*store, {}, {ns});
  ASSERT_TRUE(m.is_ok());
  EXPECT_TRUE(m->empty());
}

}  // namespace
}  // namespace osier::node
