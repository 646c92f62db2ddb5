// The outboard LmdbStore publishes when append_verified completes a file payload
// (store/growing_outboards.hpp): byte for byte the payload's outboard, whether this instance saw
// every append (built as the bytes came) or another instance on the same home made some of them
// (rebuilt from the file), and no staging file is left behind either way. (Appends short of the
// end end at a chunk boundary: 1024 bytes.)
#include <gtest/gtest.h>

#include <filesystem>

#include "osier/crypto/bab_outboard.hpp"
#include "store/lmdb_store.hpp"
#include "store/payload.hpp"
#include "store_factories.hpp"

namespace osier::store {
namespace {

using testing::entry_at;
using testing::random_bytes;

class LmdbOutboardTest : public ::testing::Test {
 protected:
  std::unique_ptr<LmdbStore> open() {
    LmdbStoreOptions opts;
    opts.authoriser = testing::test_authoriser();
    opts.map_size = std::uint64_t{1} << 30;
    opts.sync_commits = false;
    auto s = LmdbStore::open(dir_.sub("store"), opts);
    EXPECT_TRUE(s) << s.status().to_string();
    return s ? std::move(*s) : nullptr;
  }
  static Status append(LmdbStore& s, const AuthorisedEntry& ae, const Bytes& payload,
                       std::size_t from, std::size_t to) {
    auto r = s.append_verified(ae.entry.namespace_id, ae.entry.subspace_id, ae.entry.path,
                               ae.entry.payload_digest, from,
                               ByteView(payload).subspan(from, to - from), {});
    return r ? Status::ok() : r.status();
  }
  static Bytes read_all(const std::string& path) {
    auto f = File::open_read(path);
    EXPECT_TRUE(f) << f.status().to_string();
    if (!f) return {};
    Bytes b(f->size());
    EXPECT_TRUE(f->read(0, b));
    return b;
  }
  // The files under the home's staging directories but their locks.
  std::size_t staged_files() const {
    std::size_t n = 0;
    const auto staging = std::filesystem::path(dir_.sub("store")) / "staging";
    if (!std::filesystem::exists(staging)) return 0;
    for (const auto& e : std::filesystem::recursive_directory_iterator(staging)) {
      n += e.is_regular_file() && e.path().filename() != "lock" ? 1 : 0;
    }
    return n;
  }
  void expect_outboard(LmdbStore& s, const AuthorisedEntry& ae, const Bytes& payload) {
    const std::string file = s.payload_file(payload_key(ae.entry)) + ".obao";
    EXPECT_EQ(read_all(file), crypto::bab_outboard(payload).value().pairs);
    EXPECT_EQ(testing::served_payload(s, ae.entry), payload);
    EXPECT_TRUE(s.check());
  }

  testing::TempDir dir_;
};

TEST_F(LmdbOutboardTest, AppendsOfOneInstanceMakeThePayloadsOutboard) {
  auto s = open();
  const Bytes payload = random_bytes(300'001, 1);
  const AuthorisedEntry ae = entry_at({"one"}, payload, 1);
  ASSERT_TRUE(s->ingest(ae, Trust::kAlreadyVerified));
  for (std::size_t at = 0; at < payload.size();) {
    const std::size_t to = std::min<std::size_t>(payload.size(), at + 69 * 1024);
    ASSERT_TRUE(append(*s, ae, payload, at, to));
    at = to;
  }
  expect_outboard(*s, ae, payload);
  EXPECT_EQ(staged_files(), 0u);
}

TEST_F(LmdbOutboardTest, AppendsInterleavedWithAnotherInstanceStillMakeIt) {
  auto a = open();
  auto b = open();  // another writer of the same home (as another process would be)
  const Bytes payload = random_bytes(250'000, 2);
  const AuthorisedEntry one = entry_at({"one"}, payload, 1);
  ASSERT_TRUE(a->ingest(one, Trust::kAlreadyVerified));
  // a starts, b continues, a completes: a's outboard under way stopped at b's bytes.
  ASSERT_TRUE(append(*a, one, payload, 0, 100 * 1024));
  ASSERT_TRUE(append(*b, one, payload, 100 * 1024, 180 * 1024));
  ASSERT_TRUE(append(*a, one, payload, 180 * 1024, payload.size()));
  expect_outboard(*a, one, payload);
  expect_outboard(*b, one, payload);

  // a starts, b completes (b never saw byte 0).
  const Bytes other = random_bytes(90'000, 3);
  const AuthorisedEntry two = entry_at({"two"}, other, 1);
  ASSERT_TRUE(a->ingest(two, Trust::kAlreadyVerified));
  ASSERT_TRUE(append(*a, two, other, 0, 40 * 1024));
  ASSERT_TRUE(append(*b, two, other, 40 * 1024, other.size()));
  expect_outboard(*a, two, other);
  // a's outboard of `two` stays under way (a never sees the end) until the payload goes.
  EXPECT_EQ(staged_files(), 1u);
  ASSERT_TRUE(a->forget_payload(two.entry.namespace_id, two.entry.subspace_id, two.entry.path));
  EXPECT_EQ(staged_files(), 0u);
}

}  // namespace
}  // namespace osier::store
