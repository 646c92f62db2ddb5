// The syntax rules one at a time: dot segments, percent-encoding, the authority's ids and
// aliases, query parameters, limits, and the errors for malformed URIs.
#include <gtest/gtest.h>

#include <string>
#include <variant>

#include "osier/uri/willow_uri.hpp"
#include "uri_test_util.hpp"

namespace osier::uri {
namespace {

using testing::kAlfie;
using testing::kAlfieText;
using testing::kFamily;
using testing::kFamilyText;
using testing::kHead;
using testing::must_parse;
using testing::parse_error;
using testing::path_of;

model::Path path(std::string_view suffix) {
  const WillowUri u = must_parse(std::string("willow://family.alfie") + std::string(suffix));
  return std::visit([](const auto& x) { return x.path; }, u);
}

std::string normal(std::string_view text) {
  Result<std::string> r = normalize(text, testing::kExampleResolver);
  EXPECT_TRUE(r.is_ok()) << text << ": " << (r.is_ok() ? "" : r.status().message());
  return r.is_ok() ? *r : std::string();
}

void expect_error(std::string_view text, std::string_view fragment_of_message,
                  const AliasResolver& resolver = testing::kExampleResolver) {
  const std::string msg = parse_error(text, resolver);
  EXPECT_NE(msg.find(fragment_of_message), std::string::npos) << text << " gave: " << msg;
}

// --- dot segments (uris#URIPath) ---

TEST(UriDotSegments, ResolvedLeftmostFirst) {
  EXPECT_EQ(path("/."), path_of({}));
  EXPECT_EQ(path("/.."), path_of({}));
  EXPECT_EQ(path("/../.."), path_of({}));
  EXPECT_EQ(path("/a/b/../../.."), path_of({}));
  EXPECT_EQ(path("/a/./b/."), path_of({"a", "b"}));
  EXPECT_EQ(path("/a/."), path_of({"a"}));
  EXPECT_EQ(path("/a/./"), path_of({"a", ""}));
  EXPECT_EQ(path("/a/../"), path_of({""}));
  EXPECT_EQ(path("/a/b/.."), path_of({"a"}));  // not /a/ as RFC 3986 would make it
  EXPECT_EQ(path("/../a"), path_of({"a"}));
  EXPECT_EQ(path("//.."), path_of({}));  // ".." removes the empty component before it
  EXPECT_EQ(path("/a/..?area"), path_of({}));
}

// SPEC-NOTES: only a literal "." or ".." is a dot segment; percent-encoded dots are data.
TEST(UriDotSegments, EncodedDotsAreComponents) {
  EXPECT_EQ(path("/%2E"), path_of({"."}));
  EXPECT_EQ(path("/%2e%2E"), path_of({".."}));
  EXPECT_EQ(path("/.%2E"), path_of({".."}));
  EXPECT_EQ(path("/..."), path_of({"..."}));
  EXPECT_EQ(path("/.a/a."), path_of({".a", "a."}));
  EXPECT_EQ(normal("willow://family.alfie/%2e/.%2E/..."), kHead + "/%2E/%2E%2E/...");
  // Printing escapes them, so they survive a round trip.
  EntryUri e;
  e.path = path_of({".", "..", "..."});
  EXPECT_EQ(to_string(e).substr(to_string(e).find('/', 9)), "/%2E/%2E%2E/...");
  EXPECT_EQ(parse_entry_uri(to_string(e))->path, e.path);
}

// --- percent-encoding ---

TEST(UriPercent, DecodedAndRenormalised) {
  EXPECT_EQ(path("/%41%62c"), path_of({"Abc"}));
  EXPECT_EQ(normal("willow://family.alfie/%41%62c"), kHead + "/Abc");
  EXPECT_EQ(normal("willow://family.alfie/caf%c3%a9"), kHead + "/caf%C3%A9");
  EXPECT_EQ(path("/a%2Fb"), path_of({"a/b"}));  // an encoded '/' is data, not a separator
  EXPECT_EQ(normal("willow://family.alfie/a%2fb"), kHead + "/a%2Fb");
  EXPECT_EQ(path("/%00"),
            (model::Path::from_components(std::vector<ByteView>{ByteView(Bytes{0})}).value()));
}

TEST(UriPercent, RawSubDelimitersColonAndAtAreAccepted) {
  EXPECT_EQ(path("/a:b@c!$&'()*+,;="), path_of({"a:b@c!$&'()*+,;="}));
  // percent_encode escapes every reserved byte.
  EXPECT_EQ(normal("willow://family.alfie/a:b@c!"), kHead + "/a%3Ab%40c%21");
}

TEST(UriPercent, FragmentKeepsQuerySafeBytesAndEncodesPercent) {
  const EntryUri e =
      *parse_entry_uri("willow://family.alfie#a/b?c:d@e!%25%20", testing::kExampleResolver);
  EXPECT_EQ(e.fragment, Bytes({'a', '/', 'b', '?', 'c', ':', 'd', '@', 'e', '!', '%', ' '}));
  EXPECT_EQ(to_string(e), kHead + "#a/b?c:d@e!%25%20");
  EXPECT_EQ(parse_entry_uri("willow://family.alfie#", testing::kExampleResolver)->fragment,
            Bytes{});
  EXPECT_EQ(normal("willow://family.alfie#"), kHead + "#");
  EXPECT_EQ(normal("willow://family.alfie#%7e%41"), kHead + "#~A");
}

TEST(UriPercent, Malformed) {
  expect_error("willow://family.alfie/a%", "column 24: '%' must be followed by two hex digits");
  expect_error("willow://family.alfie/a%4", "'%' must be followed by two hex digits");
  expect_error("willow://family.alfie/a%4/b", "column 24");
  expect_error("willow://family.alfie/a%G1", "'%' must be followed");
  expect_error("willow://family.alfie?from=%", "column 28");
  expect_error("willow://family.alfie#%zz", "'%' must be followed");
  expect_error("willow://fam%ily.alfie", "column 13");
}

TEST(UriPercent, CharactersThatMustBeEncoded) {
  expect_error("willow://family.alfie/a b",
               "column 24: byte 0x20 is not allowed in a path component");
  expect_error("willow://family.alfie/caf\xc3\xa9", "byte 0xC3 is not allowed in a path component");
  expect_error("willow://family.alfie/a\"b", "'\"' is not allowed");
  expect_error("willow://family.alfie/[x]", "'['");
  expect_error("willow://family.alfie?from=1 ", "not allowed in the query");
  expect_error("willow://family.alfie#a#b",
               "column 24: '#' is not allowed in the query or fragment");
  expect_error(std::string("willow://family.alfie/a\0b", 25), "byte 0x00");
}

// --- scheme and authority ---

TEST(UriAuthority, HexIdsAnyCaseNormaliseToLowercase) {
  std::string upper = kFamilyText + "." + kAlfieText;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(normal(std::string("willow://") + upper + "/x"), kHead + "/x");
  EXPECT_EQ(normal("WILLOW://family.alfie"), kHead);  // schemes are case-insensitive (RFC 3986)
}

TEST(UriAuthority, SignMustMatchCommunality) {
  model::NamespaceId owned = kFamily;
  owned.back() |= 1;
  const std::string owned_hex = to_hex(owned);
  EXPECT_EQ(parse_entry_uri(std::string("willow://-") + owned_hex + "." + kAlfieText)->namespace_id,
            owned);
  expect_error(std::string("willow://+") + owned_hex + "." + kAlfieText,
               "owned (last bit 1): write it with '-'");
  expect_error(std::string("willow://-") + to_hex(kFamily) + "." + kAlfieText,
               "communal (last bit 0): write it with '+'");
  EXPECT_EQ(normal(std::string("willow://-") + owned_hex + "." + kAlfieText),
            std::string("willow://-") + owned_hex + "." + kAlfieText);
}

TEST(UriAuthority, BadIds) {
  expect_error(std::string("willow://+") + std::string(63, 'a') + "0." + kAlfieText.substr(1),
               "column 76: the subspace id needs 64 hex digits (32 bytes), found 63");
  expect_error(std::string("willow://+") + std::string(62, 'a') + "00." + kAlfieText + "0",
               "found 65");
  expect_error(std::string("willow://+") + std::string(62, 'a') + "0." + kAlfieText,
               "namespace id needs 64 hex digits");
  expect_error(std::string("willow://+") + std::string(30, 'a') + std::string("g") +
                   std::string(33, '0') + "." + kAlfieText,
               "column 41: 'g' is not a hex digit in the namespace id");
  expect_error("willow://+." + kAlfieText, "found 0");
  expect_error("willow://." + kAlfieText, "column 10: missing namespace id");
  expect_error("willow://family.", "column 17 (end of URI): missing subspace id");
  expect_error("willow://family.alfie.x", "'.' cannot appear in a subspace id or alias");
  expect_error("willow://family",
               "column 16 (end of URI): expected '.' between the namespace id and the subspace id");
  expect_error("willow://", "expected '.'");
  expect_error("willow://user@family.alfie", "'@' is not allowed in the authority");
  expect_error("willow://family.alfie:80/", "':' is not allowed in the authority");
}

TEST(UriAuthority, Aliases) {
  // Without a resolver, an alias is an error naming it.
  expect_error(
      "willow://family.alfie/blog",
      "column 10: 'family' is not a namespace id ('+' or '-' then 64 hex digits), and no aliases",
      {});
  expect_error(
      kHead.substr(0, 74) + ".alfie",
      "column 76: 'alfie' is not a subspace id (64 hex digits), and no aliases are available", {});
  expect_error("willow://friends.alfie", "column 10: unknown namespace alias 'friends'");
  expect_error("willow://family.betty", "column 17: unknown subspace alias 'betty'");
  // The resolver is asked for the right kind of id.
  expect_error("willow://alfie.family", "unknown namespace alias 'alfie'");
  expect_error("willow://fam*ly.alfie", "'*' cannot appear in a namespace id or alias");
  // An alias may be percent-encoded like anything else in the authority.
  EXPECT_EQ(normal("willow://f%61mily.alfie"), kHead);
}

TEST(UriScheme, Errors) {
  expect_error("http://family.alfie/", "column 1: the scheme must be 'willow', not 'http'");
  expect_error("willow:/family.alfie/", "column 8: expected '//' after 'willow:'");
  expect_error("willow:family.alfie/", "expected '//' after 'willow:'");
  expect_error("", "column 1 (end of URI): expected 'willow://'");
  expect_error("family.alfie/blog", "expected 'willow://'");
  expect_error(" willow://family.alfie", "expected 'willow://'");
}

// --- query ---

TEST(UriQuery, OrderAndLeadingZerosDoNotMatter) {
  const std::string digest(64, 'a');
  EXPECT_EQ(normal("willow://family.alfie/x?to=0010&digest=" + digest + "&from=007"),
            kHead + "/x?digest=" + digest + "&from=7&to=10");
  EXPECT_EQ(normal("willow://family.alfie/x?to=3&count=00&area&size=9&from=000"),
            kHead + "/x?area&size=9&to=3");
  EXPECT_EQ(normal("willow://family.alfie?from=18446744073709551615"),
            kHead + "?from=18446744073709551615");
  EXPECT_EQ(normal(std::string("willow://family.alfie?digest=") + std::string(64, 'F')),
            kHead + std::string("?digest=") + std::string(64, 'f'));
  // Keys may be percent-encoded too.
  EXPECT_EQ(normal("willow://family.alfie?%61rea&fr%6Fm=1"), kHead + "?area&from=1");
}

TEST(UriQuery, Errors) {
  expect_error("willow://family.alfie?", "column 23 (end of URI): empty query after '?'");
  expect_error("willow://family.alfie?#x", "empty query after '?'");
  expect_error("willow://family.alfie?from=1&",
               "column 30 (end of URI): empty query parameter (a stray '&')");
  expect_error("willow://family.alfie?&from=1", "column 23: empty query parameter");
  expect_error("willow://family.alfie?area&&to=1", "column 28: empty query parameter");
  expect_error("willow://family.alfie?foo=1", "column 23: unknown query parameter 'foo'");
  expect_error("willow://family.alfie?From=1", "unknown query parameter 'From'");
  expect_error("willow://family.alfie?from", "column 27 (end of URI): expected '=' after 'from'");
  expect_error("willow://family.alfie?from=1&from=1",
               "column 30: duplicate query parameter 'from'");
  expect_error("willow://family.alfie?area&area", "duplicate query parameter 'area'");
  expect_error("willow://family.alfie?area=1", "column 27: 'area' takes no value");
  expect_error("willow://family.alfie?from=",
               "column 28 (end of URI): 'from=' needs a decimal number");
  expect_error("willow://family.alfie?from=-1",
               "column 28: '-' is not a decimal digit (in 'from=')");
  expect_error("willow://family.alfie?to=1x", "column 27: 'x' is not a decimal digit");
  expect_error("willow://family.alfie?to=%31%78", "column 29: 'x' is not a decimal digit");
  expect_error("willow://family.alfie?from=18446744073709551616",
               "'from=' exceeds the largest U64");
  expect_error("willow://family.alfie?area&count=99999999999999999999",
               "'count=' exceeds the largest U64");
  expect_error("willow://family.alfie?digest=xyz", "'x' is not a hex digit in the payload digest");
  expect_error("willow://family.alfie?digest=", "the payload digest needs 64 hex digits");
  expect_error(std::string("willow://family.alfie?area&digest=") + std::string(64, '0'),
               "column 28: 'digest=' belongs in Entry URIs, not Area URIs");
  expect_error("willow://family.alfie?count=1",
               "'count=' belongs in Area URIs (add 'area' to the query)");
  expect_error("willow://family.alfie?size=1", "'size=' belongs in Area URIs");
}

TEST(UriQuery, Hints) {
  EntryUri e = *parse_entry_uri("willow://family.alfie?hints=wtp://a.example:1/x%3By;mailto:me@x",
                                testing::kExampleResolver);
  EXPECT_EQ(e.hints, (std::vector<std::string>{"wtp://a.example:1/x;y", "mailto:me@x"}));
  EXPECT_EQ(to_string(e), kHead + "?hints=wtp%3A%2F%2Fa.example%3A1%2Fx%3By;mailto%3Ame%40x");
  // A hint's own percent-encodings survive (doubly encoded in the normal form).
  e = *parse_entry_uri("willow://family.alfie?hints=x:a%2520b", testing::kExampleResolver);
  EXPECT_EQ(e.hints, std::vector<std::string>{"x:a%20b"});
  EXPECT_EQ(to_string(e), kHead + "?hints=x%3Aa%2520b");

  expect_error("willow://family.alfie?hints=", "column 29 (end of URI): empty hint");
  expect_error("willow://family.alfie?hints=a:b;", "empty hint");
  expect_error("willow://family.alfie?hints=;a:b", "column 29: empty hint");
  expect_error("willow://family.alfie?hints=noscheme",
               "hint is not a URI: its scheme must be followed by ':'");
  expect_error("willow://family.alfie?hints=1a:b",
               "hint is not a URI: it must start with a scheme");
  expect_error("willow://family.alfie?hints=a:%20b", "hint is not a URI: it contains a character");
  expect_error("willow://family.alfie?hints=a:%25", "hint is not a URI: it has a '%'");
}

TEST(UriKinds, EntryOrArea) {
  EXPECT_TRUE(parse_entry_uri("willow://family.alfie/x", testing::kExampleResolver).is_ok());
  EXPECT_TRUE(
      parse_area_uri("willow://family.alfie/x?to=1&area", testing::kExampleResolver).is_ok());
  Result<EntryUri> e = parse_entry_uri("willow://family.alfie/x?area", testing::kExampleResolver);
  ASSERT_FALSE(e.is_ok());
  EXPECT_NE(e.status().message().find("expected an Entry URI, got an Area URI"), std::string::npos);
  Result<AreaUri> a = parse_area_uri("willow://family.alfie/x", testing::kExampleResolver);
  ASSERT_FALSE(a.is_ok());
  EXPECT_NE(a.status().message().find("expected an Area URI"), std::string::npos);
}

// --- limits (willow25: 4096 components, 4096 bytes per component and in total) ---

std::string repeat(std::string_view s, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += s;
  return out;
}

TEST(UriLimits, AtTheLimitsParses) {
  EXPECT_EQ(path(repeat("/", 4096)).component_count(), 4096u);
  EXPECT_EQ(path(std::string("/") + std::string(4096, 'x')).total_length(), 4096u);
  EXPECT_EQ(path(repeat("/ab", 2048)).total_length(), 4096u);
  EXPECT_EQ(path(std::string("/") + repeat("%41", 4096)).total_length(), 4096u);
  // Only the resolved path counts.
  EXPECT_EQ(path(repeat("/x", 5000) + repeat("/..", 1000)).component_count(), 4000u);
}

TEST(UriLimits, OverTheLimitsIsAnErrorNotATruncation) {
  const auto over = [](std::string_view suffix, std::string_view limit) {
    Result<WillowUri> r = parse_uri(std::string("willow://family.alfie") + std::string(suffix),
                                    testing::kExampleResolver);
    ASSERT_FALSE(r.is_ok());
    EXPECT_EQ(r.status().code(), ErrorCode::kOutOfRange);
    EXPECT_NE(r.status().message().find(limit), std::string::npos) << r.status().message();
  };
  over(repeat("/", 4097), "max_component_count");
  over(std::string("/").append(4097, 'x'), "max_component_length");
  over(repeat("/ab", 2048) + "/c", "max_path_length");
  over(std::string("/").append(repeat("%41", 4097)), "max_component_length");
  over(repeat("/", 4097) + "?area", "max_component_count");
}

TEST(UriLimits, OverlongInput) {
  const std::string text = std::string("willow://family.alfie#") + std::string(kMaxUriLength, 'a');
  Result<WillowUri> r = parse_uri(text, testing::kExampleResolver);
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kOutOfRange);
}

// --- conversions to and from the data model ---

TEST(UriSemantics, AreaOfInterestRoundTrip) {
  model::AreaOfInterest aoi;
  aoi.area.subspace = kAlfie;
  aoi.area.path = path_of({"a", ""});
  aoi.area.times = model::TimeRange{3, 9};
  aoi.max_count = 7;
  Result<AreaUri> a = area_uri_from(kFamily, aoi);
  ASSERT_TRUE(a.is_ok());
  EXPECT_EQ(to_string(*a), kHead + "/a/?area&count=7&from=3&to=9");
  EXPECT_EQ(area_of_interest(*a), aoi);

  aoi.area.subspace.reset();
  EXPECT_FALSE(area_uri_from(kFamily, aoi).is_ok());
  aoi.area.subspace = kAlfie;
  aoi.max_size = 0;
  EXPECT_FALSE(area_uri_from(kFamily, aoi).is_ok());
}

}  // namespace
}  // namespace osier::uri
