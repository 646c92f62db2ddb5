// The peer list (osier/node/peers.hpp): adding in normal form, refusing duplicates, removing,
// a missing file as an empty list, malformed files as kCorrupt, unknown fields kept, the stamp a
// daemon polls, and concurrent writers that lose nothing.
#include "osier/node/peers.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "node/file_lock.hpp"
#include "support/temp_dir.hpp"

namespace osier::node {
namespace {

class Peers : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(init_home(home_).is_ok()); }

  static net::Endpoint endpoint(const std::string& text) {
    Result<net::Endpoint> e = net::parse_endpoint(text);
    EXPECT_TRUE(e.is_ok()) << text;
    return e.is_ok() ? *e : net::Endpoint{};
  }

  std::vector<std::string> listed() const {
    Result<std::vector<PeerEntry>> peers = load_peers(home_);
    EXPECT_TRUE(peers.is_ok()) << peers.status().to_string();
    std::vector<std::string> out;
    if (peers.is_ok()) {
      for (const PeerEntry& p : *peers) out.push_back(p.address.to_string());
    }
    return out;
  }

  void write_file(const std::string& text) const {
    std::ofstream(home_.peers(), std::ios::binary | std::ios::trunc) << text;
  }
  std::string file_text() const {
    std::ifstream in(home_.peers(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  testing::TempDir dir_;
  HomePaths home_{dir_.sub("home")};
};

TEST_F(Peers, AMissingFileIsAnEmptyListWithAZeroStamp) {
  EXPECT_TRUE(listed().empty());
  EXPECT_EQ(peers_stamp(home_), FileStamp{});
}

TEST_F(Peers, AddKeepsTheOrderAndTheNormalFormInA0600File) {
  ASSERT_TRUE(add_peer(home_, endpoint("127.0.0.1:7000")).is_ok());
  ASSERT_TRUE(add_peer(home_, endpoint("localhost")).is_ok());
  ASSERT_TRUE(add_peer(home_, endpoint("tcp://[::1]:9/")).is_ok());
  EXPECT_EQ(listed(), (std::vector<std::string>{"127.0.0.1:7000", "localhost:22377", "[::1]:9"}));
  struct stat sb {};
  ASSERT_EQ(::stat(home_.peers().c_str(), &sb), 0);
  EXPECT_EQ(sb.st_mode & 0777, 0600u);
  const nlohmann::json j = nlohmann::json::parse(file_text());
  EXPECT_EQ(j, nlohmann::json::parse(R"({"peers": [{"address": "127.0.0.1:7000"},
      {"address": "localhost:22377"}, {"address": "[::1]:9"}]})"));
}

// Another process holding the home's config lock (stopped with Ctrl-Z, say) makes a write wait
// at most its limit and then fail, the file unchanged: the daemon's event loop asks with a
// quarter of a second and must not freeze behind it.
TEST_F(Peers, AWriteWaitsForAHeldHomeLockOnlyWithinItsLimit) {
  ASSERT_TRUE(add_peer(home_, endpoint("10.0.0.1:1")).is_ok());
  {
    const auto held = FileLock::acquire(home_.config() + "/lock");
    ASSERT_TRUE(held.is_ok());
    const auto t0 = std::chrono::steady_clock::now();
    const Status st = add_peer(home_, endpoint("10.0.0.2:2"), std::chrono::milliseconds(200));
    const auto waited = std::chrono::steady_clock::now() - t0;
    ASSERT_FALSE(st);
    EXPECT_EQ(st.code(), ErrorCode::kIo);
    EXPECT_NE(st.message().find("held by another process"), std::string::npos) << st.message();
    EXPECT_GE(waited, std::chrono::milliseconds(200));
    EXPECT_FALSE(remove_peer(home_, endpoint("10.0.0.1:1"), std::chrono::milliseconds(10)));
  }
  // Released: both go through.
  ASSERT_TRUE(add_peer(home_, endpoint("10.0.0.2:2"), std::chrono::milliseconds(200)).is_ok());
  EXPECT_EQ(load_peers(home_)->size(), 2u);
}

TEST_F(Peers, TheSameAddressInAnySpellingIsRefused) {
  ASSERT_TRUE(add_peer(home_, endpoint("localhost")).is_ok());
  for (const char* same : {"localhost", "localhost:22377", "tcp://localhost:22377/"}) {
    const Status st = add_peer(home_, endpoint(same));
    EXPECT_EQ(st.code(), ErrorCode::kInvalidArgument) << same;
    EXPECT_NE(st.message().find("listed already"), std::string::npos) << st.message();
  }
  EXPECT_TRUE(add_peer(home_, endpoint("localhost:22378")).is_ok());
  EXPECT_EQ(listed(), (std::vector<std::string>{"localhost:22377", "localhost:22378"}));
}

TEST_F(Peers, RemoveTakesOneAndAMissingOneIsNotFound) {
  EXPECT_EQ(remove_peer(home_, endpoint("a:1")).code(), ErrorCode::kNotFound);  // no file
  ASSERT_TRUE(add_peer(home_, endpoint("a:1")).is_ok());
  ASSERT_TRUE(add_peer(home_, endpoint("b:2")).is_ok());
  ASSERT_TRUE(add_peer(home_, endpoint("c:3")).is_ok());
  EXPECT_TRUE(remove_peer(home_, endpoint("tcp://b:2")).is_ok());
  EXPECT_EQ(listed(), (std::vector<std::string>{"a:1", "c:3"}));
  const Status again = remove_peer(home_, endpoint("b:2"));
  EXPECT_EQ(again.code(), ErrorCode::kNotFound);
  EXPECT_NE(again.message().find("b:2"), std::string::npos) << again.message();
  EXPECT_TRUE(remove_peer(home_, endpoint("a:1")).is_ok());
  EXPECT_TRUE(remove_peer(home_, endpoint("c:3")).is_ok());
  EXPECT_TRUE(listed().empty());
}

TEST_F(Peers, AMalformedFileIsCorruptNamingItAndIsLeftAlone) {
  std::string many = R"({"peers": [)";
  for (std::size_t i = 0; i <= kMaxPeers; ++i)
    many += (i ? "," : "") + std::string(R"({"address": "h:1"})");
  many += "]}";
  const std::vector<std::string> bad = {
      "",
      "not json",
      "[]",
      R"({"peers": {}})",
      R"({"peers": [1]})",
      R"({"peers": [{"addr": "a:1"}]})",
      R"({"peers": [{"address": 7}]})",
      R"({"peers": [{"address": "a:99999"}]})",
      R"({"peers": [{"address": ""}]})",
      R"({"peers": [{"address": "a b:1"}]})",
      "{\"peers\": [{\"address\": \"a\\u001b[2J:1\"}]}",
      "{\"peers\": [{\"address\": \"\xff\"}]}",
      std::string(500000, '[') + std::string(500000, ']'),
      many,
      std::string(kMaxPeersFileBytes + 1, ' '),
  };
  for (const std::string& text : bad) {
    write_file(text);
    const std::string shown = text.substr(0, 60);
    Result<std::vector<PeerEntry>> loaded = load_peers(home_);
    ASSERT_FALSE(loaded.is_ok()) << shown;
    EXPECT_EQ(loaded.status().code(), ErrorCode::kCorrupt) << shown;
    EXPECT_NE(loaded.status().message().find(home_.peers()), std::string::npos)
        << loaded.status().message();
    EXPECT_EQ(add_peer(home_, endpoint("x:1")).code(), ErrorCode::kCorrupt) << shown;
    EXPECT_EQ(remove_peer(home_, endpoint("h:1")).code(), ErrorCode::kCorrupt) << shown;
    EXPECT_EQ(file_text(), text) << shown;
  }
}

TEST_F(Peers, AnEmptyObjectAndDuplicatesInTheFileAreReadCalmly) {
  write_file("{}");
  EXPECT_TRUE(listed().empty());
  write_file(R"({"peers": [{"address": "a:1"}, {"address": "tcp://a:1"}, {"address": "b"}]})");
  EXPECT_EQ(listed(), (std::vector<std::string>{"a:1", "b:22377"}));
  // Removing an address listed twice removes both.
  EXPECT_TRUE(remove_peer(home_, endpoint("a:1")).is_ok());
  EXPECT_EQ(listed(), (std::vector<std::string>{"b:22377"}));
}

TEST_F(Peers, FieldsThisVersionDoesNotKnowAreKept) {
  write_file(R"({"version": 2, "peers": [{"address": "a:1", "note": "the NAS"}]})");
  ASSERT_TRUE(add_peer(home_, endpoint("b:2")).is_ok());
  const nlohmann::json j = nlohmann::json::parse(file_text());
  EXPECT_EQ(j["version"], 2);
  EXPECT_EQ(j["peers"][0]["note"], "the NAS");
  EXPECT_EQ(j["peers"][1]["address"], "b:2");
}

TEST_F(Peers, UnknownFieldsNestedTooDeepAreCorruptAndShallowOnesKept) {
  // Before the limit, `osier peer add` copied and printed such a document recursively and
  // overflowed its stack.
  const auto nest = [](std::size_t depth) {
    return std::string(depth, '[') + std::string(depth, ']');
  };
  const auto file = [&](std::size_t depth) {
    return R"({"x": )" + nest(depth) + R"(, "peers": [{"address": "a:1"}]})";
  };
  for (const std::size_t depth : {std::size_t{2} * kMaxPeersFileDepth, std::size_t{400000}}) {
    write_file(file(depth));
    Result<std::vector<PeerEntry>> loaded = load_peers(home_);
    ASSERT_FALSE(loaded.is_ok()) << depth;
    EXPECT_EQ(loaded.status().code(), ErrorCode::kCorrupt);
    EXPECT_NE(loaded.status().message().find("nested deeper"), std::string::npos)
        << loaded.status().message();
    EXPECT_EQ(add_peer(home_, endpoint("b:2")).code(), ErrorCode::kCorrupt);
    EXPECT_EQ(remove_peer(home_, endpoint("a:1")).code(), ErrorCode::kCorrupt);
  }
  write_file(file(kMaxPeersFileDepth / 2));
  ASSERT_TRUE(add_peer(home_, endpoint("b:2")).is_ok());
  EXPECT_EQ(listed(), (std::vector<std::string>{"a:1", "b:2"}));
  EXPECT_EQ(nlohmann::json::parse(file_text())["x"],
            nlohmann::json::parse(nest(kMaxPeersFileDepth / 2)));
}

TEST_F(Peers, HostsWithOtherCharactersOrTooLongAreRefused) {
  for (const net::Endpoint& e :
       {net::Endpoint{"a b", 1}, net::Endpoint{"a\nb", 1}, net::Endpoint{"", 1},
        net::Endpoint{std::string(kMaxPeerHostBytes + 1, 'a'), 1}}) {
    EXPECT_EQ(add_peer(home_, e).code(), ErrorCode::kInvalidArgument) << e.host;
  }
  EXPECT_TRUE(add_peer(home_, net::Endpoint{std::string(kMaxPeerHostBytes, 'a'), 1}).is_ok());
  EXPECT_TRUE(add_peer(home_, endpoint("[fe80::1%eth0]:5")).is_ok());
  EXPECT_EQ(listed().size(), 2u);
}

TEST_F(Peers, TheListHoldsAtMostMaxPeers) {
  std::string text = R"({"peers": [)";
  for (std::size_t i = 0; i < kMaxPeers; ++i) {
    text += (i ? "," : "") + std::string(R"({"address": "h:)") + std::to_string(i) + "\"}";
  }
  text += "]}";
  write_file(text);
  EXPECT_EQ(listed().size(), kMaxPeers);
  EXPECT_EQ(add_peer(home_, endpoint("x:1")).code(), ErrorCode::kOutOfRange);
  EXPECT_TRUE(remove_peer(home_, endpoint("h:0")).is_ok());
  EXPECT_TRUE(add_peer(home_, endpoint("x:1")).is_ok());
  EXPECT_EQ(listed().size(), kMaxPeers);
}

TEST_F(Peers, TheStampChangesWithEveryChangeAndOnlyThen) {
  const FileStamp none = peers_stamp(home_);
  ASSERT_TRUE(add_peer(home_, endpoint("a:1")).is_ok());
  const FileStamp one = peers_stamp(home_);
  EXPECT_NE(one, none);
  EXPECT_EQ(peers_stamp(home_), one);
  EXPECT_FALSE(add_peer(home_, endpoint("a:1")).is_ok());  // refused: no write
  EXPECT_EQ(peers_stamp(home_), one);
  ASSERT_TRUE(add_peer(home_, endpoint("b:2")).is_ok());
  const FileStamp two = peers_stamp(home_);
  EXPECT_NE(two, one);
  ASSERT_TRUE(remove_peer(home_, endpoint("a:1")).is_ok());
  EXPECT_NE(peers_stamp(home_), two);
  EXPECT_NE(peers_stamp(home_), one);
}

TEST_F(Peers, ConcurrentWritersLoseNothing) {
  constexpr int kThreads = 4;
  constexpr int kEach = 8;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, t] {
      for (int i = 0; i < kEach; ++i) {
        const Status st =
            add_peer(home_, net::Endpoint{"h" + std::to_string(t), static_cast<std::uint16_t>(i)});
        EXPECT_TRUE(st.is_ok()) << st.to_string();
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(listed().size(), static_cast<std::size_t>(kThreads * kEach));
}

}  // namespace
}  // namespace osier::node
