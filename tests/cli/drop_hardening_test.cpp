// Output files, `-`, and what a drop import reports (issue #10). Runs the built binary.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "support/run_process.hpp"

namespace {

using osier::testing::ProcessResult;

class CliOutput : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/osier_cli_out_XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    home_ = dir_ + "/home";
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"init"}, {"id", "new", "alice"}, {"ns", "new", "fam", "--communal"}}) {
      ASSERT_EQ(osier(args).exit_code, 0) << args[0];
    }
  }
  void TearDown() override { (void)std::system(("rm -rf '" + dir_ + "'").c_str()); }

  ProcessResult osier(std::vector<std::string> args, const std::string& input = "",
                      const std::string& home = "") const {
    args.insert(args.begin(), OSIER_BINARY);
    args.push_back("--home");
    args.push_back(home.empty() ? home_ : home);
    return osier::testing::run_process(std::move(args), input);
  }

  std::string read(const std::string& path) const {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  void write(const std::string& path, const std::string& text) const {
    std::ofstream(path, std::ios::binary) << text;
  }

  std::string dir_, home_;
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
  EXPECT_NE(exported.err.find("exported 1 entries"),
            std::string::npos);                          // the report goes to stderr
  EXPECT_EQ(::access((dir_ + "/-").c_str(), F_OK), -1);  // no file named "-"
  const std::string other = dir_ + "/other";
  ASSERT_EQ(osier::testing::run_process({OSIER_BINARY, "init", "--home", other}).exit_code, 0);
  const ProcessResult imported = osier({"drop", "import", "-"}, exported.out, other);
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  EXPECT_EQ(osier({"ls"}, "", other).out.empty(), false);
}

// A one-entry drop holding a tombstone pruned 20,000 local entries while saying "1 new".
TEST_F(CliOutput, ADropImportSaysWhatItPruned) {
  for (int i = 0; i < 5; ++i)
    ASSERT_EQ(osier({"put", "willow://fam.alice/d/" + std::to_string(i)}, "x").exit_code, 0);
  const std::string other = dir_ + "/other", first = dir_ + "/first.drop",
                    second = dir_ + "/second.drop";
  ASSERT_EQ(osier::testing::run_process({OSIER_BINARY, "init", "--home", other}).exit_code, 0);
  ASSERT_EQ(osier({"drop", "export", "fam", "-o", first}).exit_code, 0);
  ASSERT_EQ(osier({"drop", "import", first}, "", other).exit_code, 0);
  ASSERT_EQ(osier({"rm", "willow://fam.alice/d", "--yes"}).exit_code, 0);
  ASSERT_EQ(osier({"drop", "export", "fam", "-o", second}).exit_code, 0);
  const ProcessResult text = osier({"drop", "import", second}, "", other);
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("pruned 5 entries"), std::string::npos) << text.out;
  // Importing again prunes nothing more; --json says so with the same key as put.
  const ProcessResult json = osier({"drop", "import", second, "--json"}, "", other);
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
