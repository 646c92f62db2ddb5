// `osier uri normalize|parse` end to end: runs the built binary (OSIER_BINARY) directly, without
// a shell, so URIs with '&', '?' and '#' need no quoting.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/run_process.hpp"

namespace {

using UriRun = osier::testing::ProcessResult;

UriRun osier(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {OSIER_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  return osier::testing::run_process(std::move(argv));
}

const std::string kNs = "+0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20";
const std::string kSs(64, 'a');
const std::string kHead = "willow://" + kNs + "." + kSs;
const std::vector<std::string> kAliases = {"--alias", "family=" + kNs, "--alias", "alfie=" + kSs};

std::vector<std::string> with_aliases(std::vector<std::string> args) {
  args.insert(args.end(), kAliases.begin(), kAliases.end());
  return args;
}

TEST(CliUri, NormalizePrintsTheNormalForm) {
  const UriRun r = osier({"uri", "normalize", kHead + "/blog/./ideas/..?to=06&from=4"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, kHead + "/blog?from=4&to=6\n");
  EXPECT_EQ(r.err, "");
}

TEST(CliUri, NormalizeIsIdempotent) {
  const UriRun first = osier(
      {"uri", "normalize", "WILLOW://" + kNs + "." + kSs + "/%61/%2e/b%20c?count=00&area#%7e"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(first.out, kHead + "/a/%2E/b%20c?area#~\n");
  const UriRun second = osier({"uri", "normalize", first.out.substr(0, first.out.size() - 1)});
  EXPECT_EQ(second.out, first.out);
}

TEST(CliUri, SpecExamplesWithAliases) {
  const UriRun r = osier(with_aliases(
      {"uri", "normalize", "willow://family.alfie/chess/../../../blog?area&count=5&size=0"}));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, kHead + "/blog?area&count=5\n");
}

TEST(CliUri, InvalidUriIsOneErrorLineAndExit1) {
  for (const std::string& bad :
       {std::string("http://x.y/"), kHead + "/a%G0", kHead + "?sipe=1",
        kHead + "/" + std::string(5000, 'x'), std::string("willow://family.alfie/blog"),
        kHead + "?digest=b287afb0"}) {
    const UriRun r = osier({"uri", "normalize", bad});
    EXPECT_EQ(r.exit_code, 1) << bad;
    EXPECT_EQ(r.out, "") << bad;
    ASSERT_FALSE(r.err.empty()) << bad;
    EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << r.err;  // exactly one line
    EXPECT_EQ(r.err.rfind("osier uri normalize: ", 0), 0u) << r.err;
  }
  const UriRun r = osier({"uri", "normalize", kHead + "/a%G0"});
  EXPECT_NE(r.err.find("column 142: '%' must be followed by two hex digits"), std::string::npos)
      << r.err;
  const UriRun alias = osier({"uri", "normalize", "willow://family.alfie/blog"});
  EXPECT_NE(alias.err.find("'family' is not a namespace id"), std::string::npos) << alias.err;
}

TEST(CliUri, BadAliasOptionIsAUsageError) {
  const UriRun r = osier({"uri", "normalize", kHead, "--alias", "family"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--alias needs NAME=ID"), std::string::npos) << r.err;
}

TEST(CliUri, ParseJsonEntry) {
  const std::string digest(64, 'b');
  const UriRun r = osier(
      with_aliases({"uri", "parse", "--json",
                    "willow://family.alfie/blog/idea.txt?from=5&digest=" + digest + "#about"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["kind"], "entry");
  EXPECT_EQ(j["namespace_id"], kNs.substr(1));
  EXPECT_EQ(j["communal"], true);
  EXPECT_EQ(j["subspace_id"], kSs);
  EXPECT_EQ(j["path"], nlohmann::json::array({"626c6f67", "696465612e747874"}));
  EXPECT_EQ(j["path_text"], "/blog/idea.txt");
  EXPECT_EQ(j["expected_digest"], digest);
  EXPECT_EQ(j["payload_from"], 5);
  EXPECT_TRUE(j["payload_to"].is_null());
  EXPECT_EQ(j["fragment"], "61626f7574");
  EXPECT_EQ(j["hints"], nlohmann::json::array());
  EXPECT_EQ(j["normal_form"], kHead + "/blog/idea.txt?digest=" + digest + "&from=5#about");
}

TEST(CliUri, ParseJsonArea) {
  const UriRun r =
      osier({"uri", "parse", "--json", kHead + "?area&to=6&from=4&size=10&hints=wtp:x"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["kind"], "area");
  EXPECT_EQ(j["path"], nlohmann::json::array());
  EXPECT_TRUE(j["max_count"].is_null());  // no limit
  EXPECT_EQ(j["max_size"], 10);
  EXPECT_EQ(j["timestamp_from"], 4);
  EXPECT_EQ(j["timestamp_to"], 6);
  EXPECT_EQ(j["hints"], nlohmann::json::array({"wtp:x"}));
  EXPECT_TRUE(j["fragment"].is_null());
}

TEST(CliUri, ParseHuman) {
  const UriRun r = osier({"uri", "parse", kHead + "/a?area&count=3"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("kind:           area\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("path:           /a (1 component)\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("max count:      3\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("max size:       no limit\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("time range:     from 0 to open\n"), std::string::npos) << r.out;
  const UriRun bad = osier({"uri", "parse", "willow://x"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_EQ(bad.err.rfind("osier uri parse: invalid willow URI at column 11", 0), 0u) << bad.err;
}

}  // namespace
