// Download policies on disk (osier/node/policies.hpp): what set_policy writes loads back, and a
// malformed HOME/config/policies — truncated, a wrong shape, bad hex, values out of range, too
// large, too deep — is kCorrupt naming the file, never a crash or a silently wrong policy.
#include "osier/node/policies.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "osier/base/hex.hpp"
#include "support/temp_dir.hpp"

namespace osier::node {
namespace {

const std::string kPolicyNs(64, 'a');

class PoliciesFile : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(init_home(home_).is_ok()); }

  std::string path() const { return home_.config() + "/policies"; }
  void write_file(const std::string& text) const {
    std::ofstream(path(), std::ios::binary | std::ios::trunc) << text;
  }
  std::string file_text() const {
    std::ifstream in(path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  static model::NamespaceId ns(char digit) { return *array_from_hex<32>(std::string(64, digit)); }
  static std::string file_with(const std::string& record) {
    return R"({"namespaces": {")" + kPolicyNs + R"(": )" + record + "}}";
  }
  // The file is refused with kCorrupt naming it, by load_policies and by set_policy (which
  // leaves it as it is).
  void expect_corrupt(const std::string& text, const std::string& says = "") const {
    write_file(text);
    const std::string shown = text.substr(0, 80);
    Result<Policies> loaded = load_policies(home_);
    ASSERT_FALSE(loaded.is_ok()) << shown;
    EXPECT_EQ(loaded.status().code(), ErrorCode::kCorrupt) << shown;
    EXPECT_NE(loaded.status().message().find(path()), std::string::npos)
        << loaded.status().message();
    EXPECT_NE(loaded.status().message().find(says), std::string::npos) << loaded.status().message();
    EXPECT_EQ(set_policy(home_, ns('1'), NamespacePolicy{PayloadPolicy::kLazy, {}}).code(),
              ErrorCode::kCorrupt)
        << shown;
    EXPECT_EQ(file_text(), text) << shown;
  }

  testing::TempDir dir_;
  HomePaths home_{dir_.sub("home")};
};

TEST_F(PoliciesFile, AMissingFileIsNoPolicies) {
  Result<Policies> loaded = load_policies(home_);
  ASSERT_TRUE(loaded.is_ok());
  EXPECT_TRUE(loaded->empty());
}

TEST_F(PoliciesFile, WhatSetPolicyWritesLoadsBack) {
  const NamespacePolicy lazy{PayloadPolicy::kLazy, {}};
  const NamespacePolicy capped{PayloadPolicy::kEager, UINT64_MAX};
  const NamespacePolicy zero{PayloadPolicy::kEager, 0};
  ASSERT_TRUE(set_policy(home_, ns('1'), lazy).is_ok());
  ASSERT_TRUE(set_policy(home_, ns('2'), capped).is_ok());
  ASSERT_TRUE(set_policy(home_, ns('3'), zero).is_ok());
  ASSERT_TRUE(set_policy(home_, ns('4'), NamespacePolicy{PayloadPolicy::kNone, {}}).is_ok());
  ASSERT_TRUE(set_policy(home_, ns('4'), NamespacePolicy{}).is_ok());  // the default: removed
  Result<Policies> loaded = load_policies(home_);
  ASSERT_TRUE(loaded.is_ok()) << loaded.status().to_string();
  EXPECT_EQ(*loaded, (Policies{{ns('1'), lazy}, {ns('2'), capped}, {ns('3'), zero}}));
  EXPECT_EQ(set_policy(home_, ns('5'), NamespacePolicy{PayloadPolicy::kNone, 5}).code(),
            ErrorCode::kInvalidArgument);
}

TEST_F(PoliciesFile, UnknownFieldsAndUpperCaseHexAreReadCalmly) {
  write_file(R"({"version": 2, "namespaces": {")" + std::string(64, 'A') +
             R"(": {"payloads": "eager", "max_size": 10, "note": "the NAS"}}})");
  Result<Policies> loaded = load_policies(home_);
  ASSERT_TRUE(loaded.is_ok()) << loaded.status().to_string();
  EXPECT_EQ(*loaded, (Policies{{ns('a'), NamespacePolicy{PayloadPolicy::kEager, 10}}}));
  write_file(R"({"namespaces": {}})");
  loaded = load_policies(home_);
  ASSERT_TRUE(loaded.is_ok());
  EXPECT_TRUE(loaded->empty());
}

TEST_F(PoliciesFile, AMalformedFileIsCorruptNamingIt) {
  const std::string good = file_with(R"({"payloads": "lazy"})");
  for (const std::string& text : {
           std::string(),
           std::string("not json"),
           good.substr(0, good.size() - 1),  // truncated
           good.substr(0, good.size() / 2),
           std::string("{\"namespaces\": {\"") + kPolicyNs + "\": {\"payloads\": \"la\xff\"}}}",
           std::string("[]"),
           std::string("null"),
           std::string("{}"),
           std::string(R"({"Namespaces": {}})"),
           std::string(R"({"namespaces": []})"),
           std::string(R"({"namespaces": null})"),
           std::string(R"({"namespaces": "lazy"})"),
       }) {
    expect_corrupt(text);
  }
}

TEST_F(PoliciesFile, ARecordOfTheWrongShapeIsCorruptNamingItsNamespace) {
  for (const std::string& record : {
           std::string("\"lazy\""),
           std::string("null"),
           std::string("[]"),
           std::string("{}"),
           std::string(R"({"payload": "lazy"})"),
           std::string(R"({"payloads": 1})"),
           std::string(R"({"payloads": ["lazy"]})"),
           std::string(R"({"payloads": "Lazy"})"),
           std::string(R"({"payloads": ""})"),
       }) {
    expect_corrupt(file_with(record), "namespace " + kPolicyNs);
  }
}

TEST_F(PoliciesFile, AKeyThatIsNotANamespaceIdIsCorrupt) {
  for (const std::string& key :
       {std::string(), std::string(62, 'a'), std::string(66, 'a'), std::string(63, 'a'),
        std::string(62, 'a') + "zz", std::string(64, ' '), std::string("\\u001b[2J")}) {
    expect_corrupt(R"({"namespaces": {")" + key + R"(": {"payloads": "lazy"}}})",
                   "not a namespace id");
  }
  // The message does not echo what the file holds.
  write_file(R"({"namespaces": {"\u001b[2J": {"payloads": "lazy"}}})");
  Result<Policies> loaded = load_policies(home_);
  ASSERT_FALSE(loaded.is_ok());
  EXPECT_EQ(loaded.status().message().find('\x1b'), std::string::npos);
}

TEST_F(PoliciesFile, TheSameNamespaceTwiceIsCorrupt) {
  expect_corrupt(R"({"namespaces": {")" + kPolicyNs + R"(": {"payloads": "lazy"}, ")" +
                     std::string(64, 'A') + R"(": {"payloads": "none"}}})",
                 "listed twice");
}

TEST_F(PoliciesFile, AMaxSizeOutOfRangeOrOnAPolicyNotEagerIsCorrupt) {
  for (const char* max :
       {"-1", "1.5", "1e3", "18446744073709551616", "\"10\"", "null", "true", "[10]"}) {
    expect_corrupt(file_with(std::string(R"({"payloads": "eager", "max_size": )") + max + "}"),
                   "max_size");
  }
  expect_corrupt(file_with(R"({"payloads": "lazy", "max_size": 10})"), "max_size");
  expect_corrupt(file_with(R"({"payloads": "none", "max_size": 0})"), "max_size");
}

TEST_F(PoliciesFile, AFileTooLargeOrTooDeepIsCorrupt) {
  constexpr std::size_t kLimit = std::size_t{4} << 20;  // policies.hpp
  expect_corrupt(std::string(kLimit + 1, ' '), "larger than");
  constexpr std::size_t kDeep = 1 << 20;
  expect_corrupt(std::string(kDeep, '[') + std::string(kDeep, ']'));
  // Deep nesting in an unknown field of a valid file is read calmly (nothing copies it).
  write_file(R"({"x": )" + std::string(kDeep, '[') + std::string(kDeep, ']') +
             R"(, "namespaces": {}})");
  Result<Policies> loaded = load_policies(home_);
  ASSERT_TRUE(loaded.is_ok()) << loaded.status().to_string();
  EXPECT_TRUE(loaded->empty());
}

}  // namespace
}  // namespace osier::node
