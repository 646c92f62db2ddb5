// LmdbStore specifics: many namespaces, format versions and upgrades, damaged files, a full map.
#include "store/lmdb_store.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <optional>

#include "osier/crypto/william3.hpp"
#include "store/memory_store.hpp"
#include "store/store_factories.hpp"
#include "store/store_random.hpp"
#include "support/raw_lmdb.hpp"

namespace osier::store {
namespace {

using testing::TempDir;
using testing::test_authoriser;

LmdbStoreOptions opts(std::uint64_t map_size = std::uint64_t{1} << 30) {
  LmdbStoreOptions o;
  o.authoriser = test_authoriser();
  o.map_size = map_size;
  o.sync_commits = false;
  return o;
}

AuthorisedEntry entry_in(std::uint32_t ns_no, std::uint32_t i) {
  AuthorisedEntry ae;
  ae.entry.namespace_id[0] = static_cast<std::uint8_t>(ns_no >> 8);
  ae.entry.namespace_id[1] = static_cast<std::uint8_t>(ns_no);
  ae.entry.path = model::Path::from_strings({"p", std::to_string(i)}).value();
  ae.entry.timestamp = 10 + i;
  ae.entry.payload_length = i;
  ae.token = Bytes(100, 7);
  return ae;
}

// A snapshot outlives its store, and the store is opened again in the same process: both must
// use one LMDB environment. A second one would reset the reader table (the snapshot's slot
// included), and the new store's writes could then reuse the pages the snapshot reads.
TEST(LmdbStore, ASnapshotSurvivesAReopenInTheSameProcess) {
  TempDir dir;
  const model::NamespaceId ns = entry_in(1, 0).entry.namespace_id;
  std::shared_ptr<const NamespaceSnapshot> snap;
  RangeSummary at_snapshot;
  {
    auto s = LmdbStore::open(dir.path(), opts()).value();
    std::vector<AuthorisedEntry> batch;
    for (std::uint32_t i = 0; i < 2000; ++i) batch.push_back(entry_in(1, i));
    ASSERT_TRUE(s->ingest_batch(batch, Trust::kAlreadyVerified));
    snap = s->snapshot(ns).value();
    at_snapshot = snap->summarise(model::D3Range::full()).value();
  }
  {
    auto s = LmdbStore::open(dir.path(), opts()).value();
    // Churn: every entry replaced several times, so that freed pages would be reused.
    for (std::uint32_t round = 1; round <= 4; ++round) {
      std::vector<AuthorisedEntry> batch;
      for (std::uint32_t i = 0; i < 2000; ++i) {
        AuthorisedEntry ae = entry_in(1, i);
        ae.entry.timestamp += 10000 * round;
        batch.push_back(ae);
      }
      ASSERT_TRUE(s->ingest_batch(batch, Trust::kAlreadyVerified));
    }
    EXPECT_NE(s->summarise(ns, model::D3Range::full()).value(), at_snapshot);
    EXPECT_TRUE(s->check());
  }
  EXPECT_EQ(snap->summarise(model::D3Range::full()).value(), at_snapshot);
  std::uint64_t seen = 0;
  ASSERT_TRUE(
      snap->scan(model::D3Range::full(), std::nullopt, [&](const LengthyAuthorisedEntry& e) {
        EXPECT_LT(e.authorised.entry.timestamp, 10000u);  // the state it was taken in
        ++seen;
        return true;
      }));
  EXPECT_EQ(seen, 2000u);
}

// Two stores on one directory in one process share the environment: each sees the other's
// writes. A read-only one cannot serve a writer opened while it lives.
TEST(LmdbStore, StoresOfOneDirectoryInOneProcessShareTheEnvironment) {
  TempDir dir;
  { auto s = LmdbStore::open(dir.path(), opts()).value(); }
  auto a = LmdbStore::open(dir.path(), opts()).value();
  auto b = LmdbStore::open(dir.path(), opts()).value();
  ASSERT_TRUE(a->ingest(entry_in(2, 1), Trust::kAlreadyVerified));
  ASSERT_TRUE(b->ingest(entry_in(2, 2), Trust::kAlreadyVerified));
  const model::NamespaceId ns = entry_in(2, 0).entry.namespace_id;
  EXPECT_EQ(a->summarise(ns, model::D3Range::full()).value().count, 2u);
  EXPECT_EQ(b->summarise(ns, model::D3Range::full()).value().count, 2u);
  a.reset();
  b.reset();
  LmdbStoreOptions ro = opts();
  ro.read_only = true;
  {
    auto r = LmdbStore::open(dir.path(), ro).value();
    auto w = LmdbStore::open(dir.path(), opts());
    ASSERT_FALSE(w);
    EXPECT_EQ(w.status().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(r->summarise(ns, model::D3Range::full()).value().count, 2u);
  }
  EXPECT_TRUE(LmdbStore::open(dir.path(), opts()));  // once the read-only one is gone
}

// Opening a namespace is a lookup: every namespace answers after a reopen, with nothing
// loaded or rebuilt.
TEST(LmdbStore, ManyNamespacesAnswerAfterReopen) {
  TempDir dir;
  {
    auto s = LmdbStore::open(dir.path(), opts()).value();
    std::vector<AuthorisedEntry> batch;
    for (std::uint32_t n = 0; n < 40; ++n) {
      for (std::uint32_t i = 0; i < 5; ++i) batch.push_back(entry_in(n, i));
    }
    ASSERT_TRUE(s->ingest_batch(batch, Trust::kAlreadyVerified));
  }
  auto s = LmdbStore::open(dir.path(), opts()).value();
  auto nss = s->namespaces();
  ASSERT_TRUE(nss);
  EXPECT_EQ(nss->size(), 40u);
  for (std::uint32_t n = 0; n < 40; ++n) {
    auto sum = s->summarise(entry_in(n, 0).entry.namespace_id, model::D3Range::full());
    ASSERT_TRUE(sum);
    EXPECT_EQ(sum->count, 5u);
    EXPECT_EQ(sum->payload_bytes, 0u + 1 + 2 + 3 + 4);
  }
  auto got = s->get(entry_in(7, 2).entry.namespace_id, {}, entry_in(7, 2).entry.path);
  ASSERT_TRUE(got && got->has_value());
  EXPECT_EQ((*got)->authorised, entry_in(7, 2));
  EXPECT_TRUE(s->check());
}

// Reads (and with `write`, first rewrites) the format version record, as another build would.
std::uint32_t raw_format_version(const std::string& dir,
                                 std::optional<std::uint32_t> write = std::nullopt) {
  osier::testing::RawLmdb raw(dir);
  const MDB_dbi meta = raw.db("meta");
  std::string k = "format_version";
  MDB_val kv{k.size(), k.data()};
  if (write) {
    std::uint8_t v[4] = {static_cast<std::uint8_t>(*write >> 24),
                         static_cast<std::uint8_t>(*write >> 16),
                         static_cast<std::uint8_t>(*write >> 8), static_cast<std::uint8_t>(*write)};
    MDB_val vv{4, v};
    EXPECT_EQ(mdb_put(raw.txn(), meta, &kv, &vv, 0), 0);
  }
  MDB_val got{};
  EXPECT_EQ(mdb_get(raw.txn(), meta, &kv, &got), 0);
  std::uint32_t version = 0;
  for (std::size_t i = 0; i < got.mv_size && i < 4; ++i) {
    version = (version << 8) | static_cast<const std::uint8_t*>(got.mv_data)[i];
  }
  raw.commit();
  return version;
}

TEST(LmdbStore, RejectsAnotherFormatVersion) {
  TempDir dir;
  {
    auto s = LmdbStore::open(dir.path(), opts()).value();
    ASSERT_TRUE(s->ingest(entry_in(1, 1), Trust::kAlreadyVerified));
  }
  EXPECT_EQ(raw_format_version(dir.path()), LmdbStore::kFormatVersion);
  raw_format_version(dir.path(), 5);  // as a future build would write it
  auto s = LmdbStore::open(dir.path(), opts());
  ASSERT_FALSE(s);
  EXPECT_EQ(s.status().code(), ErrorCode::kCorrupt);
  EXPECT_NE(s.status().message().find("version 5"), std::string::npos) << s.status().to_string();
  EXPECT_EQ(raw_format_version(dir.path()), 5u);  // never modified
}

// Version 2 only adds the frontier flag to payload records, version 3 the tree: a version 1
// store is upgraded by building its trees.
TEST(LmdbStore, UpgradesAVersionOneStore) {
  TempDir dir;
  {
    auto s = LmdbStore::open(dir.path(), opts()).value();
    ASSERT_TRUE(s->ingest(entry_in(1, 1), Trust::kAlreadyVerified));
  }
  raw_format_version(dir.path(), 1);
  {
    auto s = LmdbStore::open(dir.path(), opts());
    ASSERT_TRUE(s) << s.status().to_string();
    EXPECT_TRUE((*s)->check());
    EXPECT_EQ((*s)->namespaces().value().size(), 1u);
  }
  EXPECT_EQ(raw_format_version(dir.path()), LmdbStore::kFormatVersion);
}

// Version 4 adds the time order to each tree, beside the path order version 3 kept (whose node
// records it leaves as they are). So a version 3 store is a version 4 store without the time
// order's records (those whose order byte, after the namespace, has its high bit set): made so
// here, with enough entries in three namespaces for trees of several levels, and upgraded.
TEST(LmdbStore, UpgradesAVersionThreeStoreByBuildingTheTimeOrder) {
  TempDir dir;
  std::vector<model::NamespaceId> nss;
  std::vector<std::pair<model::D3Range, RangeSummary>> want;
  {
    auto s = LmdbStore::open(dir.path(), opts()).value();
    for (std::uint32_t b = 0; b < 300; ++b) {
      std::vector<AuthorisedEntry> batch;
      for (std::uint32_t i = 0; i < 40; ++i) {
        AuthorisedEntry ae = entry_in(b % 3, b * 40 + i);
        ae.entry.timestamp = 10 + (b * 40 + i) * 7919 % 5000;  // not in path order
        batch.push_back(ae);
      }
      ASSERT_TRUE(s->ingest_batch(batch, Trust::kAlreadyVerified));
    }
    nss = s->namespaces().value();
    ASSERT_EQ(nss.size(), 3u);
    for (model::Timestamp t : {0, 10, 2500, 4999, 5009}) {
      model::D3Range r = model::D3Range::full();
      r.times = model::TimeRange{t, t + 700};
      want.emplace_back(r, s->summarise(nss[1], r).value());
    }
  }
  std::size_t removed = 0;
  {
    osier::testing::RawLmdb raw(dir.path());
    const MDB_dbi tree = raw.db("tree");
    MDB_cursor* c = nullptr;
    ASSERT_EQ(mdb_cursor_open(raw.txn(), tree, &c), 0);
    MDB_val k{}, v{};
    int rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
    while (rc == 0) {
      if (k.mv_size > 32 && (static_cast<const std::uint8_t*>(k.mv_data)[32] & 0x80) != 0) {
        ASSERT_EQ(mdb_cursor_del(c, 0), 0);
        ++removed;
        rc = mdb_cursor_get(c, &k, &v, MDB_GET_CURRENT);
        if (rc == MDB_NOTFOUND) rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
        continue;
      }
      rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close(c);
    raw.commit();
  }
  EXPECT_GT(removed, 3u * 20);  // several levels of nodes in each namespace
  raw_format_version(dir.path(), 3);
  {
    LmdbStoreOptions ro = opts();
    ro.read_only = true;
    auto s = LmdbStore::open(dir.path(), ro);
    ASSERT_FALSE(s);
    EXPECT_NE(s.status().message().find("upgrade"), std::string::npos) << s.status().to_string();
  }
  auto s = LmdbStore::open(dir.path(), opts());
  ASSERT_TRUE(s) << s.status().to_string();
  EXPECT_EQ(raw_format_version(dir.path()), LmdbStore::kFormatVersion);
  const Status st = (*s)->check();
  EXPECT_TRUE(st) << st.to_string();
  for (const auto& [r, summary] : want) EXPECT_EQ((*s)->summarise(nss[1], r).value(), summary);
}

// A copy of tests/data/store_vN: store_v2 is a store the format-2 build (204cd4e) made with the
// CLI — two namespaces, 16 entries (one pruned pair, a tombstone), inline and file payloads;
// store_v3 is the same store upgraded by the format-3 build (762acc8, `osier store check`).
std::string copy_old_store(const TempDir& dir, std::uint32_t version) {
  const std::string to = dir.path() + "/store";
  std::filesystem::copy(std::string(OSIER_TEST_DATA_DIR "/store_v") + std::to_string(version), to,
                        std::filesystem::copy_options::recursive);
  return to;
}

class LmdbStoreUpgrade : public ::testing::TestWithParam<std::uint32_t> {};

INSTANTIATE_TEST_SUITE_P(MadeByThePreviousBuilds, LmdbStoreUpgrade, ::testing::Values(2u, 3u));

TEST_P(LmdbStoreUpgrade, UpgradesAStoreMadeByAPreviousBuild) {
  TempDir dir;
  const std::string path = copy_old_store(dir, GetParam());
  EXPECT_EQ(raw_format_version(path), GetParam());
  {
    // Reading only cannot upgrade: refused, and the store is left as it was.
    LmdbStoreOptions ro;
    ro.read_only = true;
    auto s = LmdbStore::open(path, ro);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.status().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(s.status().message().find("upgrade"), std::string::npos) << s.status().to_string();
  }
  EXPECT_EQ(raw_format_version(path), GetParam());
  LmdbStoreOptions o;  // the real authoriser: check(true) verifies every signature
  o.sync_commits = false;
  auto s = LmdbStore::open(path, o);
  ASSERT_TRUE(s) << s.status().to_string();
  EXPECT_EQ(raw_format_version(path), LmdbStore::kFormatVersion);
  Status st = (*s)->check(true);
  EXPECT_TRUE(st) << st.to_string();
  auto nss = (*s)->namespaces().value();
  ASSERT_EQ(nss.size(), 2u);
  std::uint64_t total = 0;
  for (const auto& ns : nss) {
    // The tree answers as an index built from the entries does.
    MemoryStore oracle(test_authoriser());
    std::vector<AuthorisedEntry> all;
    ASSERT_TRUE((*s)->query(ns, model::D3Range::full(), {}, [&](const LengthyAuthorisedEntry& e) {
      all.push_back(e.authorised);
      return true;
    }));
    total += all.size();
    for (const auto& ae : all) {
      auto held = (*s)->payload_state(ns, ae.entry.subspace_id, ae.entry.path).value();
      ASSERT_TRUE(held && held->complete());
      ASSERT_TRUE(oracle.ingest(ae, Trust::kAlreadyVerified));
      if (ae.entry.payload_length > 0) {
        Bytes bytes;
        ASSERT_TRUE((*s)->read_payload(ns, ae.entry.subspace_id, ae.entry.path, 0,
                                       ae.entry.payload_length, [&](ByteView b) {
                                         append(bytes, b);
                                         return Status::ok();
                                       }));
        ASSERT_TRUE(
            oracle.write_payload(ns, ae.entry.subspace_id, ae.entry.path, memory_source(bytes)));
      }
    }
    EXPECT_EQ((*s)->summarise(ns, model::D3Range::full()).value(),
              oracle.summarise(ns, model::D3Range::full()).value());
    for (model::Timestamp t : {0, 20, 25, 30, 41}) {  // answered in the time order
      model::D3Range r = model::D3Range::full();
      r.times.start = t;
      EXPECT_EQ((*s)->summarise(ns, r).value(), oracle.summarise(ns, r).value()) << t;
      r.times.end = t + 1;
      EXPECT_EQ((*s)->summarise(ns, r).value(), oracle.summarise(ns, r).value()) << t;
    }
  }
  EXPECT_EQ(total, 16u);
  // Writes go on as usual after the upgrade.
  const model::NamespaceId ns = nss[0];
  EXPECT_EQ((*s)->forget_range(ns, model::D3Range::full()).value() > 0, true);
  EXPECT_TRUE((*s)->check());
}

TEST(LmdbStore, DamagedFileIsAClearError) {
  TempDir dir;
  {
    auto s = LmdbStore::open(dir.path(), opts()).value();
    ASSERT_TRUE(s->ingest(entry_in(1, 1), Trust::kAlreadyVerified));
  }
  {
    std::fstream f(dir.path() + "/data.mdb", std::ios::in | std::ios::out | std::ios::binary);
    const std::string junk(8192, '\x5a');
    f.write(junk.data(), static_cast<std::streamsize>(junk.size()));  // both meta pages
  }
  auto s = LmdbStore::open(dir.path(), opts());
  ASSERT_FALSE(s);
  EXPECT_EQ(s.status().code(), ErrorCode::kCorrupt) << s.status().to_string();
}

TEST(LmdbStore, NotADirectoryOrMissing) {
  TempDir dir;
  std::ofstream(dir.sub("file")) << "x";
  auto s = LmdbStore::open(dir.sub("file"), opts());
  ASSERT_FALSE(s);
  LmdbStoreOptions o = opts();
  o.create_if_missing = false;
  auto m = LmdbStore::open(dir.sub("missing"), o);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.status().code(), ErrorCode::kNotFound);
}

TEST(LmdbStore, FullMapIsAClearErrorAndDamagesNothing) {
  TempDir dir;
  auto s = LmdbStore::open(dir.path(), opts(256 * 1024)).value();
  std::vector<AuthorisedEntry> acknowledged;
  Status failure;
  for (std::uint32_t b = 0; b < 1000 && failure.is_ok(); ++b) {
    std::vector<AuthorisedEntry> batch;
    for (std::uint32_t i = 0; i < 20; ++i) batch.push_back(entry_in(b % 3, b * 20 + i));
    auto r = s->ingest_batch(batch, Trust::kAlreadyVerified);
    if (r) {
      for (auto& ae : batch) acknowledged.push_back(ae);
    } else {
      failure = r.status();
    }
  }
  ASSERT_FALSE(failure.is_ok()) << "the map never filled";
  EXPECT_EQ(failure.code(), ErrorCode::kResourceExhausted) << failure.to_string();
  EXPECT_TRUE(s->check());
  for (const auto& ae : acknowledged) {
    auto got = s->get(ae.entry.namespace_id, ae.entry.subspace_id, ae.entry.path);
    ASSERT_TRUE(got && got->has_value());
  }
  // Reads keep working, and so does a reopen.
  s.reset();
  auto again = LmdbStore::open(dir.path(), opts(256 * 1024));
  ASSERT_TRUE(again);
  EXPECT_TRUE((*again)->check());
  std::uint64_t total = 0;
  const auto nss = (*again)->namespaces();
  ASSERT_TRUE(nss);
  for (const auto& ns : *nss) {
    total += (*again)->summarise(ns, model::D3Range::full())->count;
  }
  EXPECT_EQ(total, acknowledged.size());
}

TEST(LmdbStore, LargePayloadFilesAreRemovedWithTheirLastEntry) {
  TempDir dir;
  auto s = LmdbStore::open(dir.path(), opts()).value();
  Bytes payload(100000, 0x61);
  AuthorisedEntry ae = entry_in(1, 1);
  ae.entry.payload_length = payload.size();
  ae.entry.payload_digest = crypto::william3(payload);
  ASSERT_TRUE(s->ingest(ae, Trust::kAlreadyVerified));
  ASSERT_TRUE(s->write_payload(ae.entry.namespace_id, ae.entry.subspace_id, ae.entry.path,
                               memory_source(payload)));
  auto files = [&] {
    std::size_t n = 0;
    for (auto& f : std::filesystem::directory_iterator(dir.sub("payloads")))
      n += f.is_regular_file();
    return n;
  };
  EXPECT_EQ(files(), 2u);  // bytes and outboard
  AuthorisedEntry newer = ae;
  newer.entry.timestamp += 1;
  newer.entry.payload_length = 0;
  newer.entry.payload_digest = crypto::william3({});
  ASSERT_TRUE(s->ingest(newer, Trust::kAlreadyVerified));
  EXPECT_EQ(files(), 0u);
  EXPECT_TRUE(s->check());
}

// Opening or reading never deletes (another process may be between publishing a payload's
// files and committing them); the sweep, under the writer lock, removes what has no record.
TEST(LmdbStore, StrayPayloadFilesAreSweptOnlyByAWriter) {
  TempDir dir;
  { ASSERT_TRUE(LmdbStore::open(dir.path(), opts())); }
  const std::string stray = dir.sub("payloads/" + std::string(80, 'a'));
  std::ofstream(stray) << "left over";
  std::ofstream(stray + ".obao.tmp") << "left over";
  auto s = LmdbStore::open(dir.path(), opts()).value();
  ASSERT_TRUE(s->namespaces());
  EXPECT_TRUE(std::filesystem::exists(stray));
  EXPECT_EQ(s->leftovers().value().payload_files.size(), 2u);
  const Leftovers swept = s->sweep().value();
  EXPECT_EQ(swept.payload_files.size(), 2u);
  EXPECT_FALSE(std::filesystem::exists(stray));
  EXPECT_FALSE(std::filesystem::exists(stray + ".obao.tmp"));
  EXPECT_TRUE(s->leftovers().value().payload_files.empty());
}

}  // namespace
}  // namespace osier::store
