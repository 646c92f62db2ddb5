// Several osier processes on one home at once (issue #10): real binaries, run concurrently from
// threads for a bounded number of iterations; afterwards `osier store check --deep` passes and
// every put that reported success is there, byte for byte.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "support/cli_home.hpp"
#include "support/run_process.hpp"

namespace {

using osier::testing::ProcessResult;

constexpr int kPuts = 20;

class CliMultiProcess : public osier::testing::CliHome {
 protected:
  // A 100 KB file (a payload file beside LMDB, not inline) of its own per (writer, i).
  std::string payload_file(int writer, int i, std::string& content) const {
    std::mt19937 rng(static_cast<unsigned>(writer * 1000 + i));
    content.resize(100000);
    for (char& c : content) c = static_cast<char>(rng());
    char name[32];
    std::snprintf(name, sizeof name, "/p%d_%d", writer, i);
    const std::string path = dir_ + name;
    std::FILE* f = std::fopen(path.c_str(), "wb");
    std::fwrite(content.data(), 1, content.size(), f);
    std::fclose(f);
    return path;
  }
};

// willow://fam.alice/<kind><w>_<i> (snprintf: GCC 12 warns falsely on chains of string +).
std::string uri(const char* kind, int w = 0, int i = 0) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "willow://fam.alice/%s%d_%d", kind, w, i);
  return buf;
}

// Two loops of puts to distinct paths beside a loop of readers (ls, store check, which used to
// sweep payload files at open): every acknowledged put is kept.
TEST_F(CliMultiProcess, ParallelPutsAndReadersLoseNothing) {
  std::vector<std::vector<std::string>> contents(2, std::vector<std::string>(kPuts));
  std::vector<std::vector<ProcessResult>> results(2, std::vector<ProcessResult>(kPuts));
  std::vector<std::thread> threads;
  for (int w = 0; w < 2; ++w) {
    threads.emplace_back([&, w] {
      for (int i = 0; i < kPuts; ++i) {
        const std::string file = payload_file(w, i, contents[w][i]);
        results[w][i] = osier({"put", uri("w", w, i), file});
      }
    });
  }
  threads.emplace_back([&] {
    for (int i = 0; i < kPuts; ++i) {
      EXPECT_EQ(osier({"ls"}).exit_code, 0);
      EXPECT_EQ(osier({"store", "check"}).exit_code, 0);
    }
  });
  for (auto& t : threads) t.join();
  const ProcessResult check = osier({"store", "check", "--deep"});
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  for (int w = 0; w < 2; ++w) {
    for (int i = 0; i < kPuts; ++i) {
      ASSERT_EQ(results[w][i].exit_code, 0) << results[w][i].err;  // no put may fail here
      const ProcessResult cat = osier({"cat", uri("w", w, i)});
      EXPECT_EQ(cat.exit_code, 0) << cat.err;
      EXPECT_TRUE(cat.out == contents[w][i])
          << "acknowledged put " << w << "/" << i << " lost or damaged";
    }
  }
}

// Two loops of puts to one path: no refcount underflow, no corrupt store, every put succeeds
// (no --time: the loser of a race retries later), and what is stored was acknowledged.
TEST_F(CliMultiProcess, ParallelPutsToOnePathKeepTheStoreConsistent) {
  std::vector<std::vector<std::string>> contents(2, std::vector<std::string>(kPuts));
  std::vector<std::vector<ProcessResult>> results(2, std::vector<ProcessResult>(kPuts));
  std::vector<std::thread> threads;
  for (int w = 0; w < 2; ++w) {
    threads.emplace_back([&, w] {
      for (int i = 0; i < kPuts; ++i) {
        const std::string file = payload_file(w, i, contents[w][i]);
        results[w][i] = osier({"put", uri("same"), file});
      }
    });
  }
  for (auto& t : threads) t.join();
  const ProcessResult check = osier({"store", "check", "--deep"});
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  const ProcessResult cat = osier({"cat", uri("same")});
  ASSERT_EQ(cat.exit_code, 0) << cat.err;
  bool stored_was_acknowledged = false;
  for (int w = 0; w < 2; ++w) {
    for (int i = 0; i < kPuts; ++i) {
      const ProcessResult& r = results[w][i];
      // Without --time, a put that loses a race signs again with a later timestamp.
      EXPECT_EQ(r.exit_code, 0) << r.err;
      EXPECT_EQ(r.err.find("reference count"), std::string::npos) << r.err;
      EXPECT_EQ(r.err.find("corrupt"), std::string::npos) << r.err;
      if (r.exit_code == 0 && cat.out == contents[w][i]) stored_was_acknowledged = true;
    }
  }
  EXPECT_TRUE(stored_was_acknowledged);
}

// Eight `osier id new` and eight `osier ns new` at once: the alias table is rewritten whole, and
// each used to drop the names the others added (their key files orphaned).
TEST_F(CliMultiProcess, ConcurrentNameChangesKeepEveryName) {
  std::vector<std::thread> threads;
  std::vector<ProcessResult> results(16);
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] { results[i] = osier({"id", "new", "who" + std::to_string(i)}); });
    threads.emplace_back([&, i] {
      results[8 + i] = osier({"ns", "new", "space" + std::to_string(i), "--owned"});
    });
  }
  for (auto& t : threads) t.join();
  for (const ProcessResult& r : results) EXPECT_EQ(r.exit_code, 0) << r.err;
  const ProcessResult ids = osier({"id", "list"});
  const ProcessResult spaces = osier({"ns", "list"});
  for (int i = 0; i < 8; ++i) {
    const std::string who = "who" + std::to_string(i);
    EXPECT_NE(ids.out.find(who), std::string::npos) << ids.out;
    const ProcessResult exported = osier({"id", "export", who});  // its key file matches its id
    EXPECT_EQ(exported.exit_code, 0) << exported.err;
    EXPECT_NE(spaces.out.find("space" + std::to_string(i)), std::string::npos) << spaces.out;
  }
}

}  // namespace
