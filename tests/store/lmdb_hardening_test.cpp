// LmdbStore against a hostile environment (issue #10): bytes damaged on disk, read-only opens,
// and a process started with its standard descriptors closed.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "osier/base/hex.hpp"
#include "osier/crypto/william3.hpp"
#include "store/lmdb_format.hpp"
#include "store/lmdb_store.hpp"
#include "store/payload.hpp"
#include "store/store_factories.hpp"
#include "support/raw_lmdb.hpp"

namespace osier::store {
namespace {

using osier::testing::TempDir;

LmdbStoreOptions hardening_opts() {
  LmdbStoreOptions o;
  o.authoriser = testing::test_authoriser();
  o.map_size = std::uint64_t{1} << 30;
  return o;
}

AuthorisedEntry hardening_entry_at(const char* path, const Bytes& payload) {
  AuthorisedEntry ae;
  ae.entry.namespace_id = testing::test_namespace();
  ae.entry.subspace_id.fill(0x42);
  ae.entry.path = model::Path::from_strings({path}).value();
  ae.entry.timestamp = 10;
  ae.entry.payload_length = payload.size();
  ae.entry.payload_digest = crypto::william3(payload);
  ae.token = {7};
  return ae;
}

PayloadSource whole(const Bytes& data) { return memory_source(data); }

Result<Bytes> read(LmdbStore& s, const model::Entry& e, std::uint64_t offset,
                   std::uint64_t length) {
  Bytes out;
  OSIER_RETURN_IF_ERROR(
      s.read_payload(e.namespace_id, e.subspace_id, e.path, offset, length, [&](ByteView b) {
        out.insert(out.end(), b.begin(), b.end());
        return Status::ok();
      }));
  return out;
}

void flip_byte_of_file(const std::string& file, std::uint64_t offset) {
  std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(static_cast<std::streamoff>(offset));
  char c = 0;
  f.get(c);
  f.seekp(static_cast<std::streamoff>(offset));
  f.put(static_cast<char>(c ^ 0x01));
}

// Rewrites the record at `key` of database `db`, letting `change` edit its bytes.
template <typename Change>
void rewrite_record(const std::string& dir, const char* db, ByteView key, Change change) {
  osier::testing::RawLmdb raw(dir);
  const MDB_dbi dbi = raw.db(db);
  MDB_val k{key.size(), const_cast<std::uint8_t*>(key.data())};
  MDB_val v{};
  ASSERT_EQ(mdb_get(raw.txn(), dbi, &k, &v), 0);
  Bytes bytes(static_cast<const std::uint8_t*>(v.mv_data),
              static_cast<const std::uint8_t*>(v.mv_data) + v.mv_size);
  change(bytes);
  MDB_val nv{bytes.size(), bytes.data()};
  ASSERT_EQ(mdb_put(raw.txn(), dbi, &k, &nv, 0), 0);
  raw.commit();
}

TEST(LmdbHardening, BitRotInAPayloadFileFailsReadsAndTheDeepCheck) {
  TempDir dir;
  const Bytes payload = testing::random_bytes(100000, 1);
  const AuthorisedEntry ae = hardening_entry_at("big", payload);
  std::string file;
  {
    auto s = LmdbStore::open(dir.path(), hardening_opts()).value();
    ASSERT_TRUE(s->ingest_with_payload(ae, whole(payload)));
    file = s->payload_file(payload_key(ae.entry));
  }
  flip_byte_of_file(file, 50000);
  auto s = LmdbStore::open(dir.path(), hardening_opts()).value();
  const Result<Bytes> all = read(*s, ae.entry, 0, payload.size());
  ASSERT_FALSE(all);
  EXPECT_EQ(all.status().code(), ErrorCode::kCorrupt) << all.status().to_string();
  // Chunks away from the damage still verify (a slice is checked, not the whole payload).
  EXPECT_EQ(read(*s, ae.entry, 1000, 3000).value(),
            Bytes(payload.begin() + 1000, payload.begin() + 4000));
  EXPECT_TRUE(s->check(false));  // the shallow check reads no payload bytes of complete payloads
  const Status deep = s->check(true);
  EXPECT_FALSE(deep);
  EXPECT_EQ(deep.code(), ErrorCode::kCorrupt);
}

TEST(LmdbHardening, BitRotInAnOutboardFailsTheDeepCheck) {
  TempDir dir;
  const Bytes payload = testing::random_bytes(100000, 2);
  const AuthorisedEntry ae = hardening_entry_at("big", payload);
  std::string file;
  {
    auto s = LmdbStore::open(dir.path(), hardening_opts()).value();
    ASSERT_TRUE(s->ingest_with_payload(ae, whole(payload)));
    file = s->payload_file(payload_key(ae.entry)) + ".obao";
  }
  flip_byte_of_file(file, std::filesystem::file_size(file) - 1);
  auto s = LmdbStore::open(dir.path(), hardening_opts()).value();
  EXPECT_FALSE(s->check(true));
}

TEST(LmdbHardening, BitRotInAnInlinePayloadFailsReadsAndTheDeepCheck) {
  TempDir dir;
  const Bytes payload = testing::random_bytes(3000, 3);
  const AuthorisedEntry ae = hardening_entry_at("small", payload);
  {
    ASSERT_TRUE(LmdbStore::open(dir.path(), hardening_opts())
                    .value()
                    ->ingest_with_payload(ae, whole(payload)));
  }
  // The inline bytes end the payload record.
  rewrite_record(dir.path(), "payloads", payload_key(ae.entry), [](Bytes& v) { v.back() ^= 0x80; });
  auto s = LmdbStore::open(dir.path(), hardening_opts()).value();
  const Result<Bytes> all = read(*s, ae.entry, 0, payload.size());
  ASSERT_FALSE(all);
  EXPECT_EQ(all.status().code(), ErrorCode::kCorrupt);
  EXPECT_FALSE(s->check(true));
}

TEST(LmdbHardening, ADamagedTokenFailsTheDeepCheck) {
  TempDir dir;
  const Bytes payload = testing::random_bytes(10, 4);
  const AuthorisedEntry ae = hardening_entry_at("e", payload);
  {
    ASSERT_TRUE(LmdbStore::open(dir.path(), hardening_opts())
                    .value()
                    ->ingest_with_payload(ae, whole(payload)));
  }
  // The token bytes end the entry record; the test authoriser refuses tokens starting 0xff.
  const auto key =
      lmdb_format::entry_key(ae.entry.namespace_id, ae.entry.subspace_id, ae.entry.path);
  rewrite_record(dir.path(), "entries", key, [](Bytes& v) { v.back() = 0xff; });
  auto s = LmdbStore::open(dir.path(), hardening_opts()).value();
  // The tree keeps the entry's hash as it was ingested: even the quick check sees the change.
  const Status quick = s->check(false);
  EXPECT_FALSE(quick);
  EXPECT_NE(quick.message().find("differs from its entry record"), std::string::npos)
      << quick.to_string();
  const Status deep = s->check(true);
  EXPECT_FALSE(deep);
  EXPECT_NE(deep.message().find("fails verification"), std::string::npos) << deep.to_string();
}

TEST(LmdbHardening, AReadOnlyStoreReadsAndRefusesEveryWrite) {
  TempDir dir;
  const Bytes payload = testing::random_bytes(100000, 5);
  const AuthorisedEntry ae = hardening_entry_at("big", payload);
  {
    ASSERT_TRUE(LmdbStore::open(dir.path(), hardening_opts())
                    .value()
                    ->ingest_with_payload(ae, whole(payload)));
  }
  LmdbStoreOptions ro = hardening_opts();
  ro.read_only = true;
  auto s = LmdbStore::open(dir.path(), ro).value();
  EXPECT_EQ(read(*s, ae.entry, 0, payload.size()).value(), payload);
  EXPECT_TRUE(s->check(true));
  const Bytes other = testing::random_bytes(10, 6);
  EXPECT_EQ(s->ingest(hardening_entry_at("x", other)).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(s->ingest_with_payload(hardening_entry_at("y", other), whole(other)).status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(s->forget_range(ae.entry.namespace_id, model::D3Range::full()).status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_FALSE(s->sweep());
  EXPECT_TRUE(std::filesystem::is_empty(dir.sub("staging")));  // no staging area of its own
  // Nothing is created for a store that is not there.
  EXPECT_EQ(LmdbStore::open(dir.sub("absent"), ro).status().code(), ErrorCode::kNotFound);
  EXPECT_FALSE(std::filesystem::exists(dir.sub("absent")));
}

// Started with stdout and stderr closed, the store's files must not take descriptors 1 and 2:
// else a message "to stderr" overwrites the database (issue #10: "MDB_INVALID").
TEST(LmdbHardening, ClosedStandardDescriptorsNeverBecomeStoreFiles) {
  TempDir dir;
  { ASSERT_TRUE(LmdbStore::open(dir.path(), hardening_opts())); }
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(0);
    ::close(1);
    ::close(2);
    auto s = LmdbStore::open(dir.path(), hardening_opts());
    if (!s) ::_exit(2);
    const Bytes p = testing::random_bytes(10, 7);
    if (!(*s)->ingest(hardening_entry_at("e", p))) ::_exit(3);
    const char garbage[] = "osier cat: an error line written to stdout and stderr";
    for (int fd : {1, 2}) (void)!::write(fd, garbage, sizeof garbage);
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  auto s = LmdbStore::open(dir.path(), hardening_opts());
  ASSERT_TRUE(s) << s.status().to_string();
  EXPECT_TRUE((*s)->check(true));
  EXPECT_EQ((*s)->namespaces().value().size(), 1u);
}

}  // namespace
}  // namespace osier::store
