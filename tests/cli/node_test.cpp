// The local-node commands end to end: runs the built binary (OSIER_BINARY) in a fresh temporary
// --home per test, with standard input from a string, and checks output, exit codes and that
// failures leave the store unchanged.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/run_process.hpp"

namespace {

using CliRun = osier::testing::ProcessResult;

class CliNode : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/osier_cli_node_XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    home_ = dir_ + "/home";
  }
  void TearDown() override { (void)std::system(("rm -rf '" + dir_ + "'").c_str()); }

  // Runs `osier args... --home HOME` with `input` on standard input (not a terminal).
  CliRun osier(std::vector<std::string> args, const std::string& input = "") {
    args.push_back("--home");
    args.push_back(home_);
    std::vector<std::string> argv = {OSIER_BINARY};
    argv.insert(argv.end(), args.begin(), args.end());
    return osier::testing::run_process(std::move(argv), input);
  }

  CliRun ok(std::vector<std::string> args, const std::string& input = "") {
    CliRun r = osier(args, input);
    std::string cmd;
    for (const auto& a : args) cmd += a + " ";
    EXPECT_EQ(r.exit_code, 0) << cmd << "\n" << r.err;
    return r;
  }

  // Fails with one line on stderr that contains `needle`.
  void fails(std::vector<std::string> args, const std::string& needle,
             const std::string& input = "") {
    CliRun r = osier(args, input);
    EXPECT_NE(r.exit_code, 0) << args[0];
    EXPECT_NE(r.err.find(needle), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }

  std::string write_file(const std::string& name, const std::string& content) {
    const std::string path = dir_ + "/" + name;
    std::FILE* f = std::fopen(path.c_str(), "wb");
    std::fwrite(content.data(), 1, content.size(), f);
    std::fclose(f);
    return path;
  }

  // init, identity alice, communal namespace family.
  void basic() {
    ok({"init"});
    ok({"id", "new", "alice"});
    ok({"ns", "new", "family", "--communal"});
  }

  std::vector<nlohmann::json> ls_json(std::vector<std::string> args = {}) {
    args.insert(args.begin(), "ls");
    args.push_back("--json");
    std::vector<nlohmann::json> out;
    const CliRun r = ok(args);
    std::size_t start = 0;
    for (std::size_t nl; (nl = r.out.find('\n', start)) != std::string::npos; start = nl + 1) {
      out.push_back(nlohmann::json::parse(r.out.substr(start, nl - start)));
    }
    return out;
  }

  std::string dir_;
  std::string home_;
};

TEST_F(CliNode, EveryCommandHasHelp) {
  for (const std::vector<std::string>& c :
       std::vector<std::vector<std::string>>{{"init"},
                                             {"id", "new"},
                                             {"id", "list"},
                                             {"id", "export"},
                                             {"id", "import"},
                                             {"ns", "new"},
                                             {"ns", "list"},
                                             {"ns", "add"},
                                             {"ns", "forget"},
                                             {"cap", "new"},
                                             {"cap", "delegate"},
                                             {"cap", "show"},
                                             {"cap", "import"},
                                             {"cap", "export"},
                                             {"cap", "list"},
                                             {"put"},
                                             {"get"},
                                             {"cat"},
                                             {"ls"},
                                             {"stat"},
                                             {"rm"},
                                             {"store", "check"}}) {
    std::vector<std::string> args = c;
    args.push_back("--help");
    const CliRun r = osier(args);
    EXPECT_EQ(r.exit_code, 0) << c[0];
    EXPECT_NE(r.out.find("--home"), std::string::npos) << c[0];
  }
}

TEST_F(CliNode, InitIsIdempotentAndCommandsNeedIt) {
  fails({"id", "list"}, "osier init");
  const CliRun first = ok({"init"});
  EXPECT_NE(first.out.find("created"), std::string::npos);
  const CliRun second = ok({"init", "--json"});
  EXPECT_EQ(nlohmann::json::parse(second.out)["created"].size(), 0u);
  struct stat sb {};
  ASSERT_EQ(::stat((home_ + "/keys").c_str(), &sb), 0);
  EXPECT_EQ(sb.st_mode & 0777, 0700u);
}

TEST_F(CliNode, IdentitiesNewListExportImport) {
  ok({"init"});
  const auto created = nlohmann::json::parse(ok({"id", "new", "alice", "--json"}).out);
  fails({"id", "new", "alice"}, "taken");
  fails({"id", "new", "cafe"}, "hex");
  const std::string seed = ok({"id", "export", "alice"}).out;
  EXPECT_EQ(seed.size(), 65u);
  // Listing never shows the secret.
  const CliRun list = ok({"id", "list"});
  EXPECT_EQ(list.out.find(seed.substr(0, 64)), std::string::npos);
  EXPECT_NE(list.out.find(created["id"].get<std::string>()), std::string::npos);
  // The same seed imported elsewhere is the same identity.
  const std::string first_home = home_;
  home_ = dir_ + "/home2";
  ok({"init"});
  const auto imported = nlohmann::json::parse(ok({"id", "import", "alice2", "--json"}, seed).out);
  EXPECT_EQ(imported["id"], created["id"]);
  fails({"id", "import", "bad"}, "64 hex digits", "xyz\n");
  fails({"id", "export", "nobody"}, "unknown identity");
  struct stat sb {};
  ASSERT_EQ(::stat((home_ + "/keys/identity-alice2.seed").c_str(), &sb), 0);
  EXPECT_EQ(sb.st_mode & 0777, 0600u);
  ok({"id", "add", "carol", created["id"].get<std::string>().replace(0, 1, "0")});
  EXPECT_NE(ok({"id", "list"}).out.find("id only"), std::string::npos);
}

TEST_F(CliNode, NamespacesNewListAddForget) {
  basic();
  const auto owned = nlohmann::json::parse(ok({"ns", "new", "club", "--owned", "--json"}).out);
  EXPECT_EQ(owned["communal"], false);
  EXPECT_EQ(owned["secret"], true);
  fails({"ns", "new", "x"}, "--communal or --owned");
  fails({"ns", "new", "family", "--communal"}, "taken");
  ok({"ns", "add", "theirs", "+" + std::string(63, '0') + "2"});
  fails({"ns", "add", "bad", "12"}, "64 hex digits");
  ok({"put", "willow://family.alice/a"}, "x");
  const CliRun list = ok({"ns", "list", "--json"});
  EXPECT_NE(list.out.find("\"entries\":1"), std::string::npos);
  EXPECT_NE(ok({"ns", "forget", "family"}).out.find("forgot 1"), std::string::npos);
  EXPECT_TRUE(ls_json().empty());
  fails({"ns", "forget", "nothing"}, "unknown namespace");
}

TEST_F(CliNode, PutGetCatStatOverwrite) {
  basic();
  const std::string file = write_file("p.txt", "hello file");
  ok({"put", "willow://family.alice/docs/p.txt", file});
  EXPECT_EQ(ok({"cat", "willow://family.alice/docs/p.txt"}).out, "hello file");
  ok({"put", "willow://family.alice/docs/p.txt", "-"}, "second");
  EXPECT_EQ(ok({"cat", "willow://family.alice/docs/p.txt"}).out, "second");
  // A slice of the payload.
  EXPECT_EQ(ok({"cat", "willow://family.alice/docs/p.txt?from=1&to=4"}).out, "eco");
  const std::string out = dir_ + "/got";
  ok({"get", "willow://family.alice/docs/p.txt", "-o", out});
  fails({"get", "willow://family.alice/docs/p.txt", "-o", out}, "exists already");
  const auto stat =
      nlohmann::json::parse(ok({"stat", "willow://family.alice/docs/p.txt", "--json"}).out);
  EXPECT_EQ(stat["payload_length"], 6);
  EXPECT_EQ(stat["available"], 6);
  EXPECT_EQ(stat["token"]["capability"]["kind"], "communal");
  EXPECT_NE(ok({"stat", "willow://family.alice/docs/p.txt"}).out.find("communal write"),
            std::string::npos);
  // An explicit older time loses against the stored entry.
  fails({"put", "willow://family.alice/docs/p.txt", "-", "--time", "5"}, "newer entry", "old");
  EXPECT_EQ(ok({"cat", "willow://family.alice/docs/p.txt"}).out, "second");
}

TEST_F(CliNode, LargePayloadsStreamAndReadBack) {
  basic();
  std::string big(5 << 20, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>((i * 2654435761u) >> 13);
  const std::string file = write_file("big", big);
  ok({"put", "willow://family.alice/big", file});
  const std::string out = dir_ + "/big.out";
  ok({"get", "willow://family.alice/big", "-o", out});
  std::FILE* f = std::fopen(out.c_str(), "rb");
  ASSERT_NE(f, nullptr);
  std::string back(big.size() + 1, '\0');
  back.resize(std::fread(back.data(), 1, back.size(), f));
  std::fclose(f);
  EXPECT_TRUE(back == big);
  const auto entries = ls_json();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0]["available"], big.size());
}

TEST_F(CliNode, LsForms) {
  basic();
  ok({"id", "new", "bob"});
  ok({"put", "willow://family.alice/a/1"}, "1");
  ok({"put", "willow://family.alice/a/2"}, "22");
  ok({"put", "willow://family.alice/b"}, "333");
  ok({"put", "willow://family.bob/c"}, "4444");
  EXPECT_EQ(ls_json().size(), 4u);
  EXPECT_EQ(ls_json({"family"}).size(), 4u);
  const auto area = ls_json({"willow://family.alice/a?area"});
  ASSERT_EQ(area.size(), 2u);
  EXPECT_EQ(area[0]["path"][0], "61");
  EXPECT_TRUE(area[0].contains("payload_digest"));
  EXPECT_EQ(ls_json({"--limit", "1"}).size(), 1u);
  const auto newest = ls_json({"family", "--newest", "--limit", "1"});
  ASSERT_EQ(newest.size(), 1u);
  EXPECT_EQ(newest[0]["payload_length"], 4);
  EXPECT_NE(ok({"ls"}).out.find("willow://family.alice/a/1"), std::string::npos);
  fails({"ls", "willow://nowhere.alice/?area"}, "nowhere");
}

TEST_F(CliNode, RmDeletesAPrefixOnlyWhenConfirmed) {
  basic();
  ok({"put", "willow://family.alice/blog/1"}, "a");
  ok({"put", "willow://family.alice/blog/2"}, "b");
  ok({"put", "willow://family.alice/keep"}, "c");
  fails({"rm", "willow://family.alice/blog"}, "--yes");  // stdin is not a terminal
  EXPECT_EQ(ls_json().size(), 3u);
  const CliRun r = ok({"rm", "willow://family.alice/blog", "--yes"});
  EXPECT_NE(r.out.find("deleted 2 entries"), std::string::npos);
  const auto left = ls_json();
  ASSERT_EQ(left.size(), 2u);  // the empty-payload entry at /blog, and /keep
  ok({"store", "check"});
}

TEST_F(CliNode, CapabilitiesNewDelegateShowImportExport) {
  basic();
  ok({"id", "new", "bob"});
  ok({"ns", "new", "club", "--owned"});
  fails({"put", "willow://club.alice/x"}, "missing capability", "x");
  fails({"cap", "new", "--ns", "club", "--mode", "write"}, "--as");
  fails({"cap", "new", "--ns", "club", "--mode", "admin", "--as", "alice"}, "read or write");
  const auto cap = nlohmann::json::parse(
      ok({"cap", "new", "--ns", "club", "--mode", "write", "--as", "alice", "--json"}).out);
  const std::string id = cap["id"];
  ok({"put", "willow://club.alice/x"}, "x");
  fails({"cap", "delegate", id, "--to", "bob", "--mode", "read"}, "wrong mode");
  fails({"cap", "delegate", id, "--to", "bob", "--mode", "write", "--area",
         "willow://club.bob/shared"},
        "area");
  const auto d = nlohmann::json::parse(ok({"cap", "delegate", id, "--to", "bob", "--mode", "write",
                                           "--area", "willow://club.bob/shared?area", "--json"})
                                           .out);
  ok({"put", "willow://club.bob/shared/1", "-", "--as", "bob"}, "from bob");
  fails({"put", "willow://club.bob/other", "-", "--as", "bob"}, "missing capability", "no");
  EXPECT_NE(ok({"cap", "show", d["id"]}).out.find("/shared"), std::string::npos);
  const std::string text = ok({"cap", "export", d["id"]}).out;
  EXPECT_EQ(text, d["text"].get<std::string>() + "\n");
  // Imported elsewhere, the text is the same capability.
  home_ = dir_ + "/home2";
  ok({"init"});
  const auto imported = nlohmann::json::parse(ok({"cap", "import", "--json"}, text).out);
  EXPECT_EQ(imported["id"], d["id"]);
  fails({"cap", "import"}, "capability", "00ff");
  EXPECT_EQ(ok({"cap", "list", "--json"}).out.find(d["id"].get<std::string>()) != std::string::npos,
            true);
  fails({"cap", "show", "zzzz"}, "no held capability");
}

TEST_F(CliNode, CommunalCapabilityDelegatedToAnotherIdentity) {
  basic();
  ok({"id", "new", "bob"});
  const auto cap = nlohmann::json::parse(
      ok({"cap", "new", "--ns", "family", "--mode", "write", "--as", "alice", "--json"}).out);
  ok({"cap", "delegate", cap["id"], "--to", "bob", "--mode", "write", "--area",
      "willow://family.alice/guest?area"});
  ok({"put", "willow://family.alice/guest/hi", "-", "--as", "bob"}, "hi");
  fails({"put", "willow://family.alice/diary", "-", "--as", "bob"}, "missing capability", "no");
}

TEST_F(CliNode, ErrorsAreOneLineAndLeaveTheStoreUnchanged) {
  basic();
  ok({"put", "willow://family.alice/a"}, "keep");
  fails({"put", "willow://nobody.alice/a"}, "unknown namespace alias", "x");
  fails({"put", "willow://family.nobody/a"}, "unknown subspace alias", "x");
  fails({"put", "willow:/family.alice/a"}, "bad entry URI", "x");
  fails({"put", "willow://family.alice/" + std::string(5000, 'x')}, "bad entry URI", "x");
  fails({"put", "willow://family.alice/a", dir_ + "/missing"}, "No such file");
  fails({"put", "willow://family.alice/a", dir_}, "directory");
  fails({"rm", "willow://family." + std::string(64, '1') + "/a", "--yes"}, "missing capability");
  fails({"rm", "willow://family.alice/a", "--yes", "--as", "nobody"}, "unknown identity");
  fails({"cat", "willow://family.alice/none"}, "no entry");
  fails({"stat", "willow://family.alice/none"}, "no entry");
  EXPECT_EQ(ok({"cat", "willow://family.alice/a"}).out, "keep");
  EXPECT_EQ(ls_json().size(), 1u);
  ok({"store", "check"});
}

// A put of /docs would prune /docs/a and /docs/b; its payload cannot be stored (the disk fills:
// RLIMIT_FSIZE on the child), so nothing is written and both stay.
TEST_F(CliNode, AFailedPutKeepsTheEntriesItWouldHaveReplaced) {
  basic();
  ok({"put", "willow://family.alice/docs/a"}, "alpha");
  ok({"put", "willow://family.alice/docs/b", write_file("b.bin", std::string(100000, 'b'))});
  ok({"put", "willow://family.alice/keep"}, "kept");
  const std::string before = ok({"ls", "--json"}).out;
  const std::string big = write_file("big.bin", std::string(1 << 20, 'd'));
  osier::testing::RunOptions full_disk;
  full_disk.file_size_limit = 256 * 1024;
  const CliRun r = osier::testing::run_process(
      {OSIER_BINARY, "put", "willow://family.alice/docs", big, "--yes", "--home", home_}, "",
      full_disk);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("disk full"), std::string::npos) << r.err;
  EXPECT_EQ(ok({"ls", "--json"}).out, before);
  ok({"store", "check"});
  // With room on the disk the same put replaces both.
  const CliRun put = ok({"put", "willow://family.alice/docs", big, "--yes", "--json"});
  EXPECT_EQ(nlohmann::json::parse(put.out)["pruned"], 2);
  EXPECT_EQ(ls_json().size(), 2u);
  ok({"store", "check"});
}

TEST_F(CliNode, StoreCheckReportsOk) {
  basic();
  const CliRun r = ok({"store", "check", "--json"});
  EXPECT_EQ(nlohmann::json::parse(r.out)["ok"], true);
}

}  // namespace
