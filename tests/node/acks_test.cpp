// The daemon's acknowledgements on disk (node/acks.hpp): what save_acks writes loads back, and a
// malformed HOME/config/acks — truncated, a wrong shape, bad hex, values out of range, too large,
// too deep — is kCorrupt naming the file, never a crash or a silently wrong acknowledgement.
#include "node/acks.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include "osier/base/hex.hpp"
#include "support/temp_dir.hpp"

namespace osier::node {
namespace {

const std::string kKey(64, 'a');
const std::string kAckNs(64, 'b');

class AcksFile : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(init_home(home_).is_ok()); }

  void write_file(const std::string& text) const {
    std::ofstream(acks_path(home_), std::ios::binary | std::ios::trunc) << text;
  }
  static ByteArray<32> id(char digit) { return *array_from_hex<32>(std::string(64, digit)); }
  static std::string file_with(const std::string& ack) {
    return R"({"peers": {")" + kKey + R"(": {")" + kAckNs + R"(": )" + ack + "}}}";
  }
  void expect_corrupt(const std::string& text, const std::string& says = "") const {
    write_file(text);
    Result<AckTable> loaded = load_acks(home_);
    const std::string shown = text.substr(0, 80);
    ASSERT_FALSE(loaded.is_ok()) << shown;
    EXPECT_EQ(loaded.status().code(), ErrorCode::kCorrupt) << shown;
    EXPECT_NE(loaded.status().message().find(acks_path(home_)), std::string::npos)
        << loaded.status().message();
    EXPECT_NE(loaded.status().message().find(says), std::string::npos) << loaded.status().message();
  }

  testing::TempDir dir_;
  HomePaths home_{dir_.sub("home")};
};

TEST_F(AcksFile, AMissingFileIsNoAcknowledgements) {
  Result<AckTable> loaded = load_acks(home_);
  ASSERT_TRUE(loaded.is_ok());
  EXPECT_TRUE(loaded->empty());
}

TEST_F(AcksFile, WhatSaveWritesLoadsBackWithTheExtremesOfEveryValue) {
  AckTable acks;
  acks[id('1')][id('2')] = Acknowledgement{0, INT64_MIN};
  acks[id('1')][id('3')] = Acknowledgement{UINT64_MAX, INT64_MAX};
  acks[id('4')][id('2')] = Acknowledgement{41, 1700000000000};
  acks[id('5')];  // a peer without namespaces
  ASSERT_TRUE(save_acks(home_, acks).is_ok());
  Result<AckTable> loaded = load_acks(home_);
  ASSERT_TRUE(loaded.is_ok()) << loaded.status().to_string();
  EXPECT_EQ(*loaded, acks);
}

// Many peers (fresh keys cost nothing): past kMaxAcks the oldest acknowledgements go, down to
// nine tenths, and what is kept saves into a file the next start can read (a larger one would
// be refused whole, losing every acknowledgement).
TEST_F(AcksFile, ATableOfManyPeersIsPrunedToWhatTheFileHolds) {
  AckTable acks;
  const std::size_t n = kMaxAcks + 1;
  for (std::size_t i = 0; i < n; ++i) {
    crypto::Ed25519PublicKey key{};
    for (std::size_t b = 0; b < 8; ++b) key[b] = static_cast<std::uint8_t>(i >> (8 * b));
    key[31] = 0xff;  // 64 significant hex digits, as real keys have
    model::NamespaceId ns{};
    ns.fill(0xee);
    acks[key][ns] = Acknowledgement{i, 1700000000000 + static_cast<std::int64_t>(i)};
  }
  prune_acks(acks);
  std::size_t kept = 0;
  std::int64_t oldest = INT64_MAX;
  for (const auto& [key, per] : acks) {
    kept += per.size();
    for (const auto& [ns, a] : per) oldest = std::min(oldest, a.at_unix_ms);
  }
  EXPECT_EQ(kept, kMaxAcks - kMaxAcks / 10);
  EXPECT_EQ(oldest, 1700000000000 + static_cast<std::int64_t>(n - kept));  // the newest kept
  ASSERT_TRUE(save_acks(home_, acks).is_ok());
  Result<AckTable> loaded = load_acks(home_);
  ASSERT_TRUE(loaded.is_ok()) << loaded.status().to_string();
  EXPECT_EQ(*loaded, acks);
  // At the bound nothing goes.
  AckTable small = acks;
  prune_acks(small);
  EXPECT_EQ(small, acks);
}

// Acknowledgements found together share their time: the older ones go before any of those, even
// when they come last in key order.
TEST_F(AcksFile, PruningTakesTheOlderBeforeTiesAtTheCut) {
  AckTable acks;
  const std::size_t n = kMaxAcks + 1;
  for (std::size_t i = 0; i < n; ++i) {
    crypto::Ed25519PublicKey key{};
    for (std::size_t b = 0; b < 8; ++b) key[31 - b] = static_cast<std::uint8_t>(i >> (8 * b));
    model::NamespaceId ns{};
    const bool old = i + 5 >= n;  // the five highest keys
    acks[key][ns] = Acknowledgement{i, old ? 1 : 1000};
  }
  prune_acks(acks);
  std::size_t kept = 0;
  for (const auto& [key, per] : acks) {
    for (const auto& [ns, a] : per) {
      ++kept;
      EXPECT_EQ(a.at_unix_ms, 1000);
    }
  }
  EXPECT_EQ(kept, kMaxAcks - kMaxAcks / 10);
}

TEST_F(AcksFile, UnknownFieldsAndUpperCaseHexAreReadCalmly) {
  write_file(R"({"version": 2, "peers": {")" + std::string(64, 'A') + R"(": {")" +
             std::string(64, 'B') + R"(": {"as_of": 7, "at": -5, "by": "x"}}}})");
  Result<AckTable> loaded = load_acks(home_);
  ASSERT_TRUE(loaded.is_ok()) << loaded.status().to_string();
  AckTable want;
  want[id('a')][id('b')] = Acknowledgement{7, -5};
  EXPECT_EQ(*loaded, want);
}

TEST_F(AcksFile, AMalformedFileIsCorruptNamingIt) {
  const std::string good = file_with(R"({"as_of": 1, "at": 2})");
  for (const std::string& text : {
           std::string(),
           std::string("not json"),
           good.substr(0, good.size() - 1),  // truncated
           good.substr(0, good.size() / 2),
           std::string("{\"peers\": {\"\xff\": {}}}"),
           std::string("[]"),
           std::string("null"),
           std::string("{}"),
           std::string(R"({"Peers": {}})"),
           std::string(R"({"peers": []})"),
           std::string(R"({"peers": null})"),
       }) {
    expect_corrupt(text);
  }
}

TEST_F(AcksFile, KeysThatAreNotIdsAreCorrupt) {
  for (const std::string& bad :
       {std::string(), std::string(62, 'a'), std::string(66, 'a'), std::string(63, 'a'),
        std::string(62, 'a') + "zz", std::string("\\u001b[2J")}) {
    expect_corrupt(R"({"peers": {")" + bad + R"(": {}}})", "not a peer's key");
    expect_corrupt(R"({"peers": {")" + kKey + R"(": {")" + bad + R"(": {"as_of": 1, "at": 2}}}})",
                   "not a namespace id");
  }
  expect_corrupt(R"({"peers": {")" + kKey + R"(": []}})", "peer " + kKey);
  expect_corrupt(R"({"peers": {")" + kKey + R"(": 1}})", "peer " + kKey);
}

TEST_F(AcksFile, TheSameKeyTwiceIsCorrupt) {
  const std::string ack = R"({"as_of": 1, "at": 2})";
  expect_corrupt(R"({"peers": {")" + kKey + R"(": {")" + kAckNs + R"(": )" + ack + R"(}, ")" +
                     std::string(64, 'A') + R"(": {")" + kAckNs + R"(": )" + ack + "}}}",
                 "listed twice");
  expect_corrupt(R"({"peers": {")" + kKey + R"(": {")" + kAckNs + R"(": )" + ack + R"(, ")" +
                     std::string(64, 'B') + R"(": )" + ack + "}}}",
                 "listed twice");
}

TEST_F(AcksFile, AnAcknowledgementOfTheWrongShapeOrOutOfRangeIsCorrupt) {
  const std::string where = "namespace " + kAckNs;
  for (const std::string& ack : {
           std::string("null"),
           std::string("[1, 2]"),
           std::string("{}"),
           std::string(R"({"as_of": 1})"),
           std::string(R"({"at": 2})"),
           std::string(R"({"as_of": -1, "at": 2})"),
           std::string(R"({"as_of": 1.5, "at": 2})"),
           std::string(R"({"as_of": "1", "at": 2})"),
           std::string(R"({"as_of": 18446744073709551616, "at": 2})"),
           std::string(R"({"as_of": 1, "at": 9223372036854775808})"),  // INT64_MAX + 1
           std::string(R"({"as_of": 1, "at": 18446744073709551615})"),
           std::string(R"({"as_of": 1, "at": -9223372036854775809})"),
           std::string(R"({"as_of": 1, "at": 2.0})"),
           std::string(R"({"as_of": 1, "at": null})"),
       }) {
    expect_corrupt(file_with(ack), where);
  }
}

TEST_F(AcksFile, AFileTooLargeOrTooDeepIsCorrupt) {
  expect_corrupt(std::string(kMaxAcksFileBytes + 1, ' '), "larger than");
  constexpr std::size_t kDeep = 1 << 20;
  expect_corrupt(std::string(kDeep, '[') + std::string(kDeep, ']'));
  expect_corrupt(R"({"peers": {")" + kKey + R"(": )" + std::string(kDeep, '[') +
                 std::string(kDeep, ']') + "}}");
}

}  // namespace
}  // namespace osier::node
