// Output files, `-`, and what a drop import reports (issue #10). Runs the built binary.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "support/cli_home.hpp"
#include "support/run_process.hpp"

namespace {

using osier::testing::ProcessResult;

class CliOutput : public osier::testing::CliHome {
 protected:
  std::string read(const std::string& path) const {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  void write(const std::string& path, const std::string& text) const {
    std::ofstream(path, std::ios::binary) << text;
  }
};

TEST_F(CliOutput, ExistingOutputsAreKeptUnlessForcedAndOnlyRegularFilesAreReplaced) {
  ASSERT_EQ(osier({"put", "willow://fam.alice/a"}, "hello").exit_code, 0);
  const std::string existing = dir_ + "/existing";
  write(existing, "precious");
  for (const auto& args :
       std::vector<std::vector<std::string>>{{"drop", "export", "fam", "-o", existing},
                                             {"get", "willow://fam.alice/a", "-o", existing}}) {
    const ProcessResult r = osier(args);
    EXPECT_EQ(r.exit_code, 1) << args[0];
    EXPECT_NE(r.err.find("exists already (--force replaces it)"), std::string::npos) << r.err;
    EXPECT_EQ(read(existing), "precious");
  }
  EXPECT_EQ(osier({"get", "willow://fam.alice/a", "-o", existing, "--force"}).exit_code, 0);
  EXPECT_EQ(read(existing), "hello");
  // A symlink (its target would be written) and a FIFO (a device would be replaced) are never
  // replaced, not even with --force.
  const std::string target = dir_ + "/target", link = dir_ + "/link", fifo = dir_ + "/fifo";
  write(target, "untouched");
  ASSERT_EQ(::symlink(target.c_str(), link.c_str()), 0);
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  for (const std::string& path : {link, fifo}) {
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"drop", "export", "fam", "-o", path, "--force"},
             {"get", "willow://fam.alice/a", "-o", path, "--force"}}) {
      const ProcessResult r = osier(args);
      EXPECT_EQ(r.exit_code, 1) << path;
      EXPECT_NE(r.err.find("osier writes only regular files"), std::string::npos) << r.err;
    }
  }
  struct stat st {};
  ASSERT_EQ(::lstat(link.c_str(), &st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode));
  ASSERT_EQ(::lstat(fifo.c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  EXPECT_EQ(read(target), "untouched");
  // No temporary file is left behind by the refusals or the forced write.
  EXPECT_EQ(std::system(("test $(ls -A '" + dir_ + "' | wc -l) -eq 5").c_str()), 0);
}

TEST_F(CliOutput, DashIsStandardOutputAndStandardInputForDrops) {
  ASSERT_EQ(osier({"put", "willow://fam.alice/a"}, "hello").exit_code, 0);
  const ProcessResult exported = osier({"drop", "export", "fam", "-o", "-"});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  EXPECT_NE(exported.err.find("exported 1 entry and 1 payload"),
            std::string::npos);                          // the report goes to stderr
  EXPECT_EQ(::access((dir_ + "/-").c_str(), F_OK), -1);  // no file named "-"
  const std::string other = dir_ + "/other";
  ASSERT_EQ(osier::testing::run_process({OSIER_BINARY, "init", "--home", other}).exit_code, 0);
  const ProcessResult imported = osier({"drop", "import", "-"}, exported.out, {}, other);
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  EXPECT_EQ(osier({"ls"}, "", {}, other).out.empty(), false);
}

// A one-entry drop holding a tombstone pruned 20,000 local entries while saying "1 new".
TEST_F(CliOutput, ADropImportSaysWhatItPruned) {
  for (int i = 0; i < 5; ++i)
    ASSERT_EQ(osier({"put", "willow://fam.alice/d/" + std::to_string(i)}, "x").exit_code, 0);
  const std::string other = dir_ + "/other", first = dir_ + "/first.drop",
                    second = dir_ + "/second.drop";
  ASSERT_EQ(osier::testing::run_process({OSIER_BINARY, "init", "--home", other}).exit_code, 0);
  ASSERT_EQ(osier({"drop", "export", "fam", "-o", first}).exit_code, 0);
  ASSERT_EQ(osier({"drop", "import", first}, "", {}, other).exit_code, 0);
  ASSERT_EQ(osier({"rm", "willow://fam.alice/d", "--yes"}).exit_code, 0);
  ASSERT_EQ(osier({"drop", "export", "fam", "-o", second}).exit_code, 0);
  const ProcessResult text = osier({"drop", "import", second}, "", {}, other);
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("pruned 5 entries"), std::string::npos) << text.out;
  // Importing again prunes nothing more; --json says so with the same key as put.
  const ProcessResult json = osier({"drop", "import", second, "--json"}, "", {}, other);
  EXPECT_NE(json.out.find("\"pruned\":0"), std::string::npos) << json.out;
}

TEST_F(CliOutput, GetRefusesADerivedFileNameWithControlBytes) {
  ASSERT_EQ(osier({"put", "willow://fam.alice/%1B%5B31mred%0A"}, "x").exit_code, 0);
  const ProcessResult r = osier({"get", "willow://fam.alice/%1B%5B31mred%0A"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("give one with -o FILE"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find('\x1b'), std::string::npos);
}

}  // namespace

namespace {

// Starts `osier drop import - --home HOME` with a pipe as standard input; returns its pid and
// the pipe's write end.
pid_t start_import(const std::string& home, int& to_child) {
  int fds[2];
  if (::pipe(fds) != 0) return -1;
  std::vector<std::string> args = {OSIER_BINARY, "drop", "import", "-", "--home", home};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(fds[0], 0);
    ::close(fds[1]);
    const int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, 1);
    ::dup2(null, 2);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(fds[0]);
  to_child = fds[1];
  return pid;
}

int staging_dirs(const std::string& home) {
  const std::string cmd =
      "test -d '" + home + "/tmp' && ls -d '" + home + "/tmp'/osier-drop-* 2>/dev/null | wc -l";
  std::FILE* p = ::popen(cmd.c_str(), "r");
  int n = 0;
  if (p && std::fscanf(p, "%d", &n) != 1) n = 0;
  if (p) ::pclose(p);
  return n;
}

// Waits (bounded) until the import has made its staging directory.
bool wait_for_staging(const std::string& home) {
  for (int i = 0; i < 500; ++i) {
    if (staging_dirs(home) > 0) return true;
    ::usleep(10000);
  }
  return false;
}

// An interrupted import used to leave HOME/tmp/osier-drop-* for ever (eight kills of a 400 MiB
// import left 2.9 GB). SIGINT/SIGTERM remove it; what kill -9 leaves is reported by `store
// check` and swept by the next import — never a live import's staging.
TEST_F(CliOutput, InterruptedImportsLeaveNoStaging) {
  ASSERT_EQ(osier({"put", "willow://fam.alice/big"}, std::string(1 << 20, 'b')).exit_code, 0);
  const std::string drop_file = dir_ + "/big.drop";
  ASSERT_EQ(osier({"drop", "export", "fam", "-o", drop_file}).exit_code, 0);
  const std::string drop = read(drop_file);
  const std::string other = dir_ + "/other";
  ASSERT_EQ(osier::testing::run_process({OSIER_BINARY, "init", "--home", other}).exit_code, 0);
  for (int sig : {SIGINT, SIGTERM, SIGKILL}) {
    int to_child = -1;
    const pid_t pid = start_import(other, to_child);
    ASSERT_GT(pid, 0);
    ASSERT_EQ(::write(to_child, drop.data(), drop.size() / 2),
              static_cast<ssize_t>(drop.size() / 2));
    ASSERT_TRUE(wait_for_staging(other)) << sig;
    ::kill(pid, sig);
    int status = 0;
    ::waitpid(pid, &status, 0);
    ::close(to_child);
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == sig) << sig;
    if (sig != SIGKILL) {
      EXPECT_EQ(staging_dirs(other), 0) << "signal " << sig;
      continue;
    }
    EXPECT_EQ(staging_dirs(other), 1);
    const ProcessResult check = osier({"store", "check"}, "", {}, other);
    EXPECT_NE(check.out.find("osier-drop-"), std::string::npos) << check.out;
    // A live import's staging survives another import's sweep.
    int live_pipe = -1;
    const pid_t live = start_import(other, live_pipe);
    ASSERT_EQ(::write(live_pipe, drop.data(), drop.size() / 2),
              static_cast<ssize_t>(drop.size() / 2));
    for (int i = 0; i < 500 && staging_dirs(other) != 1; ++i)
      ::usleep(10000);  // the dead one swept
    EXPECT_EQ(staging_dirs(other), 1);
    EXPECT_EQ(osier({"drop", "import", drop_file}, "", {}, other).exit_code, 0);  // sweeps again
    EXPECT_EQ(staging_dirs(other), 1) << "the live import's staging was swept";
    ASSERT_EQ(::write(live_pipe, drop.data() + drop.size() / 2, drop.size() - drop.size() / 2),
              static_cast<ssize_t>(drop.size() - drop.size() / 2));
    ::close(live_pipe);
    ::waitpid(live, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    EXPECT_EQ(staging_dirs(other), 0);
  }
}

// A SIGINT'd `drop export` left FILE.partial. Whenever the signal lands, there is either the
// whole drop or nothing at the target, and never a temporary file.
TEST_F(CliOutput, AnInterruptedExportLeavesNoTemporaryFile) {
  ASSERT_EQ(osier({"put", "willow://fam.alice/big"}, std::string(48 << 20, 'e')).exit_code, 0);
  // A signal may come after the export finished (it then ends the process all the same): the
  // target is then the whole drop, never a part of it.
  const std::string whole = dir_ + "/whole.drop";
  ASSERT_EQ(osier({"drop", "export", "fam", "-o", whole}).exit_code, 0);
  const auto contents = [](const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  const std::string whole_bytes = contents(whole);
  int interrupted = 0;
  for (int round = 0; round < 4; ++round) {
    const std::string target = dir_ + "/out" + std::to_string(round) + ".drop";
    std::vector<std::string> args = {OSIER_BINARY, "drop", "export", "fam",
                                     "-o",         target, "--home", home_};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const pid_t pid = ::fork();
    if (pid == 0) {
      const int null = ::open("/dev/null", O_WRONLY);
      ::dup2(null, 1);
      ::dup2(null, 2);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    ::usleep(static_cast<useconds_t>(20000 + 30000 * round));
    ::kill(pid, SIGINT);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (WIFSIGNALED(status)) {
      ++interrupted;
      if (::access(target.c_str(), F_OK) == 0) {
        EXPECT_TRUE(contents(target) == whole_bytes) << "a partial drop at the target";
      }
    }
  }
  EXPECT_EQ(std::system(("ls -A '" + dir_ + "' | grep -q osier-part").c_str()) != 0, true)
      << "a temporary file was left";
  EXPECT_GT(interrupted, 0) << "no export was interrupted: the test proved nothing";
}

}  // namespace
