// Every example URI of the spec's uris page (uris#uris_entry_examples, uris#uris_area_examples
// and the two at the top), parsed with `family` and `alfie` as aliases, checked field by field
// and printed in normal form.
#include <gtest/gtest.h>

#include <string>
#include <variant>

#include "osier/uri/willow_uri.hpp"
#include "uri_test_util.hpp"

namespace osier::uri {
namespace {

using testing::kAlfie;
using testing::kFamily;
using testing::kHead;
using testing::must_parse;
using testing::parse_error;
using testing::path_of;

// The spec writes 4- and 3-byte digests (b287afb0, b287af); Willow'25 digests have 32 bytes.
const std::string kDigestHex = std::string("b287afb0") + std::string(56, '5');

EntryUri entry(std::string_view text) {
  WillowUri u = must_parse(text);
  EXPECT_TRUE(std::holds_alternative<EntryUri>(u)) << text;
  return std::holds_alternative<EntryUri>(u) ? std::get<EntryUri>(u) : EntryUri{};
}

AreaUri area(std::string_view text) {
  WillowUri u = must_parse(text);
  EXPECT_TRUE(std::holds_alternative<AreaUri>(u)) << text;
  return std::holds_alternative<AreaUri>(u) ? std::get<AreaUri>(u) : AreaUri{};
}

struct PathExample {
  const char* text;  // after willow://family.alfie
  model::Path path;
  const char* normal;  // after the normalised head
};

std::vector<PathExample> path_examples() {
  return {
      {"/blog/ideas", path_of({"blog", "ideas"}), "/blog/ideas"},
      {"/blog/ideas/", path_of({"blog", "ideas", ""}), "/blog/ideas/"},
      {"/blog///ideas", path_of({"blog", "", "", "ideas"}), "/blog///ideas"},
      {"", path_of({}), ""},
      {"/", path_of({""}), "/"},
      {"/blog/./ideas/..", path_of({"blog"}), "/blog"},
      {"/chess/../../../blog", path_of({"blog"}), "/blog"},
  };
}

TEST(UriSpecExamples, EntryPaths) {
  for (const PathExample& ex : path_examples()) {
    const std::string text = std::string("willow://family.alfie") + ex.text;
    const EntryUri e = entry(text);
    EXPECT_EQ(e.namespace_id, kFamily) << text;
    EXPECT_EQ(e.subspace_id, kAlfie) << text;
    EXPECT_EQ(e.path, ex.path) << text;
    EXPECT_TRUE(e.hints.empty());
    EXPECT_FALSE(e.fragment || e.expected_digest || e.payload_from || e.payload_to) << text;
    EXPECT_EQ(to_string(e), kHead + ex.normal) << text;
  }
}

TEST(UriSpecExamples, AreaPaths) {
  for (const PathExample& ex : path_examples()) {
    const std::string text = std::string("willow://family.alfie") + ex.text + "?area";
    const AreaUri a = area(text);
    EXPECT_EQ(a.namespace_id, kFamily) << text;
    EXPECT_EQ(a.subspace_id, kAlfie) << text;
    EXPECT_EQ(a.path, ex.path) << text;
    EXPECT_EQ(a.max_count, 0u);
    EXPECT_EQ(a.max_size, 0u);
    EXPECT_EQ(a.timestamp_from, 0u);
    EXPECT_FALSE(a.timestamp_to);
    EXPECT_EQ(to_string(a), kHead + ex.normal + "?area") << text;
    // No limits, all of time: the whole of the area.
    const model::AreaOfInterest aoi = area_of_interest(a);
    EXPECT_EQ(aoi.max_count, model::AreaOfInterest::kNoLimit);
    EXPECT_EQ(aoi.max_size, model::AreaOfInterest::kNoLimit);
    EXPECT_EQ(aoi.area.subspace, kAlfie);
    EXPECT_EQ(aoi.area.path, ex.path);
    EXPECT_EQ(aoi.area.times, model::TimeRange::full());
  }
}

constexpr const char* kHintsQuery =
    "hints=wcsp%3A%2F%2Fworm-blossom.org%3A1234%2Fexample;wtp%3A%2F%2Fworm-blossom.org%3A1235%"
    "2Fexample";
const std::vector<std::string> kHints = {"wcsp://worm-blossom.org:1234/example",
                                         "wtp://worm-blossom.org:1235/example"};

TEST(UriSpecExamples, EntryHints) {
  const EntryUri e = entry(std::string("willow://family.alfie/blog?") + kHintsQuery);
  EXPECT_EQ(e.hints, kHints);
  EXPECT_EQ(e.path, path_of({"blog"}));
  EXPECT_EQ(to_string(e), kHead + "/blog?" + kHintsQuery);
}

TEST(UriSpecExamples, AreaHints) {
  const AreaUri a = area(std::string("willow://family.alfie/blog?area&") + kHintsQuery);
  EXPECT_EQ(a.hints, kHints);
  EXPECT_EQ(to_string(a), kHead + "/blog?area&" + kHintsQuery);
}

TEST(UriSpecExamples, DigestsAsWrittenAreTooShortForWillow25) {
  EXPECT_NE(parse_error("willow://family.alfie/blog?digest=b287afb0")
                .find("64 hex digits (32 bytes), found 8"),
            std::string::npos);
  EXPECT_NE(
      parse_error("willow://family.alfie/blog/idea.txt?from=5&digest=b287af#about").find("found 6"),
      std::string::npos);
}

TEST(UriSpecExamples, Digest) {
  const EntryUri e = entry(std::string("willow://family.alfie/blog?digest=") + kDigestHex);
  ASSERT_TRUE(e.expected_digest);
  EXPECT_EQ(to_hex(*e.expected_digest), kDigestHex);
  EXPECT_FALSE(e.fragment);
  EXPECT_EQ(to_string(e), kHead + std::string("/blog?digest=") + kDigestHex);
}

TEST(UriSpecExamples, DigestAndFragment) {
  const EntryUri e =
      entry(std::string("willow://family.alfie/blog?digest=") + kDigestHex + "#blabla%0A");
  ASSERT_TRUE(e.fragment);
  EXPECT_EQ(*e.fragment, Bytes({'b', 'l', 'a', 'b', 'l', 'a', '\n'}));
  EXPECT_EQ(to_string(e), kHead + std::string("/blog?digest=") + kDigestHex + "#blabla%0A");
}

TEST(UriSpecExamples, AtAGlanceEntry) {
  const EntryUri e = entry(std::string("willow://family.alfie/blog/idea.txt?from=5&digest=") +
                           kDigestHex + "#about");
  EXPECT_EQ(e.path, path_of({"blog", "idea.txt"}));
  EXPECT_EQ(e.payload_from, 5u);
  EXPECT_FALSE(e.payload_to);
  EXPECT_EQ(e.fragment, Bytes({'a', 'b', 'o', 'u', 't'}));
  // Normal form: digest before from, as the spec lists them.
  EXPECT_EQ(to_string(e),
            kHead + std::string("/blog/idea.txt?digest=") + kDigestHex + "&from=5#about");
}

TEST(UriSpecExamples, AtAGlanceArea) {
  const AreaUri a = area("willow://family.alfie/blog?area&count=12");
  EXPECT_EQ(a.max_count, 12u);
  EXPECT_EQ(area_of_interest(a).max_count, 12u);
  EXPECT_EQ(area_of_interest(a).max_size, model::AreaOfInterest::kNoLimit);
  EXPECT_EQ(to_string(a), kHead + "/blog?area&count=12");
}

struct SliceExample {
  const char* query;
  std::optional<std::uint64_t> from, to;
  const char* normal;
  std::uint64_t length;  // a payload length to evaluate the slice against
  std::optional<PayloadSlice> slice;
};

TEST(UriSpecExamples, PayloadSlices) {
  const std::vector<SliceExample> examples = {
      {"from=0", 0, std::nullopt, "?from=0", 30, PayloadSlice{0, 30}},         // the whole payload
      {"to=17", std::nullopt, 17, "?to=17", 30, PayloadSlice{0, 17}},          // bytes 0..16
      {"to=6&from=4", 4, 6, "?from=4&to=6", 30, PayloadSlice{4, 6}},           // bytes 4 and 5
      {"from=5&to=5", 5, 5, "?from=5&to=5", 30, PayloadSlice{5, 5}},           // empty
      {"from=99&to=12", 99, 12, "?from=99&to=12", 200, PayloadSlice{99, 99}},  // empty
      {"from=99&to=12", 99, 12, "?from=99&to=12", 50, PayloadSlice{50, 50}},   // truncated
      {"to=17", std::nullopt, 17, "?to=17", 10, PayloadSlice{0, 10}},          // truncated
  };
  for (const SliceExample& ex : examples) {
    const EntryUri e = entry(std::string("willow://family.alfie/blog?") + ex.query);
    EXPECT_EQ(e.payload_from, ex.from) << ex.query;
    EXPECT_EQ(e.payload_to, ex.to) << ex.query;
    EXPECT_EQ(to_string(e), kHead + "/blog" + ex.normal) << ex.query;
    const std::optional<PayloadSlice> s = payload_slice(e, ex.length);
    ASSERT_EQ(s.has_value(), ex.slice.has_value()) << ex.query;
    EXPECT_EQ(s->start, ex.slice->start) << ex.query;
    EXPECT_EQ(s->end, ex.slice->end) << ex.query;
  }
  EXPECT_FALSE(payload_slice(entry("willow://family.alfie/blog"), 10));  // no payload identified
}

TEST(UriSpecExamples, AreaLimits) {
  AreaUri a = area("willow://family.alfie/blog?area&count=5&size=0");
  EXPECT_EQ(a.max_count, 5u);
  EXPECT_EQ(a.max_size, 0u);  // size=0 is the default: no limit
  EXPECT_EQ(area_of_interest(a).max_size, model::AreaOfInterest::kNoLimit);
  EXPECT_EQ(to_string(a), kHead + "/blog?area&count=5");

  a = area("willow://family.alfie/blog?area&count=5&size=0#blabla%0A");
  EXPECT_EQ(a.fragment, Bytes({'b', 'l', 'a', 'b', 'l', 'a', '\n'}));
  EXPECT_EQ(to_string(a), kHead + "/blog?area&count=5#blabla%0A");
}

TEST(UriSpecExamples, AreaTimes) {
  AreaUri a = area("willow://family.alfie/blog?area&from=0");
  EXPECT_EQ(a.timestamp_from, 0u);
  EXPECT_FALSE(a.timestamp_to);
  EXPECT_EQ(to_string(a), kHead + "/blog?area");

  a = area("willow://family.alfie/blog?area&to=17");
  EXPECT_EQ(area_of_interest(a).area.times, (model::TimeRange{0, 17}));
  EXPECT_EQ(to_string(a), kHead + "/blog?area&to=17");

  a = area("willow://family.alfie/blog?area&to=6&from=4");
  EXPECT_EQ(area_of_interest(a).area.times, (model::TimeRange{4, 6}));
  EXPECT_EQ(to_string(a), kHead + "/blog?area&from=4&to=6");
}

// SPEC-NOTES: the syntax template's "&area" and "sipe=" are typos for the examples' "?area" and
// "size=". Read literally, "&area" is just part of the last path component.
TEST(UriSpecExamples, TemplateTyposAreNotSyntax) {
  const EntryUri e = entry("willow://family.alfie/blog&area");
  EXPECT_EQ(e.path, path_of({"blog&area"}));
  EXPECT_EQ(to_string(e), kHead + "/blog%26area");
  EXPECT_NE(
      parse_error("willow://family.alfie/blog?area&sipe=3").find("unknown query parameter 'sipe'"),
      std::string::npos);
}

}  // namespace
}  // namespace osier::uri
