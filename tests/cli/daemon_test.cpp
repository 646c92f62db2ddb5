// `osier daemon` as processes over real sockets (issue #15): three daemons in a line A - B - C;
// what another `osier` process writes to A's home reaches C without any command at B; B killed
// (SIGKILL, no goodbye) and restarted catches C up; a second daemon on a home refuses to start;
// SIGTERM stops a daemon cleanly.
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/background_process.hpp"
#include "support/cli_home.hpp"

namespace osier::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class CliDaemon : public CliHome {
 protected:
  // The id of the first line of `osier <list> --json` at `home` that contains `match`.
  std::string id_in(const std::vector<std::string>& list, const std::string& match,
                    const std::string& home) {
    std::istringstream in(osier(list, "", {}, home).out);
    for (std::string line; std::getline(in, line);) {
      if (line.find(match) != std::string::npos) {
        return nlohmann::json::parse(line)["id"].get<std::string>();
      }
    }
    return "";
  }

  // Homes b and c with identities bob and carol, each granted read access to alice's subspace
  // of `fam` (alice's read capability, delegated).
  void grant(const std::string& home, const std::string& name) {
    ASSERT_EQ(osier({"id", "new", name}, "", {}, home).exit_code, 0);
    const std::string id = id_in({"id", "list", "--json"}, "\"" + name + "\"", home);
    ASSERT_EQ(id.size(), 64U);
    if (read_cap_.empty()) {
      ProcessResult r = osier({"cap", "new", "--ns", "fam", "--mode", "read", "--json"});
      ASSERT_EQ(r.exit_code, 0) << r.err;
      read_cap_ = nlohmann::json::parse(r.out)["id"];
    }
    ProcessResult r = osier({"cap", "delegate", read_cap_, "--to", id, "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const std::string text = nlohmann::json::parse(r.out)["text"];
    ASSERT_EQ(osier({"cap", "import", text}, "", {}, home).exit_code, 0);
  }

  // Starts `osier daemon` at `home` on `listen` (127.0.0.1:0 for any port) dialing `peers`;
  // returns its port.
  std::unique_ptr<BackgroundProcess> daemon(const std::string& home, const std::string& listen,
                                            const std::vector<std::uint16_t>& peers,
                                            std::uint16_t* port) {
    std::vector<std::string> args = {OSIER_BINARY, "daemon", "--listen",        listen,
                                     "--home",     home,     "--poll-interval", "20ms"};
    for (const std::uint16_t p : peers) {
      args.push_back("--peer");
      args.push_back("127.0.0.1:" + std::to_string(p));
    }
    auto d = std::make_unique<BackgroundProcess>(args);
    EXPECT_TRUE(d->started());
    const std::optional<std::string> line = d->wait_for_line("listening on", seconds(10));
    EXPECT_TRUE(line) << d->all_output();
    if (line && port != nullptr) {
      const std::size_t at = line->find("127.0.0.1:") + 10;
      *port = static_cast<std::uint16_t>(std::stoi(line->substr(at)));
    }
    return d;
  }

  // Whether `home` lists an entry whose path ends with `/name` in `ns`.
  bool lists(const std::string& home, const std::string& ns, const std::string& name) {
    const ProcessResult r = osier({"ls", ns}, "", {}, home);
    return r.exit_code == 0 && r.out.find("/" + name + "\n") != std::string::npos;
  }
  bool eventually_lists(const std::string& home, const std::string& ns, const std::string& name,
                        milliseconds limit = milliseconds(20'000)) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
      if (lists(home, ns, name)) return true;
      std::this_thread::sleep_for(milliseconds(50));
    }
    return false;
  }

  std::string read_cap_;
};

TEST_F(CliDaemon, ALineOfDaemonsForwardsAnotherProcesssWritesAndCatchesUpAfterAKill) {
  const std::string b = other_home("b");
  const std::string c = other_home("c");
  grant(b, "bob");
  grant(c, "carol");
  const std::string ns = id_in({"ns", "list", "--json"}, "\"fam\"", home_);
  ASSERT_EQ(osier({"put", "willow://fam.alice/before", "-"}, "written before\n").exit_code, 0);

  std::uint16_t pa = 0;
  std::uint16_t pb = 0;
  auto da = daemon(home_, "127.0.0.1:0", {}, &pa);
  auto db = daemon(b, "127.0.0.1:0", {pa}, &pb);
  auto dc = daemon(c, "127.0.0.1:0", {pb}, nullptr);
  EXPECT_TRUE(eventually_lists(c, ns, "before")) << dc->all_output();

  // `osier put` is another process: the daemon at A sees its write in the store's event log.
  ASSERT_EQ(osier({"put", "willow://fam.alice/live", "-"}, "written live\n").exit_code, 0);
  ASSERT_TRUE(eventually_lists(c, ns, "live")) << db->all_output() << dc->all_output();
  const ProcessResult cat = osier(
      {"cat", "willow://" + ns + "." + id_in({"id", "list", "--json"}, "alice", home_) + "/live"},
      "", {}, c);
  EXPECT_EQ(cat.out, "written live\n") << cat.err;

  // B dies without a goodbye; a write at A waits for it; B restarts on its port and C catches up.
  db->signal(SIGKILL);
  db->wait(seconds(10));
  ASSERT_EQ(osier({"put", "willow://fam.alice/while_b_was_down", "-"}, "later\n").exit_code, 0);
  std::this_thread::sleep_for(milliseconds(300));
  EXPECT_FALSE(lists(c, ns, "while_b_was_down"));
  db = daemon(b, "127.0.0.1:" + std::to_string(pb), {pa}, nullptr);
  EXPECT_TRUE(eventually_lists(c, ns, "while_b_was_down")) << db->all_output() << dc->all_output();

  // A second daemon on a home refuses; SIGTERM stops each cleanly.
  const ProcessResult second = osier({"daemon", "--listen", "127.0.0.1:0"}, "", {}, b);
  EXPECT_NE(second.exit_code, 0);
  EXPECT_NE(second.err.find("already running"), std::string::npos) << second.err;
  for (auto* d : {&da, &db, &dc}) {
    (*d)->signal(SIGTERM);
    EXPECT_EQ((*d)->wait(seconds(10)), 0) << (*d)->all_output();
  }
}

}  // namespace
}  // namespace osier::testing
