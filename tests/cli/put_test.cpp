// osier put/get against odd inputs and damaged stores (issue #10): non-regular inputs, the
// URI's digest= and slices, a stored signature damaged on disk. Runs the built binary.
#include <gtest/gtest.h>
#include <lmdb.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "support/cli_home.hpp"
#include "support/raw_lmdb.hpp"
#include "support/run_process.hpp"

namespace {

using osier::testing::ProcessResult;

using CliPut = osier::testing::CliHome;

// A FIFO (or a process substitution, /dev/stdin) cannot be read twice: it is spooled, not
// reported as "changed while it was being stored".
TEST_F(CliPut, AFifoIsSpooled) {
  const std::string fifo = dir_ + "/fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const std::string content(50000, 'f');
  std::thread writer([&] {
    std::FILE* f = std::fopen(fifo.c_str(), "wb");
    if (f) {
      std::fwrite(content.data(), 1, content.size(), f);
      std::fclose(f);
    }
  });
  const ProcessResult r = osier({"put", "willow://fam.alice/from-fifo", fifo});
  writer.join();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(osier({"cat", "willow://fam.alice/from-fifo"}).out, content);
}

TEST_F(CliPut, TheUrisDigestIsCheckedAndSlicesAndFragmentsAreRefused) {
  const ProcessResult hash = osier::testing::run_process({OSIER_BINARY, "hash", "-"}, "hello\n");
  ASSERT_EQ(hash.exit_code, 0);
  const std::string good = hash.out.substr(0, 64);
  const std::string bad = std::string(63, '0') + "1";
  EXPECT_EQ(osier({"put", "willow://fam.alice/d?digest=" + good}, "hello\n").exit_code, 0);
  const ProcessResult wrong = osier({"put", "willow://fam.alice/e?digest=" + bad}, "hello\n");
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_NE(wrong.err.find("digest"), std::string::npos) << wrong.err;
  EXPECT_NE(osier({"stat", "willow://fam.alice/e"}).exit_code, 0);  // nothing written
  const ProcessResult slice = osier({"put", "willow://fam.alice/f?from=1&to=3"}, "hello\n");
  EXPECT_NE(slice.exit_code, 0);
  EXPECT_NE(slice.err.find("from="), std::string::npos) << slice.err;
  const ProcessResult fragment = osier({"put", "willow://fam.alice/g#part"}, "hello\n");
  EXPECT_NE(fragment.exit_code, 0);
  EXPECT_NE(fragment.err.find("fragment"), std::string::npos) << fragment.err;
}

// A stored signature damaged on disk: get and cat refuse the entry, the deep check finds it.
TEST_F(CliPut, ADamagedSignatureIsFoundByGetCatAndTheDeepCheck) {
  ASSERT_EQ(osier({"put", "willow://fam.alice/x"}, "payload").exit_code, 0);
  {
    osier::testing::RawLmdb raw(home_ + "/store");
    const MDB_dbi dbi = raw.db("entries");
    MDB_cursor* cur = nullptr;
    ASSERT_EQ(mdb_cursor_open(raw.txn(), dbi, &cur), 0);
    MDB_val k{}, v{};
    ASSERT_EQ(mdb_cursor_get(cur, &k, &v, MDB_FIRST), 0);
    std::string value(static_cast<const char*>(v.mv_data), v.mv_size);
    value.back() = static_cast<char>(value.back() ^ 0x01);  // the signature's last byte
    MDB_val nv{value.size(), value.data()};
    ASSERT_EQ(mdb_cursor_put(cur, &k, &nv, MDB_CURRENT), 0);
    mdb_cursor_close(cur);
    raw.commit();
  }
  for (const auto& cmd : {"cat", "get"}) {
    const ProcessResult r = cmd == std::string("get")
                                ? osier({cmd, "willow://fam.alice/x", "-o", dir_ + "/out"})
                                : osier({cmd, "willow://fam.alice/x"});
    EXPECT_EQ(r.exit_code, 1) << cmd;
    EXPECT_TRUE(r.out.empty());
    EXPECT_NE(r.err.find("fails verification"), std::string::npos) << r.err;
  }
  EXPECT_EQ(::access((dir_ + "/out").c_str(), F_OK), -1);
  const ProcessResult deep = osier({"store", "check", "--deep"});
  EXPECT_EQ(deep.exit_code, 1);
  EXPECT_NE(deep.err.find("fails verification"), std::string::npos) << deep.err;
  // The shallow check verifies no signature, but the tree holds the entry's hash as ingested:
  // changed token bytes no longer match it.
  const ProcessResult quick = osier({"store", "check"});
  EXPECT_EQ(quick.exit_code, 1);
  EXPECT_NE(quick.err.find("differs from its entry record"), std::string::npos) << quick.err;
}

// A put at a prefix of stored entries deletes them: it needs --yes (as rm does); a put at an
// entry's own path only replaces it and needs nothing.
TEST_F(CliPut, APutThatWouldDeleteEntriesBelowItNeedsYes) {
  for (const char* p : {"n/a", "n/b", "n/c/d"})
    ASSERT_EQ(osier({"put", std::string("willow://fam.alice/") + p}, "x").exit_code, 0);
  EXPECT_EQ(osier({"put", "willow://fam.alice/n/a"}, "y").exit_code, 0);  // replaces just itself
  for (const char* uri :
       {"willow://fam.alice/n", "willow://fam.alice/n/a/..", "willow://fam.alice"}) {
    const ProcessResult r = osier({"put", uri}, "z");
    EXPECT_EQ(r.exit_code, 1) << uri;
    EXPECT_NE(r.err.find("would delete 3 entries"), std::string::npos) << r.err;
  }
  EXPECT_EQ(osier({"cat", "willow://fam.alice/n/c/d"}).out, "x");
  const ProcessResult yes = osier({"put", "willow://fam.alice/n", "--yes", "--json"}, "z");
  EXPECT_EQ(yes.exit_code, 0) << yes.err;
  EXPECT_NE(yes.out.find("\"pruned\":3"), std::string::npos) << yes.out;
}

// An empty or closed standard input used to write a tombstone.
TEST_F(CliPut, AnEmptyStandardInputIsRefusedUnlessMeant) {
  ASSERT_EQ(osier({"put", "willow://fam.alice/e"}, "keep").exit_code, 0);
  const ProcessResult r = osier({"put", "willow://fam.alice/e"}, "");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("standard input is empty"), std::string::npos) << r.err;
  osier::testing::RunOptions closed;
  closed.close_fds = {0};
  EXPECT_EQ(osier::testing::run_process(
                {OSIER_BINARY, "put", "willow://fam.alice/e", "--home", home_}, "", closed)
                .exit_code,
            1);
  EXPECT_EQ(osier({"cat", "willow://fam.alice/e"}).out, "keep");
  EXPECT_EQ(osier({"put", "willow://fam.alice/e", "--empty"}, "").exit_code, 0);
  EXPECT_EQ(osier({"cat", "willow://fam.alice/e"}).out, "");
}

}  // namespace
