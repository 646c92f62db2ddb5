// The CLI against a hostile environment (issue #10): closed standard descriptors, output that
// cannot be written, argument mistakes. Runs the built binary.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "support/cli_home.hpp"
#include "support/run_process.hpp"

namespace {

using osier::testing::ProcessResult;
using osier::testing::RunOptions;

class CliHardening : public osier::testing::CliHome {
 protected:
  // Without --home (for argument tests).
  static ProcessResult bare(std::vector<std::string> args) {
    args.insert(args.begin(), OSIER_BINARY);
    return osier::testing::run_process(std::move(args));
  }
  void put_many(int n, std::size_t name_length = 0) const {
    const std::string padding(name_length, 'n');
    for (int i = 0; i < n; ++i) {
      ASSERT_EQ(
          osier({"put", "willow://fam.alice/file" + std::to_string(i) + padding}, "x").exit_code,
          0);
    }
  }
  // Enough for `ls` to print more than stdio's buffer, with few processes (each is slow under
  // the sanitizers): 12 entries of 1000-byte names.
  void put_more_than_a_buffer() const {
    put_many(12, 1000);
    ASSERT_GT(osier({"ls"}).out.size(), std::size_t{BUFSIZ}) << "ls must not fit stdio's buffer";
  }
  void expect_store_intact(int entries) const {
    const ProcessResult check = osier({"store", "check", "--deep"});
    EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
    const ProcessResult ls = osier({"ls"});
    EXPECT_EQ(ls.exit_code, 0) << ls.err;
    EXPECT_EQ(std::count(ls.out.begin(), ls.out.end(), '\n'), entries) << ls.out;
  }
};

int lines(const std::string& s) { return static_cast<int>(std::count(s.begin(), s.end(), '\n')); }

// With 0, 1 or 2 closed, LMDB's files took those numbers and osier's output overwrote the
// database ("MDB_INVALID": the whole store lost).
TEST_F(CliHardening, ClosedStandardDescriptorsNeverReachTheStore) {
  put_many(3);
  RunOptions no_stderr;
  no_stderr.close_fds = {0, 2};
  EXPECT_NE(osier({"cat", "willow://fam.alice/missing"}, "", no_stderr).exit_code, 0);
  RunOptions no_stdout;
  no_stdout.close_fds = {1};
  (void)osier({"cat", "willow://fam.alice/file1"}, "", no_stdout);
  RunOptions none;
  none.close_fds = {0, 1, 2};
  (void)osier({"ls"}, "", none);
  (void)osier({"put", "willow://fam.alice/missing-too", "/nonexistent"}, "", none);
  expect_store_intact(3);
}

// Output to a full disk: one line and exit 1, whether the output is large (written while the
// command runs) or small (written at the final flush: a key backup must not "succeed").
TEST_F(CliHardening, AFullDiskOnStandardOutputIsAnError) {
  put_more_than_a_buffer();
  RunOptions full;
  full.stdout_file = "/dev/full";
  for (const auto& args :
       std::vector<std::vector<std::string>>{{"ls"}, {"id", "export", "alice"}, {"ns", "list"}}) {
    const ProcessResult r = osier(args, "", full);
    EXPECT_EQ(r.exit_code, 1) << args[0] << ": " << r.err;
    EXPECT_EQ(lines(r.err), 1) << r.err;
    EXPECT_NE(r.err.find("cannot write standard output"), std::string::npos) << r.err;
  }
}

// `(trap '' PIPE; osier ls | head -1)` aborted with an uncaught exception (exit 134).
TEST_F(CliHardening, AClosedPipeWithSigpipeIgnoredIsOneLine) {
  put_more_than_a_buffer();
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  char err_name[] = "/tmp/osier_cli_err_XXXXXX";
  const int err_fd = ::mkstemp(err_name);
  ASSERT_GE(err_fd, 0);
  std::vector<std::string> args = {OSIER_BINARY, "ls", "--home", home_};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(fds[1], 1);
    ::dup2(err_fd, 2);
    ::close(fds[0]);
    ::signal(SIGPIPE, SIG_IGN);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(fds[0]);  // nobody reads: every write fails with EPIPE
  ::close(fds[1]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 1);
  ::lseek(err_fd, 0, SEEK_SET);
  const std::string err = osier::testing::detail::read_all(err_fd);
  ::close(err_fd);
  ::unlink(err_name);
  EXPECT_EQ(lines(err), 1) << err;
  EXPECT_NE(err.find("osier ls: cannot write standard output"), std::string::npos) << err;
}

TEST_F(CliHardening, ArgumentMistakesAreOneLineWithExitTwo) {
  struct Case {
    std::vector<std::string> args;
    std::string needle;
  };
  for (const Case& c : std::vector<Case>{{{"frobnicate"}, "unknown command 'frobnicate'"},
                                         {{}, "a command is required"},
                                         {{"ls", "--bogus"}, "osier ls: "},
                                         {{"id", "new"}, "osier id new: "},
                                         {{"ls", "--home", ""}, "--home must name a directory"}}) {
    const ProcessResult r = bare(c.args);
    EXPECT_EQ(r.exit_code, 2) << c.needle << ": " << r.err;
    EXPECT_EQ(lines(r.err), 1) << r.err;
    EXPECT_NE(r.err.find(c.needle), std::string::npos) << r.err;
  }
  EXPECT_EQ(bare({"--help"}).exit_code, 0);
  EXPECT_EQ(bare({"ls", "--help"}).exit_code, 0);
}

TEST_F(CliHardening, GlobalOptionsMayStandBeforeTheCommand) {
  put_many(1);
  const ProcessResult r = bare({"--home", home_, "--json", "ls"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.substr(0, 1), "{") << r.out;
}

TEST_F(CliHardening, AnEmptyOsierHomeIsAnError) {
  ::setenv("OSIER_HOME", "", 1);
  const ProcessResult r = bare({"ls"});
  ::unsetenv("OSIER_HOME");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("OSIER_HOME is set but empty"), std::string::npos) << r.err;
}

// An identity first known by its id alone (`id add`) can receive its secret key later.
TEST_F(CliHardening, IdImportUpgradesAnIdOnlyIdentity) {
  const ProcessResult seed = osier({"id", "export", "alice"});
  ASSERT_EQ(seed.exit_code, 0);
  const ProcessResult list = osier({"id", "list", "--json"});
  const std::size_t at = list.out.find("\"id\":\"");
  ASSERT_NE(at, std::string::npos) << list.out;
  const std::string id = list.out.substr(at + 6, 64);
  const std::string other = dir_ + "/other";
  ASSERT_EQ(osier::testing::run_process({OSIER_BINARY, "init", "--home", other}).exit_code, 0);
  ASSERT_EQ(
      osier::testing::run_process({OSIER_BINARY, "id", "add", "al", id, "--home", other}).exit_code,
      0);
  const ProcessResult imported =
      osier::testing::run_process({OSIER_BINARY, "id", "import", "al", "--home", other}, seed.out);
  EXPECT_EQ(imported.exit_code, 0) << imported.err;
  const ProcessResult after =
      osier::testing::run_process({OSIER_BINARY, "id", "list", "--home", other});
  EXPECT_NE(after.out.find("secret key held"), std::string::npos) << after.out;
  // Under another name it is still refused: one identity, one name.
  const ProcessResult again =
      osier::testing::run_process({OSIER_BINARY, "id", "import", "al2", "--home", other}, seed.out);
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("known already as 'al'"), std::string::npos) << again.err;
}

// `rm` where nothing is stored wrote a tombstone anyway; tombstones were listed as 0-byte files.
TEST_F(CliHardening, RmOfNothingWritesNothingAndTombstonesAreMarked) {
  const ProcessResult nothing = osier({"rm", "willow://fam.alice/none", "--yes"});
  EXPECT_EQ(nothing.exit_code, 0) << nothing.err;
  EXPECT_NE(nothing.out.find("nothing to delete"), std::string::npos) << nothing.out;
  EXPECT_EQ(osier({"ls"}).out, "");
  EXPECT_EQ(osier({"rm", "willow://fam.alice/none", "--yes", "--force"}).exit_code, 0);
  const ProcessResult ls = osier({"ls"});
  EXPECT_NE(ls.out.find("(tombstone)"), std::string::npos) << ls.out;
  EXPECT_NE(osier({"ls", "--json"}).out.find("\"tombstone\":true"), std::string::npos);
}

// A namespace that only holds entries (no alias: it came in a drop) is listed by its id.
TEST_F(CliHardening, NsListShowsNamespacesWithoutAnAlias) {
  ASSERT_EQ(osier({"put", "willow://fam.alice/x"}, "x").exit_code, 0);
  const std::string drop = dir_ + "/fam.drop";
  ASSERT_EQ(osier({"drop", "export", "fam", "-o", drop}).exit_code, 0);
  const std::string other = dir_ + "/other";
  ASSERT_EQ(osier::testing::run_process({OSIER_BINARY, "init", "--home", other}).exit_code, 0);
  ASSERT_EQ(osier::testing::run_process({OSIER_BINARY, "drop", "import", drop, "--home", other})
                .exit_code,
            0);
  const ProcessResult list =
      osier::testing::run_process({OSIER_BINARY, "ns", "list", "--home", other});
  EXPECT_NE(list.out.find("(no alias)"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("1 entry"), std::string::npos) << list.out;
  const ProcessResult json =
      osier::testing::run_process({OSIER_BINARY, "ns", "list", "--json", "--home", other});
  EXPECT_NE(json.out.find("\"id\":\"+"), std::string::npos) << json.out;  // signed: communal
}

// --time -1 became 2^64-1 (an entry nothing can ever replace), 2^64 was clamped, 0x10 was 16,
// '' was now, --limit -1 was unlimited.
TEST_F(CliHardening, NumbersAreParsedStrictly) {
  for (const char* t : {"-1", "18446744073709551616", "0x10", "", "+5", "1e3", " 7"}) {
    const ProcessResult r = osier({"put", "willow://fam.alice/t", "--time", t}, "x");
    EXPECT_EQ(r.exit_code, 2) << "'" << t << "': " << r.err;
    EXPECT_EQ(lines(r.err), 1) << r.err;
  }
  EXPECT_EQ(osier({"ls"}).out, "");  // nothing written
  for (const char* l : {"-1", "0", "x"}) EXPECT_EQ(osier({"ls", "--limit", l}).exit_code, 2) << l;
  const ProcessResult future =
      osier({"put", "willow://fam.alice/t", "--time", "18446744073709551615"}, "x");
  EXPECT_EQ(future.exit_code, 0) << future.err;
  EXPECT_NE(future.err.find("more than a day in the future"), std::string::npos) << future.err;
}

// A secret key file others can read was used silently; now it is refused (as ssh refuses).
TEST_F(CliHardening, SeedsReadableByOthersAreRefused) {
  const std::string seed = home_ + "/keys/identity-alice.seed";
  ASSERT_EQ(::chmod(seed.c_str(), 0644), 0);
  const ProcessResult r = osier({"put", "willow://fam.alice/x"}, "x");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("chmod 600"), std::string::npos) << r.err;
  ASSERT_EQ(::chmod(seed.c_str(), 0600), 0);
  EXPECT_EQ(osier({"put", "willow://fam.alice/x"}, "x").exit_code, 0);
}

// There was no way to remove an identity, a namespace name or a capability.
TEST_F(CliHardening, IdNsAndCapRemovalAskFirst) {
  ASSERT_EQ(osier({"ns", "new", "club", "--owned"}).exit_code, 0);
  const ProcessResult cap =
      osier({"cap", "new", "--ns", "club", "--mode", "write", "--as", "alice", "--json"});
  ASSERT_EQ(cap.exit_code, 0) << cap.err;
  const std::size_t at = cap.out.find("\"id\":\"");
  ASSERT_NE(at, std::string::npos) << cap.out;
  const std::string cap_id = cap.out.substr(at + 6, 16);
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"cap", "rm", cap_id}, {"ns", "rm", "club"}, {"id", "rm", "alice"}}) {
    const ProcessResult asked = osier(args);  // standard input is no terminal: --yes needed
    EXPECT_EQ(asked.exit_code, 1) << args[0];
    EXPECT_NE(asked.err.find("pass --yes"), std::string::npos) << asked.err;
  }
  EXPECT_NE(osier({"id", "rm", "alice"}).err.find("SECRET KEY"), std::string::npos);
  for (const auto& args : std::vector<std::vector<std::string>>{{"cap", "rm", cap_id, "--yes"},
                                                                {"ns", "rm", "club", "--yes"},
                                                                {"id", "rm", "alice", "--yes"}}) {
    const ProcessResult r = osier(args);
    EXPECT_EQ(r.exit_code, 0) << args[0] << ": " << r.err;
  }
  EXPECT_EQ(osier({"id", "list"}).out.find("alice"), std::string::npos);
  EXPECT_EQ(::access((home_ + "/keys/identity-alice.seed").c_str(), F_OK), -1);
  EXPECT_EQ(osier({"cap", "list"}).out.find(cap_id), std::string::npos);
  EXPECT_EQ(osier({"ns", "list"}).out.find("club"), std::string::npos);
}

// Read-only homes (backups, read-only media) could not be read at all, and `init` changed
// directory modes before failing. Needs a read-only bind mount (a mount namespace); skipped
// where that is not allowed.
TEST_F(CliHardening, AReadOnlyHomeCanBeReadAndIsNeverChanged) {
  ASSERT_EQ(osier({"put", "willow://fam.alice/a"}, "hello").exit_code, 0);
  ASSERT_EQ(::chmod((home_ + "/caps").c_str(), 0750), 0);  // init would set 0755
  ASSERT_EQ(::rmdir((home_ + "/tmp").c_str()), 0);         // so init has something to make
  const std::string o = std::string(OSIER_BINARY) + " --home '" + home_ + "' ";
  const std::string script = "mount --bind '" + home_ + "' '" + home_ +
                             "' && mount -o remount,bind,ro '" + home_ + "' || exit 99; " + o +
                             "ls >/dev/null; echo ls=$?; " + o +
                             "cat willow://fam.alice/a; echo; echo cat=$?; " + o +
                             "store check --deep >/dev/null; echo check=$?; " + o +
                             "init >/dev/null 2>&1; echo init=$?; echo x | " + o +
                             "put willow://fam.alice/b >/dev/null 2>&1; echo put=$?";
  const ProcessResult r =
      osier::testing::run_process({"/usr/bin/unshare", "-m", "/bin/sh", "-c", script});
  if (r.exit_code == 99 || r.out.empty()) GTEST_SKIP() << "no read-only bind mount here: " << r.err;
  EXPECT_NE(r.out.find("hello"), std::string::npos) << r.out << r.err;
  for (const char* want : {"ls=0", "cat=0", "check=0", "init=1", "put=1"}) {
    EXPECT_NE(r.out.find(want), std::string::npos) << want << "\n" << r.out << r.err;
  }
  struct stat st {};
  ASSERT_EQ(::stat((home_ + "/caps").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0750u) << "init changed a mode before failing";
}

// An owned namespace id written with its sign and a first digit a-f (`-a000...`) was taken for
// options; a wrong sign was accepted silently.
TEST_F(CliHardening, SignedNamespaceIdsAreArgumentsAndTheirSignIsChecked) {
  std::string id;  // an owned namespace's signed id starting "-a".."-f"
  for (int i = 0; i < 40 && id.empty(); ++i) {
    char name[16];
    std::snprintf(name, sizeof name, "o%d", i);
    const ProcessResult r = osier({"ns", "new", name, "--owned", "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const std::size_t at = r.out.find("\"id\":\"");
    const char first = r.out[at + 6];
    if (first >= 'a' && first <= 'f') {
      id = r.out.substr(at + 5, 65);  // the quote, then the 64 digits
      id[0] = '-';
    }
  }
  ASSERT_FALSE(id.empty());
  for (const auto& args :
       std::vector<std::vector<std::string>>{{"ls", id},
                                             {"ls", id, "--limit", "1"},
                                             {"ns", "add", "again", id},
                                             {"drop", "export", id, "-o", "-"}}) {
    const ProcessResult r = osier(args);
    EXPECT_TRUE(r.exit_code == 0 || r.err.find("known already") != std::string::npos)
        << args[0] << ": " << r.err;
    EXPECT_EQ(r.err.find("not expected"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("is required"), std::string::npos) << r.err;
  }
  std::string plus = id;
  plus[0] = '+';
  const ProcessResult wrong = osier({"ls", plus});
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_NE(wrong.err.find("says communal"), std::string::npos) << wrong.err;
}

// The missing-capability hint failed when copied in a home with several identities.
TEST_F(CliHardening, TheMissingCapabilityHintWorksAsCopied) {
  ASSERT_EQ(osier({"id", "new", "bob"}).exit_code, 0);
  ASSERT_EQ(osier({"ns", "new", "club", "--owned"}).exit_code, 0);
  const ProcessResult failed = osier({"put", "willow://club.bob/x"}, "x");
  ASSERT_EQ(failed.exit_code, 1);
  const std::size_t from = failed.err.find("`osier ");
  ASSERT_NE(from, std::string::npos) << failed.err;
  const std::string hint = failed.err.substr(from + 7, failed.err.find('`', from + 1) - from - 7);
  EXPECT_NE(hint.find("--as bob"), std::string::npos) << hint;
  std::vector<std::string> args;
  for (std::size_t at = 0; at < hint.size();) {
    const std::size_t end = std::min(hint.find(' ', at), hint.size());
    args.push_back(hint.substr(at, end - at));
    at = end + 1;
  }
  EXPECT_EQ(osier(args).exit_code, 0) << hint;
  EXPECT_EQ(osier({"put", "willow://club.bob/x"}, "x").exit_code, 0);
}

// Messages echoed 4 KB URIs in full, and control bytes of someone else's path reached the
// terminal (escape injection).
TEST_F(CliHardening, MessagesAreShortOneLinersWithoutControlBytes) {
  const ProcessResult long_uri =
      osier({"cat", "willow://fam.alice/" + std::string(4000, 'a') + "/%ZZ"});
  EXPECT_EQ(long_uri.exit_code, 1);
  EXPECT_LT(long_uri.err.size(), 1200u) << long_uri.err.size();
  EXPECT_EQ(lines(long_uri.err), 1);
  const ProcessResult escape = osier({"cat", "willow://fam.alice/\x1b[31mred\n"});
  EXPECT_EQ(lines(escape.err), 1) << escape.err;
  EXPECT_EQ(escape.err.find('\x1b'), std::string::npos) << escape.err;
  ASSERT_EQ(osier({"put", "willow://fam.alice/%1B%5B31mred"}, "x").exit_code, 0);
  const ProcessResult missing = osier({"cat", "willow://fam.alice/%1B%5B31mred/below"});
  EXPECT_EQ(missing.err.find('\x1b'), std::string::npos) << missing.err;
}

// Smaller message issues of the review.
TEST_F(CliHardening, SmallerMessagesSayWhatIsWrong) {
  EXPECT_NE(osier({"ns", "new", "x", "--communal", "--owned"}).err.find("not both"),
            std::string::npos);
  EXPECT_NE(osier({"cap", "import"}, "").err.find("no capability given"), std::string::npos);
  ASSERT_EQ(osier({"id", "new", "bob"}).exit_code, 0);
  ASSERT_EQ(osier({"ns", "new", "club", "--owned"}).exit_code, 0);
  const ProcessResult cap =
      osier({"cap", "new", "--ns", "club", "--mode", "write", "--as", "alice", "--json"});
  const std::string id = cap.out.substr(cap.out.find("\"id\":\"") + 6, 16);
  // --mode is the capability's by default; an area of interest's count is no part of a grant.
  EXPECT_EQ(osier({"cap", "delegate", id, "--to", "bob"}).exit_code, 0);
  const ProcessResult count =
      osier({"cap", "delegate", id, "--to", "bob", "--area", "willow://club.alice/?area&count=3"});
  EXPECT_EQ(count.exit_code, 1);
  EXPECT_NE(count.err.find("count= and size= do not apply"), std::string::npos) << count.err;
  ASSERT_EQ(osier({"put", "willow://fam.alice/one"}, "x").exit_code, 0);
  const std::string drop = dir_ + "/one.drop";
  const ProcessResult exported = osier({"drop", "export", "fam", "-o", drop});
  EXPECT_NE(exported.out.find("exported 1 entry and 1 payload "), std::string::npos)
      << exported.out;
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"ls", "willow://fam.alice/?area&from=5&to=3"},
           {"drop", "export", "willow://fam.alice/?area&from=5&to=5", "-o",
            dir_ + "/empty.drop"}}) {
    const ProcessResult r = osier(args);
    EXPECT_EQ(r.exit_code, 1) << args[0];
    EXPECT_NE(r.err.find("time range is empty"), std::string::npos) << r.err;
  }
}

}  // namespace
