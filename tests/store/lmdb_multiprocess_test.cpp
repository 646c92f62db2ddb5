// Several processes writing one LmdbStore at once (issue #10): real forked processes, each with
// its own LmdbStore instance, for a bounded number of iterations; afterwards the deep check
// passes and every acknowledged write is there, byte for byte.
//
// LMDB must not be opened twice in one process, nor used across fork(): the parent opens the
// store only after its children have exited.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <thread>
#include <vector>

#include "osier/crypto/william3.hpp"
#include "store/kill_child.hpp"
#include "store/lmdb_store.hpp"
#include "store/store_factories.hpp"
#include "store/store_random.hpp"

namespace osier::store {
namespace {

using osier::testing::TempDir;

LmdbStoreOptions multiprocess_opts() {
  LmdbStoreOptions o;
  o.authoriser = testing::test_authoriser();
  o.map_size = std::uint64_t{1} << 30;
  o.sync_commits = false;  // a process crash loses nothing committed either way
  return o;
}

AuthorisedEntry multiprocess_entry_at(const std::string& path, const Bytes& payload,
                                      model::Timestamp t) {
  AuthorisedEntry ae;
  ae.entry.namespace_id = testing::test_namespace();
  ae.entry.subspace_id.fill(0x42);
  ae.entry.path = model::Path::from_strings({path}).value();
  ae.entry.timestamp = t;
  ae.entry.payload_length = payload.size();
  ae.entry.payload_digest = crypto::william3(payload);
  ae.token = {7};
  return ae;
}

// A payload source in pieces, optionally pausing between them (a slow upload or stdin).
PayloadSource pieces(const Bytes& data, std::size_t piece, std::chrono::microseconds pause = {}) {
  auto pos = std::make_shared<std::size_t>(0);
  return [&data, piece, pause, pos](MutableByteView out) -> Result<std::size_t> {
    if (pause.count() > 0) std::this_thread::sleep_for(pause);
    const std::size_t n = std::min({piece, out.size(), data.size() - *pos});
    std::copy_n(data.data() + *pos, n, out.data());
    *pos += n;
    return n;
  };
}

// Runs each of `work` in a child process of its own, all at once; each gets its index and a
// descriptor to acknowledge (testing::acknowledge) what it made durable, and must return 0 on
// success. Returns the acknowledgements of each child after all have exited.
std::vector<std::vector<std::uint32_t>> run_children(
    const std::vector<std::function<int(int)>>& work) {
  std::vector<pid_t> pids;
  std::vector<int> readers;
  for (const auto& w : work) {
    int fds[2];
    if (::pipe(fds) != 0) {
      ADD_FAILURE() << "pipe failed";
      break;
    }
    const pid_t pid = ::fork();
    if (pid == 0) {
      ::close(fds[0]);
      ::_exit(w(fds[1]));
    }
    ::close(fds[1]);
    pids.push_back(pid);
    readers.push_back(fds[0]);
  }
  // Drain the pipes while the children run, so none blocks on a full pipe.
  std::vector<std::vector<std::uint32_t>> acked(readers.size());
  std::vector<std::string> bytes(readers.size());
  for (std::size_t open = readers.size(); open > 0;) {
    std::vector<pollfd> fds;
    for (int fd : readers) fds.push_back({fd, POLLIN, 0});
    if (::poll(fds.data(), fds.size(), -1) < 0) break;
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (readers[i] < 0 || fds[i].revents == 0) continue;
      char buf[4096];
      const ssize_t n = ::read(readers[i], buf, sizeof buf);
      if (n > 0) {
        bytes[i].append(buf, static_cast<std::size_t>(n));
      } else {
        ::close(readers[i]);
        readers[i] = -1;
        --open;
      }
    }
  }
  for (std::size_t i = 0; i < pids.size(); ++i) {
    int status = 0;
    ::waitpid(pids[i], &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
        << "child " << i << " failed (" << (WIFEXITED(status) ? WEXITSTATUS(status) : -1) << ")";
    for (std::size_t off = 0; off + 4 <= bytes[i].size(); off += 4) {
      std::uint32_t v;
      std::memcpy(&v, bytes[i].data() + off, 4);
      acked[i].push_back(v);
    }
  }
  return acked;
}

// "w0-12" and the like (snprintf: GCC 12 warns falsely on chains of string +).
std::string name(char kind, std::uint32_t a, std::uint32_t b = 0) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%c%u-%u", kind, a, b);
  return buf;
}

Bytes payload_no(std::uint32_t child, std::uint32_t i) {
  return testing::random_bytes(100000 + i, child * 1000 + i);  // file payloads, all distinct
}

Bytes read_all(LmdbStore& s, const model::Entry& e) {
  Bytes out;
  EXPECT_TRUE(
      s.read_payload(e.namespace_id, e.subspace_id, e.path, 0, e.payload_length, [&](ByteView b) {
        out.insert(out.end(), b.begin(), b.end());
        return Status::ok();
      }));
  return out;
}

constexpr std::uint32_t kPuts = 40;

// Two writers of distinct paths and a third process that opens the store again and again and
// writes once each time (every new instance sweeps at its first write): nothing acknowledged
// is lost, no staged or just-published file is swept away.
TEST(LmdbMultiProcess, ConcurrentWritersAndSweepersLoseNothing) {
  TempDir dir;
  const std::string path = dir.sub("store");
  { ASSERT_TRUE(LmdbStore::open(path, multiprocess_opts())); }
  auto writer = [&](std::uint32_t child) {
    return [&, child](int ack) {
      auto s = LmdbStore::open(path, multiprocess_opts());
      if (!s) return 2;
      for (std::uint32_t i = 0; i < kPuts; ++i) {
        const Bytes payload = payload_no(child, i);
        const AuthorisedEntry ae = multiprocess_entry_at(name('w', child, i), payload, 10);
        auto r = (*s)->ingest_with_payload(ae, pieces(payload, 7000));
        if (!r || r->outcome != IngestOutcome::kInserted) return 3;
        testing::acknowledge(ack, i);
      }
      return 0;
    };
  };
  auto sweeper = [&](int) {
    for (std::uint32_t i = 0; i < kPuts; ++i) {
      auto s = LmdbStore::open(path, multiprocess_opts());
      if (!s) return 2;
      const Bytes small = testing::random_bytes(10, i);
      if (!(*s)->ingest(multiprocess_entry_at(name('s', i), small, 10))) return 3;
      if (!(*s)->query(testing::test_namespace(), model::D3Range::full(), {},
                       [](const LengthyAuthorisedEntry&) { return true; })) {
        return 4;
      }
    }
    return 0;
  };
  const auto acked = run_children({writer(0), writer(1), sweeper});
  auto s = LmdbStore::open(path, multiprocess_opts()).value();
  ASSERT_TRUE(s->check(true)) << s->check(true).to_string();
  for (std::uint32_t child = 0; child < 2; ++child) {
    EXPECT_EQ(acked[child].size(), kPuts);
    for (std::uint32_t i : acked[child]) {
      const Bytes payload = payload_no(child, i);
      const model::Entry e = multiprocess_entry_at(name('w', child, i), payload, 10).entry;
      auto got = s->get(e.namespace_id, e.subspace_id, e.path).value();
      ASSERT_TRUE(got) << "acknowledged write " << child << "/" << i << " lost";
      EXPECT_EQ(got->available, e.payload_length);
      EXPECT_EQ(read_all(*s, e), payload) << child << "/" << i;
    }
  }
  EXPECT_TRUE(s->leftovers().value().payload_files.empty());
}

// Two writers of one path: each write is decided inside its own write transaction, so the
// loser of a race is obsolete — a result, never a corrupt store or a refcount underflow.
TEST(LmdbMultiProcess, ConcurrentWritersOfOnePathKeepTheStoreConsistent) {
  TempDir dir;
  const std::string path = dir.sub("store");
  { ASSERT_TRUE(LmdbStore::open(path, multiprocess_opts())); }
  auto writer = [&](std::uint32_t child) {
    return [&, child](int ack) {
      auto s = LmdbStore::open(path, multiprocess_opts());
      if (!s) return 2;
      for (std::uint32_t i = 0; i < kPuts; ++i) {
        const Bytes payload = payload_no(child, i);
        const AuthorisedEntry ae = multiprocess_entry_at("same", payload, 1000 + 2 * i + child);
        auto r = (*s)->ingest_with_payload(ae, pieces(payload, 7000));
        if (!r) return 3;
        if (r->outcome == IngestOutcome::kRejected) return 4;
        if (r->outcome == IngestOutcome::kInserted) testing::acknowledge(ack, i);
      }
      return 0;
    };
  };
  const auto acked = run_children({writer(0), writer(1)});
  auto s = LmdbStore::open(path, multiprocess_opts()).value();
  ASSERT_TRUE(s->check(true)) << s->check(true).to_string();
  // The stored entry is the newest acknowledged one: a later write never lost to an older one.
  model::Timestamp newest = 0;
  Bytes newest_payload;
  for (std::uint32_t child = 0; child < 2; ++child) {
    for (std::uint32_t i : acked[child]) {
      if (1000 + 2 * i + child > newest) {
        newest = 1000 + 2 * i + child;
        newest_payload = payload_no(child, i);
      }
    }
  }
  ASSERT_GT(newest, 0u);
  const model::Entry want = multiprocess_entry_at("same", newest_payload, newest).entry;
  auto got = s->get(want.namespace_id, want.subspace_id, want.path).value();
  ASSERT_TRUE(got);
  EXPECT_EQ(got->authorised.entry, want);
  EXPECT_EQ(read_all(*s, want), newest_payload);
  EXPECT_EQ(s->payload_count().value(), 1u);
}

// A slow writer's staged bytes survive other processes' writes (and their sweeps) meanwhile.
TEST(LmdbMultiProcess, SlowWriterSurvivesOtherWriters) {
  TempDir dir;
  const std::string path = dir.sub("store");
  { ASSERT_TRUE(LmdbStore::open(path, multiprocess_opts())); }
  const Bytes big = testing::random_bytes(3 << 20, 5);
  auto slow = [&](int ack) {
    auto s = LmdbStore::open(path, multiprocess_opts());
    if (!s) return 2;
    auto r = (*s)->ingest_with_payload(multiprocess_entry_at("big", big, 10),
                                       pieces(big, 64 << 10, std::chrono::milliseconds(3)));
    if (!r || r->outcome != IngestOutcome::kInserted) return 3;
    testing::acknowledge(ack, 1);
    return 0;
  };
  auto others = [&](int) {
    for (std::uint32_t i = 0; i < 20; ++i) {
      auto s = LmdbStore::open(path, multiprocess_opts());
      if (!s) return 2;
      const Bytes p = payload_no(3, i);
      if (!(*s)->ingest_with_payload(multiprocess_entry_at(name('o', i), p, 10), pieces(p, 9000)))
        return 3;
    }
    return 0;
  };
  const auto acked = run_children({slow, others});
  ASSERT_EQ(acked[0].size(), 1u);
  auto s = LmdbStore::open(path, multiprocess_opts()).value();
  ASSERT_TRUE(s->check(true)) << s->check(true).to_string();
  const model::Entry e = multiprocess_entry_at("big", big, 10).entry;
  EXPECT_EQ(read_all(*s, e), big);
}

// An instance whose loaded index predates another process's commit does not decide on it: an
// entry the other process made obsolete is refused, not stored beside it.
TEST(LmdbMultiProcess, AStaleIndexIsNeverUsed) {
  TempDir dir;
  const std::string path = dir.sub("store");
  { ASSERT_TRUE(LmdbStore::open(path, multiprocess_opts())); }
  int go[2], done[2];
  ASSERT_EQ(::pipe(go), 0);
  ASSERT_EQ(::pipe(done), 0);
  const Bytes a = testing::random_bytes(100, 1);
  const Bytes b = testing::random_bytes(100, 2);
  const Bytes c = testing::random_bytes(100, 3);
  auto first = [&](int ack) {
    auto s = LmdbStore::open(path, multiprocess_opts());
    if (!s) return 2;
    if (!(*s)->ingest(multiprocess_entry_at("p", a, 10))) return 3;  // loads the namespace's index
    char x = 0;
    if (::write(go[1], &x, 1) != 1 || ::read(done[0], &x, 1) != 1)
      return 4;  // the other writes now
    auto r = (*s)->ingest(multiprocess_entry_at("p", c, 15));
    if (!r || r->outcome != IngestOutcome::kObsolete) return 5;
    testing::acknowledge(ack, 1);
    return 0;
  };
  auto second = [&](int) {
    char x = 0;
    if (::read(go[0], &x, 1) != 1) return 4;
    {
      auto s = LmdbStore::open(path, multiprocess_opts());
      if (!s) return 2;
      auto r = (*s)->ingest(multiprocess_entry_at("p", b, 20));
      if (!r || r->outcome != IngestOutcome::kInserted) return 3;
    }
    return ::write(done[1], &x, 1) == 1 ? 0 : 4;
  };
  const auto acked = run_children({first, second});
  EXPECT_EQ(acked[0].size(), 1u);
  for (int fd : {go[0], go[1], done[0], done[1]}) ::close(fd);
  auto s = LmdbStore::open(path, multiprocess_opts()).value();
  ASSERT_TRUE(s->check(true));
  const model::Entry want = multiprocess_entry_at("p", b, 20).entry;
  EXPECT_EQ(s->get(want.namespace_id, want.subspace_id, want.path).value()->authorised.entry, want);
}

// A write that turns out obsolete inside its transaction (another process stored the same
// entry, without its payload, while this one read the bytes) aborts; the index it loaded from
// that transaction saw the payload as held and must not outlive it.
TEST(LmdbMultiProcess, AnAbortedWriteLeavesNoIndexBehind) {
  TempDir dir;
  const std::string path = dir.sub("store");
  { ASSERT_TRUE(LmdbStore::open(path, multiprocess_opts())); }
  int go[2], done[2];
  ASSERT_EQ(::pipe(go), 0);
  ASSERT_EQ(::pipe(done), 0);
  const Bytes payload = payload_no(4, 0);
  const AuthorisedEntry ae = multiprocess_entry_at("same", payload, 10);
  auto writer = [&](int ack) {
    auto s = LmdbStore::open(path, multiprocess_opts());
    if (!s) return 2;
    bool first = true;
    auto inner = pieces(payload, 7000);
    const PayloadSource source = [&](MutableByteView out) -> Result<std::size_t> {
      if (first) {  // the other process stores the entry now, before this one commits
        first = false;
        char x = 0;
        if (::write(go[1], &x, 1) != 1 || ::read(done[0], &x, 1) != 1)
          return error(ErrorCode::kIo, "pipe");
      }
      return inner(out);
    };
    auto r = (*s)->ingest_with_payload(ae, source);
    if (!r || r->outcome != IngestOutcome::kObsolete) return 3;
    // What the index says must be what is on disk: the entry, with no payload byte held.
    std::uint64_t available = UINT64_MAX;
    if (!(*s)->query(testing::test_namespace(), model::D3Range::full(), {},
                     [&](const LengthyAuthorisedEntry& e) {
                       available = e.available;
                       return true;
                     })) {
      return 4;
    }
    if (available != 0) return 5;
    if (!(*s)->check()) return 6;
    testing::acknowledge(ack, 1);
    return 0;
  };
  auto other = [&](int) {
    char x = 0;
    if (::read(go[0], &x, 1) != 1) return 4;
    {
      auto s = LmdbStore::open(path, multiprocess_opts());
      if (!s) return 2;
      auto r = (*s)->ingest(ae);  // the same entry, its payload not held
      if (!r || r->outcome != IngestOutcome::kInserted) return 3;
    }
    return ::write(done[1], &x, 1) == 1 ? 0 : 4;
  };
  const auto acked = run_children({writer, other});
  EXPECT_EQ(acked[0].size(), 1u);
  for (int fd : {go[0], go[1], done[0], done[1]}) ::close(fd);
}

// A commit that writes nothing (say, a forget of an empty range) does not advance LMDB's
// transaction id: a process must not take that as "nothing changed since my last write" and number
// its next event from what it remembers, or it reuses the numbers of events another process
// committed in between (found in review: the daemon's events overwrote the CLI's).
// Another process's commits reach this process's live subscribers: by poll_events(), or before
// this instance's own next events. Before, only the committing instance delivered, so a daemon
// never saw what `osier put` wrote.
TEST(LmdbMultiProcess, OtherProcessesEventsReachLiveSubscribers) {
  TempDir dir;
  const std::string path = dir.sub("s");
  auto s = LmdbStore::open(path, multiprocess_opts()).value();
  std::vector<std::uint64_t> seqs;
  std::vector<std::string> paths;
  auto id = s->subscribe(testing::test_namespace(), model::Area::full(), std::nullopt,
                         [&](const StoreEvent& ev) {
                           seqs.push_back(ev.seq);
                           const ByteView c = ev.entry.path.components()[0];
                           paths.emplace_back(c.begin(), c.end());
                         });
  ASSERT_TRUE(id);
  const auto in_child = [&](const std::vector<std::string>& names) {
    const pid_t pid = ::fork();
    if (pid == 0) {
      auto other = LmdbStore::open(path, multiprocess_opts()).value();
      int rc = 0;
      for (const auto& n : names) {
        if (!other->ingest(multiprocess_entry_at(n, {}, 10)).is_ok()) rc = 1;
      }
      ::_exit(rc);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
  };
  ASSERT_TRUE(in_child({"c1", "c2"}));
  EXPECT_TRUE(seqs.empty());  // nothing reaches another process by itself
  ASSERT_TRUE(s->poll_events());
  EXPECT_EQ(seqs, (std::vector<std::uint64_t>{1, 2}));
  ASSERT_TRUE(s->poll_events());  // nothing new: nothing again
  EXPECT_EQ(seqs.size(), 2u);
  ASSERT_TRUE(in_child({"c3"}));
  ASSERT_TRUE(s->ingest(multiprocess_entry_at("p1", {}, 10)));  // our own commit delivers c3 first
  ASSERT_TRUE(s->poll_events());
  EXPECT_EQ(seqs, (std::vector<std::uint64_t>{1, 2, 3, 4}));
  EXPECT_EQ(paths, (std::vector<std::string>{"c1", "c2", "c3", "p1"}));
  s->unsubscribe(*id);
  // A number beyond the latest is not of this store.
  auto bad =
      s->subscribe(testing::test_namespace(), model::Area::full(), 100, [](const StoreEvent&) {});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.status().code(), ErrorCode::kInvalidArgument);
}

TEST(LmdbMultiProcess, EventNumbersStayUniqueAcrossProcessesAfterAnEmptyCommit) {
  TempDir dir;
  const std::string path = dir.sub("s");
  { auto s = LmdbStore::open(path, multiprocess_opts()).value(); }
  int a_to_b[2], b_to_a[2];
  ASSERT_EQ(::pipe(a_to_b), 0);
  ASSERT_EQ(::pipe(b_to_a), 0);
  const pid_t a = ::fork();
  if (a == 0) {
    auto s = LmdbStore::open(path, multiprocess_opts()).value();
    int rc = s->ingest(multiprocess_entry_at("a", {}, 10)).is_ok() ? 0 : 1;  // event 1
    // An obsolete entry (older, at the same path) and a forget of an empty range: neither
    // commit may write anything.
    if (!s->ingest(multiprocess_entry_at("a", {}, 5)).is_ok()) rc = 2;
    model::D3Range none = model::D3Range::full();
    none.times = {0, 1};
    if (!s->forget_range(testing::test_namespace(), none).is_ok()) rc = 2;
    char c = 1;
    if (::write(a_to_b[1], &c, 1) != 1 || ::read(b_to_a[0], &c, 1) != 1) rc = 3;
    if (!s->ingest(multiprocess_entry_at("a2", {}, 10)).is_ok()) rc = 4;  // must be event 5, not 2
    ::_exit(rc);
  }
  const pid_t b = ::fork();
  if (b == 0) {
    char c = 0;
    if (::read(a_to_b[0], &c, 1) != 1) ::_exit(1);
    int rc = 0;
    {
      auto s = LmdbStore::open(path, multiprocess_opts()).value();
      // One commit (events 2, 3, 4): the transaction id A would expect its own next write to
      // follow.
      const std::vector<AuthorisedEntry> three{multiprocess_entry_at("b1", {}, 10),
                                               multiprocess_entry_at("b2", {}, 10),
                                               multiprocess_entry_at("b3", {}, 10)};
      if (!s->ingest_batch(three).is_ok()) rc = 2;
    }
    if (::write(b_to_a[1], &c, 1) != 1) rc = 3;
    ::_exit(rc);
  }
  for (const pid_t pid : {a, b}) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << WEXITSTATUS(status);
  }
  for (int fd : {a_to_b[0], a_to_b[1], b_to_a[0], b_to_a[1]}) ::close(fd);

  auto s = LmdbStore::open(path, multiprocess_opts()).value();
  EXPECT_EQ(s->last_sequence().value(), 5u);
  std::vector<std::uint64_t> seqs;
  std::vector<std::string> paths;
  auto id =
      s->subscribe(testing::test_namespace(), model::Area::full(), 0, [&](const StoreEvent& ev) {
        seqs.push_back(ev.seq);
        const ByteView c = ev.entry.path.components()[0];
        paths.emplace_back(c.begin(), c.end());
      });
  ASSERT_TRUE(id);
  s->unsubscribe(*id);
  EXPECT_EQ(seqs, (std::vector<std::uint64_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(paths, (std::vector<std::string>{"a", "b1", "b2", "b3", "a2"}));
}

}  // namespace
}  // namespace osier::store
