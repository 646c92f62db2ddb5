// Shared by the uri tests: the ids the spec's examples call `family` and `alfie`, and a resolver
// that knows those two aliases.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "osier/base/hex.hpp"
#include "osier/uri/willow_uri.hpp"

namespace osier::uri::testing {

// A communal namespace id (last byte even) and a subspace id.
inline const model::NamespaceId kFamily =
    *array_from_hex<32>("0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20");
inline const model::SubspaceId kAlfie =
    *array_from_hex<32>("a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0");
inline const std::string kFamilyText = std::string("+").append(to_hex(kFamily));
inline const std::string kAlfieText = to_hex(kAlfie);
// What willow://family.alfie normalises to.
inline const std::string kHead = "willow://" + kFamilyText + "." + kAlfieText;

inline std::optional<ByteArray<32>> resolve_examples(IdKind kind, std::string_view alias) {
  if (kind == IdKind::kNamespace && alias == "family") return kFamily;
  if (kind == IdKind::kSubspace && alias == "alfie") return kAlfie;
  return std::nullopt;
}
inline const AliasResolver kExampleResolver = resolve_examples;

inline model::Path path_of(std::initializer_list<std::string_view> comps) {
  return model::Path::from_strings(comps).value();
}

// Parses `text` (failing the test if it does not parse) with the example aliases.
inline WillowUri must_parse(std::string_view text) {
  Result<WillowUri> r = parse_uri(text, kExampleResolver);
  EXPECT_TRUE(r.is_ok()) << text << ": " << (r.is_ok() ? "" : r.status().message());
  return r.is_ok() ? *r : WillowUri{};
}

// The error message for `text`, or "" (and a test failure) if it parses.
inline std::string parse_error(std::string_view text,
                               const AliasResolver& resolver = kExampleResolver) {
  Result<WillowUri> r = parse_uri(text, resolver);
  EXPECT_FALSE(r.is_ok()) << text << " parsed as " << (r.is_ok() ? to_string(*r) : "");
  return r.is_ok() ? std::string() : r.status().message();
}

}  // namespace osier::uri::testing
