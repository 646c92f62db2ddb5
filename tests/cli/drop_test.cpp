// `osier drop export|import` end to end with the built binary (OSIER_BINARY) and two homes.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "support/run_process.hpp"

namespace {

using CliRun = osier::testing::ProcessResult;

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

class CliDrop : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "osier-clidrop-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  CliRun osier(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {OSIER_BINARY};
    argv.insert(argv.end(), args.begin(), args.end());
    return osier::testing::run_process(std::move(argv));
  }
  CliRun ok(const std::vector<std::string>& args) {
    CliRun r = osier(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r;
  }
  std::string path(const std::string& name) const { return dir_ + "/" + name; }

  // A home with a communal namespace `fam` holding a small and a 2 MiB entry.
  void make_source_home() {
    ok({"init", "--home", path("a")});
    ok({"id", "new", "alfie", "--home", path("a")});
    ok({"ns", "new", "fam", "--communal", "--home", path("a")});
    {
      std::ofstream(path("small.txt")) << "hello drop\n";
      std::ofstream big(path("big.bin"), std::ios::binary);
      for (std::uint32_t i = 0; i < (std::uint32_t{2} << 20); ++i) {
        big.put(static_cast<char>((i * 7919u) >> 3));
      }
    }
    ok({"put", "willow://fam.alfie/notes/hello", path("small.txt"), "--home", path("a")});
    ok({"put", "willow://fam.alfie/media/big", path("big.bin"), "--home", path("a")});
  }
  // Entries of a home as ls --json lines, without the alias-dependent fields.
  std::string listing(const std::string& home, const std::string& ns) {
    CliRun r = ok({"ls", ns, "--json", "--home", home});
    std::string out;
    std::size_t start = 0;
    while (start < r.out.size()) {
      std::size_t end = r.out.find('\n', start);
      if (end == std::string::npos) end = r.out.size();
      std::string line = r.out.substr(start, end - start);
      for (const char* key : {"\"name\":", "\"uri\":"}) {
        const std::size_t k = line.find(key);
        if (k == std::string::npos) continue;
        const std::size_t v_end = line.find('"', line.find('"', k + std::strlen(key)) + 1);
        line.erase(k, v_end + 1 - k);
      }
      out += line + "\n";
      start = end + 1;
    }
    return out;
  }
  std::string namespace_id() {
    CliRun r = ok({"ls", "fam", "--json", "--home", path("a")});
    const std::size_t k = r.out.find("\"namespace_id\":\"");
    EXPECT_NE(k, std::string::npos);
    return r.out.substr(k + 16, 64);
  }

  std::string dir_;
};

TEST_F(CliDrop, ExportImportGivesTheSameEntriesAndDigests) {
  make_source_home();
  CliRun ex = ok({"drop", "export", "fam", "-o", path("fam.drop"), "--home", path("a")});
  EXPECT_NE(ex.out.find("exported 2 entries and 2 payloads"), std::string::npos) << ex.out;
  EXPECT_EQ(ex.err, "");  // quiet when stderr is not a terminal

  ok({"init", "--home", path("b")});
  CliRun im = ok({"drop", "import", path("fam.drop"), "--home", path("b")});
  EXPECT_NE(im.out.find("imported 2 entries (2 new"), std::string::npos) << im.out;
  const std::string ns = namespace_id();
  const std::string a = listing(path("a"), "fam");
  EXPECT_NE(a.find("payload_digest"), std::string::npos);
  EXPECT_EQ(listing(path("b"), ns), a);

  // Again: nothing new.
  CliRun again = ok({"drop", "import", path("fam.drop"), "--home", path("b"), "--json"});
  EXPECT_NE(again.out.find("\"inserted\":0"), std::string::npos) << again.out;
  EXPECT_EQ(listing(path("b"), ns), a);
}

TEST_F(CliDrop, AreaUriExportsOnlyTheArea) {
  make_source_home();
  ok({"drop", "export", "willow://fam.alfie/notes?area", "-o", path("notes.drop"), "--home",
      path("a")});
  ok({"init", "--home", path("b")});
  CliRun im = ok({"drop", "import", path("notes.drop"), "--home", path("b"), "--json"});
  EXPECT_NE(im.out.find("\"entries\":1"), std::string::npos) << im.out;
}

TEST_F(CliDrop, CorruptOrTruncatedDropIsRefusedAndChangesNothing) {
  make_source_home();
  ok({"drop", "export", "fam", "-o", path("fam.drop"), "--home", path("a")});
  const std::string drop = slurp(path("fam.drop"));
  ok({"init", "--home", path("b")});
  const std::string ns = namespace_id();
  const std::string empty = ok({"ls", "--json", "--home", path("b")}).out;

  std::vector<std::string> bad_drops;
  for (std::size_t at :
       {std::size_t{0}, std::size_t{40}, std::size_t{150}, drop.size() / 2, drop.size() - 2}) {
    std::string bad = drop;
    bad[at] = static_cast<char>(bad[at] ^ 0x21);
    bad_drops.push_back(bad);
  }
  bad_drops.push_back(drop.substr(0, drop.size() - 1));
  bad_drops.push_back(drop.substr(0, drop.size() / 3));
  for (const std::string& bad : bad_drops) {
    std::ofstream(path("bad.drop"), std::ios::binary) << bad;
    CliRun r = osier({"drop", "import", path("bad.drop"), "--home", path("b")});
    EXPECT_NE(r.exit_code, 0);
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_EQ(r.err.rfind("osier drop import: ", 0), 0u) << r.err;
    EXPECT_EQ(ok({"ls", "--json", "--home", path("b")}).out, empty);
  }
}

TEST_F(CliDrop, MissingFileIsOneClearError) {
  ok({"init", "--home", path("b")});
  CliRun r = osier({"drop", "import", path("nope.drop"), "--home", path("b")});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("nope.drop"), std::string::npos) << r.err;
}

}  // namespace
