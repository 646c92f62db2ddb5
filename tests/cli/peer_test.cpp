// `osier peer add|rm|list` as processes: the list in normal form, text and --json output,
// duplicates and missing peers as one-line errors, usage errors, and homes that are not there or
// whose peer file is damaged.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "support/cli_home.hpp"

namespace osier::testing {
namespace {

using CliPeer = CliHome;

// One line on stderr, "osier <command>: ...", that contains `needle`.
void expect_one_line_error(const ProcessResult& r, const std::string& command,
                           const std::string& needle) {
  EXPECT_EQ(r.err.rfind("osier " + command + ": ", 0), 0u) << r.err;
  EXPECT_NE(r.err.find(needle), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

TEST_F(CliPeer, AddListAndRemove) {
  ProcessResult r = osier({"peer", "list"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "");
  r = osier({"peer", "add", "127.0.0.1:7000"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "added peer 127.0.0.1:7000\n");
  r = osier({"peer", "add", "localhost", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out),
            nlohmann::json::parse(R"({"address": "localhost:22377", "added": true})"));
  ASSERT_EQ(osier({"peer", "add", "tcp://[::1]:9/"}).exit_code, 0);

  r = osier({"peer", "list"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "127.0.0.1:7000\nlocalhost:22377\n[::1]:9\n");
  r = run_process({OSIER_BINARY, "--json", "--home", home_, "peer", "list"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(
      nlohmann::json::parse(r.out),
      nlohmann::json::parse(R"({"peers": ["127.0.0.1:7000", "localhost:22377", "[::1]:9"]})"));
  struct stat sb {};
  ASSERT_EQ(::stat((home_ + "/config/peers").c_str(), &sb), 0);
  EXPECT_EQ(sb.st_mode & 0777, 0600u);

  r = osier({"peer", "rm", "localhost:22377"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "removed peer localhost:22377\n");
  r = osier({"peer", "rm", "[::1]:9", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out),
            nlohmann::json::parse(R"({"address": "[::1]:9", "removed": true})"));
  EXPECT_EQ(osier({"peer", "list"}).out, "127.0.0.1:7000\n");
}

TEST_F(CliPeer, DuplicatesMissingPeersAndBadAddressesAreOneLine) {
  ASSERT_EQ(osier({"peer", "add", "localhost"}).exit_code, 0);
  ProcessResult r = osier({"peer", "add", "tcp://localhost:22377"});
  EXPECT_EQ(r.exit_code, 1);
  expect_one_line_error(r, "peer add", "the peer localhost:22377 is listed already");
  r = osier({"peer", "rm", "localhost:1"});
  EXPECT_EQ(r.exit_code, 1);
  expect_one_line_error(r, "peer rm", "the peer localhost:1 is not listed");
  r = osier({"peer", "add", "host:99999"});
  EXPECT_EQ(r.exit_code, 2);
  expect_one_line_error(r, "peer add", "the port must be a number");
  r = osier({"peer", "add", "bad\x1bhost:1"});
  EXPECT_EQ(r.exit_code, 1);
  expect_one_line_error(r, "peer add", "\\x1b");  // shown escaped, never raw
  r = osier({"peer", "add"});
  EXPECT_EQ(r.exit_code, 2);
  r = osier({"peer"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(osier({"peer", "list"}).out, "localhost:22377\n");
}

TEST_F(CliPeer, AHomeThatIsNotThereOrADamagedListFails) {
  ProcessResult r = osier({"peer", "add", "localhost"}, "", {}, dir_ + "/nowhere");
  EXPECT_EQ(r.exit_code, 1);
  expect_one_line_error(r, "peer add", "run `osier init");
  r = osier({"peer", "list"}, "", {}, dir_ + "/nowhere");
  EXPECT_EQ(r.exit_code, 1);

  std::ofstream(home_ + "/config/peers") << "{\"peers\": [{\"address\": \"a:1\"}, 7]}";
  r = osier({"peer", "list"});
  EXPECT_EQ(r.exit_code, 1);
  expect_one_line_error(r, "peer list", home_ + "/config/peers: peer 2:");
  r = osier({"peer", "add", "b:2"});
  EXPECT_EQ(r.exit_code, 1);
  expect_one_line_error(r, "peer add", home_ + "/config/peers");
}

}  // namespace
}  // namespace osier::testing
