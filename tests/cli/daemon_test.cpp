// `osier daemon` as processes over real sockets (issue #15): three daemons in a line A - B - C;
// what another `osier` process writes to A's home reaches C without any command at B; B killed
// (SIGKILL, no goodbye) and restarted catches C up; a second daemon on a home refuses to start;
// SIGTERM stops a daemon cleanly.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iterator>
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
    // "... /NAME" at the end of a line, or followed by "  (holds N B)" for a partial payload.
    return r.exit_code == 0 && (r.out.find("/" + name + "\n") != std::string::npos ||
                                r.out.find("/" + name + "  (holds") != std::string::npos);
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

// Sends `text` on a fresh connection to the Unix socket at `path`, returns what comes back: the
// first `lines` lines (the daemon answers each line with one line), or less if the daemon closes
// or 20 s pass. Waiting for the lines, not a fixed time: some requests write files with fsync,
// which a busy disk can hold up for long.
std::string unix_exchange(const std::string& path, const std::string& text, std::size_t lines) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return "";
  }
  EXPECT_EQ(::write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
  std::string got;
  const auto end = std::chrono::steady_clock::now() + seconds(20);
  while (static_cast<std::size_t>(std::ranges::count(got, '\n')) < lines &&
         std::chrono::steady_clock::now() < end) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    char buf[4096];
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    got.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return got;
}

// A lazy node (download policy) holds the entries without their payloads and fetches one from a
// connected peer on `osier get`; `osier status` tells the session's state; the control socket is
// the owner's alone and answers malformed requests with an error line and goes on; a peer taken
// off the peer list is let go while the daemon runs.
TEST_F(CliDaemon, ALazyNodeFetchesOnGetAndTheControlApiAnswers) {
  const std::string b = other_home("b");
  grant(b, "bob");
  const std::string ns = id_in({"ns", "list", "--json"}, "\"fam\"", home_);
  ASSERT_EQ(osier({"ns", "add", "fam", ns}, "", {}, b).exit_code, 0);
  ASSERT_EQ(osier({"policy", "set", "fam", "lazy"}, "", {}, b).exit_code, 0);
  std::string payload(200'000, 'x');
  for (std::size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<char>('a' + i % 23);
  ASSERT_EQ(osier({"put", "willow://fam.alice/big", "-"}, payload).exit_code, 0);
  const std::string alice = id_in({"id", "list", "--json"}, "alice", home_);

  std::uint16_t pa = 0;
  auto da = daemon(home_, "127.0.0.1:0", {}, &pa);
  ASSERT_EQ(osier({"peer", "add", "127.0.0.1:" + std::to_string(pa)}, "", {}, b).exit_code, 0);
  auto db = daemon(b, "127.0.0.1:0", {}, nullptr);
  ASSERT_TRUE(eventually_lists(b, ns, "big")) << db->all_output();
  // The entry, not its payload.
  const std::string uri = "willow://fam." + alice + "/big";
  ProcessResult st = osier({"stat", uri, "--json"}, "", {}, b);
  ASSERT_EQ(st.exit_code, 0) << st.err;
  EXPECT_EQ(nlohmann::json::parse(st.out)["available"], 0);
  // osier status counts it as missing, to be fetched on demand (the policy is lazy).
  ProcessResult missing = osier({"status", "--json"}, "", {}, b);
  ASSERT_EQ(missing.exit_code, 0) << missing.err;
  EXPECT_EQ(nlohmann::json::parse(missing.out)["missing_payloads"],
            nlohmann::json::parse(R"([{"namespace": ")" + ns.substr(ns.size() - 64) +
                                  R"(", "to_fetch": 0, "to_fetch_bytes": 0, "on_demand": 1,
                                      "on_demand_bytes": 200000}])"))
      << missing.out;
  EXPECT_NE(
      osier({"status"}, "", {}, b).out.find("payloads missing: 0 entries (0 B) to fetch, 1 entry"),
      std::string::npos);
  // `osier get` asks the daemon, which fetches it from A.
  const ProcessResult got = osier({"cat", uri}, "", {}, b);
  ASSERT_EQ(got.exit_code, 0) << got.err << db->all_output();
  EXPECT_EQ(got.out, payload);

  // osier status: the one peer, established and in sync.
  ProcessResult status = osier({"status", "--json"}, "", {}, b);
  ASSERT_EQ(status.exit_code, 0) << status.err;
  const auto js = nlohmann::json::parse(status.out);
  ASSERT_EQ(js["peers"].size(), 1U) << status.out;
  EXPECT_EQ(js["peers"][0]["state"], "established");
  EXPECT_EQ(js["peers"][0]["session"]["roots"], js["peers"][0]["session"]["roots_complete"]);
  EXPECT_EQ(js["missing_payloads"], nlohmann::json::array());
  const std::string text = osier({"status"}, "", {}, b).out;
  EXPECT_NE(text.find("established"), std::string::npos) << text;
  EXPECT_NE(text.find("  fam: roots 1/1 done"), std::string::npos) << text;
  EXPECT_NE(text.find("no payloads missing"), std::string::npos) << text;

  // The control socket: the owner's alone; a malformed line gets an error line, the next request
  // on the same connection its answer.
  struct stat sb {};
  ASSERT_EQ(::stat((b + "/daemon.sock").c_str(), &sb), 0);
  EXPECT_EQ(sb.st_mode & 0777, 0600U);
  const std::string answers =
      unix_exchange(b + "/daemon.sock", "garbage\n{\"op\":\"status\"}\n", 2);
  std::istringstream lines(answers);
  std::string first, second;
  std::getline(lines, first);
  std::getline(lines, second);
  EXPECT_NE(first.find("invalid_request"), std::string::npos) << answers;
  EXPECT_NE(second.find("\"ok\":true"), std::string::npos) << answers;

  // Taken off the peer list while running: let go.
  ASSERT_EQ(osier({"peer", "rm", "127.0.0.1:" + std::to_string(pa)}, "", {}, b).exit_code, 0);
  bool removed = false;
  for (int i = 0; i < 100 && !removed; ++i) {
    std::this_thread::sleep_for(milliseconds(50));
    status = osier({"status", "--json"}, "", {}, b);
    removed = status.exit_code == 0 && status.out.find("\"removed\"") != std::string::npos;
  }
  EXPECT_TRUE(removed) << status.out;
  for (auto* d : {&da, &db}) {
    (*d)->signal(SIGTERM);
    EXPECT_EQ((*d)->wait(seconds(10)), 0) << (*d)->all_output();
  }
  // No daemon: osier status says so.
  status = osier({"status"}, "", {}, b);
  EXPECT_NE(status.exit_code, 0);
  EXPECT_NE(status.err.find("no daemon"), std::string::npos) << status.err;
}

// --detach: the command returns once the daemon listens (saying where, and its pid), the daemon
// goes on in the background with its log in HOME/daemon.log (0600); a second one refuses;
// --stop ends it and waits until it has let go of the home.
TEST_F(CliDaemon, ADetachedDaemonRunsInTheBackgroundUntilStopped) {
  const ProcessResult started = osier({"daemon", "--detach", "--listen", "127.0.0.1:0"});
  // Whatever fails below, no daemon outlives the test.
  struct StopAtEnd {
    std::function<void()> stop;
    ~StopAtEnd() { stop(); }
  } stop_at_end{[this] { (void)osier({"daemon", "--stop"}); }};
  ASSERT_EQ(started.exit_code, 0) << started.err;
  EXPECT_NE(started.out.find("osier daemon: started (pid "), std::string::npos) << started.out;
  EXPECT_NE(started.out.find("listening on 127.0.0.1:"), std::string::npos) << started.out;
  const ProcessResult status = osier({"status", "--json"});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  const ProcessResult again = osier({"daemon", "--detach", "--listen", "127.0.0.1:0"});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("already running"), std::string::npos) << again.err;
  struct stat sb {};
  ASSERT_EQ(::stat((home_ + "/daemon.log").c_str(), &sb), 0);
  EXPECT_EQ(sb.st_mode & 0777, 0600U);

  const ProcessResult stopped = osier({"daemon", "--stop"});
  ASSERT_EQ(stopped.exit_code, 0) << stopped.err;
  EXPECT_NE(stopped.out.find("stopped"), std::string::npos) << stopped.out;
  EXPECT_NE(osier({"status"}).exit_code, 0);
  const ProcessResult none = osier({"daemon", "--stop"});
  EXPECT_EQ(none.exit_code, 1);
  EXPECT_NE(none.err.find("no daemon is running"), std::string::npos) << none.err;
  std::ifstream log(home_ + "/daemon.log");
  const std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("daemon listening on"), std::string::npos) << text;
  EXPECT_NE(text.find("daemon stopped"), std::string::npos) << text;
}

// The control API reads and changes the peer list and the download policies as `osier peer` and
// `osier policy` do (the same files): what one does, the other shows.
TEST_F(CliDaemon, TheControlApiManagesPeersAndPolicies) {
  const std::string ns = id_in({"ns", "list", "--json"}, "\"fam\"", home_);
  const std::string hex = ns.substr(ns.size() - 64);
  auto d = daemon(home_, "127.0.0.1:0", {}, nullptr);
  const std::string answers = unix_exchange(home_ + "/daemon.sock",
                                            "{\"op\":\"peer_add\",\"address\":\"127.0.0.1:9\"}\n"
                                            "{\"op\":\"peers\"}\n"
                                            "{\"op\":\"peer_add\",\"address\":\"127.0.0.1:9\"}\n"
                                            "{\"op\":\"peer_add\",\"address\":\"not an address\"}\n"
                                            "{\"op\":\"policy_set\",\"namespace\":\"" +
                                                hex +
                                                "\",\"payloads\":\"lazy\"}\n"
                                                "{\"op\":\"policy_set\",\"namespace\":\"" +
                                                hex +
                                                "\",\"payloads\":\"lazy\",\"max_size\":5}\n"
                                                "{\"op\":\"policies\"}\n",
                                            7);
  std::istringstream lines(answers);
  std::vector<nlohmann::json> got;
  for (std::string line; std::getline(lines, line);) got.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(got.size(), 7U) << answers;
  EXPECT_EQ(got[0], nlohmann::json::parse(R"({"ok":true})"));
  EXPECT_EQ(got[1]["peers"], nlohmann::json::parse(R"([{"address":"127.0.0.1:9"}])"));
  EXPECT_EQ(got[2]["error"]["code"], "failed") << got[2];
  EXPECT_EQ(got[3]["ok"], false) << got[3];
  EXPECT_EQ(got[4], nlohmann::json::parse(R"({"ok":true})"));
  EXPECT_EQ(got[5]["error"]["code"], "invalid_request") << got[5];
  EXPECT_EQ(got[6]["policies"], nlohmann::json::parse(R"([{"namespace":")" + hex +
                                                      R"(","payloads":"lazy","max_size":null}])"));
  // The CLI sees the same files.
  EXPECT_NE(osier({"peer", "list"}).out.find("127.0.0.1:9"), std::string::npos);
  EXPECT_NE(osier({"policy", "show", "fam"}).out.find("lazy"), std::string::npos);
  const std::string removed = unix_exchange(
      home_ + "/daemon.sock", "{\"op\":\"peer_rm\",\"address\":\"127.0.0.1:9\"}\n", 1);
  EXPECT_NE(removed.find("\"ok\":true"), std::string::npos) << removed;
  EXPECT_EQ(osier({"peer", "list"}).out.find("127.0.0.1:9"), std::string::npos);
  d->signal(SIGTERM);
  EXPECT_EQ(d->wait(seconds(10)), 0) << d->all_output();
}

}  // namespace
}  // namespace osier::testing
