// Durability under kill -9: a child process ingests at full speed and acknowledges every commit
// through a pipe; the parent kills it at random moments, reopens the store, runs check() and
// looks for every acknowledged entry (and payload).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <random>
#include <thread>

#include "osier/crypto/william3.hpp"
#include "store/kill_child.hpp"
#include "store/lmdb_store.hpp"
#include "store/store_factories.hpp"

namespace osier::store {
namespace {

using testing::TempDir;

LmdbStoreOptions durable_opts() {
  LmdbStoreOptions o;
  o.authoriser = testing::test_authoriser();
  o.map_size = std::uint64_t{1} << 30;
  o.sync_commits = true;
  return o;
}

// Entry number i: unique paths, so no acknowledged entry is ever pruned by a later one. Every
// 16th has a 20 KiB payload (a file) that the child writes after ingesting.
Bytes payload_of(std::uint32_t i) { return Bytes(20000, static_cast<std::uint8_t>(i)); }
bool has_payload(std::uint32_t i) { return i % 16 == 0; }

AuthorisedEntry entry_no(std::uint32_t i) {
  AuthorisedEntry ae;
  ae.entry.namespace_id.fill(static_cast<std::uint8_t>(0x30 + 2 * (i % 3)));
  ae.entry.subspace_id.fill(0x42);
  ae.entry.path = model::Path::from_strings({"k", std::to_string(i)}).value();
  ae.entry.timestamp = 1000 + i;
  if (has_payload(i)) {
    const Bytes p = payload_of(i);
    ae.entry.payload_length = p.size();
    ae.entry.payload_digest = crypto::william3(p);
  }
  ae.token = Bytes(64, 1);
  return ae;
}

// The child: ingest from `next` on, forever; write each acknowledged number to `fd`.
[[noreturn]] void child(const std::string& dir, std::uint32_t next, int fd) {
  auto s = LmdbStore::open(dir, durable_opts());
  if (!s) _exit(2);
  std::mt19937 rng(next);
  for (;;) {
    const std::uint32_t n = 1 + rng() % 8;
    std::vector<AuthorisedEntry> batch;
    for (std::uint32_t j = 0; j < n; ++j) batch.push_back(entry_no(next + j));
    if (!(*s)->ingest_batch(batch, Trust::kAlreadyVerified)) _exit(3);
    for (std::uint32_t j = 0; j < n; ++j) {
      const std::uint32_t i = next + j;
      if (has_payload(i)) {
        const Bytes p = payload_of(i);
        const auto& e = batch[j].entry;
        if (!(*s)->write_payload(e.namespace_id, e.subspace_id, e.path, memory_source(p))) {
          _exit(4);
        }
      }
      // Acknowledge only after the commit (and the payload) is durable.
      testing::acknowledge(fd, i);
    }
    next += n;
  }
}

TEST(LmdbCrash, KilledAtRandomMomentsLosesNothingAcknowledged) {
  TempDir dir;
  const std::string path = dir.sub("store");
  std::mt19937 rng(12345);
  std::uint32_t next = 0;
  std::vector<std::uint32_t> acked;
  const int kRounds = 60;
  // At least kRounds rounds, and more while the child got little done (a loaded machine makes
  // it slow to start): the test needs many acknowledged writes to mean something.
  for (int round = 0; round < kRounds || (acked.size() <= 60u && round < 400); ++round) {
    const std::vector<std::uint32_t> now = testing::run_then_kill(
        [&](int fd) { child(path, next, fd); }, std::chrono::microseconds(3000 + rng() % 60000));
    std::uint32_t max_seen = next;
    for (std::uint32_t i : now) max_seen = std::max(max_seen, i + 1);
    acked.insert(acked.end(), now.begin(), now.end());
    // Unacknowledged entries of the killed child may or may not be there; start past them.
    next = max_seen + 16;

    auto s = LmdbStore::open(path, durable_opts());
    ASSERT_TRUE(s) << s.status().to_string();
    Status st = (*s)->check();
    ASSERT_TRUE(st) << "round " << round << ": " << st.to_string();
    for (std::uint32_t a : acked) {
      const auto e = entry_no(a).entry;
      auto got = (*s)->get(e.namespace_id, e.subspace_id, e.path);
      ASSERT_TRUE(got && got->has_value())
          << "round " << round << ": acknowledged entry " << a << " lost";
      if (has_payload(a)) {
        auto ps = (*s)->payload_state(e.namespace_id, e.subspace_id, e.path);
        ASSERT_TRUE(ps && ps->has_value() && (*ps)->complete()) << "payload " << a << " lost";
      }
    }
  }
  EXPECT_GT(acked.size(), 60u) << "the child hardly wrote anything";
  // Spot-check payload bytes at the end.
  auto s = LmdbStore::open(path, durable_opts()).value();
  for (std::uint32_t a : acked) {
    if (!has_payload(a)) continue;
    const auto e = entry_no(a).entry;
    Bytes got;
    ASSERT_TRUE(s->read_payload(e.namespace_id, e.subspace_id, e.path, 0, e.payload_length,
                                append_to(got)));
    ASSERT_EQ(got, payload_of(a));
  }
}

}  // namespace
}  // namespace osier::store
