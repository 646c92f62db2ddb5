// willow:// URIs: Entry URIs (an entry, optionally a slice of its payload) and Area URIs (an area
// of interest), with the Willow'25 parameters. Parsing accepts every code the spec admits (plus
// the RFC 3986 leniencies listed in docs/cli.md); printing gives the normal form.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "osier/base/bytes.hpp"
#include "osier/base/status.hpp"
#include "osier/model/area.hpp"
#include "osier/model/ids.hpp"
#include "osier/model/path.hpp"

namespace osier::uri {

// spec: uris#EntryURI
// `path` is the Path the URIPath identifies: dot segments are resolved while parsing.
struct EntryUri {
  model::NamespaceId namespace_id{};
  model::SubspaceId subspace_id{};
  model::Path path;
  std::vector<std::string> hints;  // URIs, in the order to try them
  std::optional<Bytes> fragment;
  std::optional<model::PayloadDigest> expected_digest;
  std::optional<std::uint64_t> payload_from;
  std::optional<std::uint64_t> payload_to;

  bool operator==(const EntryUri&) const = default;
};

// The payload slice [start, end) an Entry URI identifies for a payload of `payload_length`
// bytes, or nullopt when it identifies no payload (neither index given).
// spec: uris#uris_semantics_entry
struct PayloadSlice {
  std::uint64_t start;
  std::uint64_t end;
};
std::optional<PayloadSlice> payload_slice(const EntryUri& uri, std::uint64_t payload_length);

// spec: uris#AreaURI
// max_count and max_size keep the URI's own convention: 0 (the value an omitted `count=` or
// `size=` stands for) means "no limit"; area_of_interest() maps it to AreaOfInterest::kNoLimit.
struct AreaUri {
  model::NamespaceId namespace_id{};
  model::SubspaceId subspace_id{};  // the spec's Area URIs have no "any subspace" form
  model::Path path;
  std::vector<std::string> hints;
  std::optional<Bytes> fragment;
  std::uint64_t max_count = 0;
  std::uint64_t max_size = 0;
  model::Timestamp timestamp_from = 0;
  std::optional<model::Timestamp> timestamp_to;  // nullopt = open time range

  bool operator==(const AreaUri&) const = default;
};

// spec: uris#uris_semantics_area
model::AreaOfInterest area_of_interest(const AreaUri& uri);
// Fails for an area with any subspace and for a limit of 0 (nothing at all): no URI names those.
Result<AreaUri> area_uri_from(const model::NamespaceId& namespace_id,
                              const model::AreaOfInterest& aoi);

using WillowUri = std::variant<EntryUri, AreaUri>;

// Which kind of id an alias stands for.
enum class IdKind { kNamespace, kSubspace };
// Maps a local alias (a name written where an id goes, e.g. `family` in willow://family.alfie/)
// to the 32-byte id; nullopt for an unknown name.
using AliasResolver =
    std::function<std::optional<ByteArray<32>>(IdKind kind, std::string_view alias)>;

// Upper bound on the text parse accepts, so that hostile input cannot make it allocate much.
inline constexpr std::size_t kMaxUriLength = 1 << 20;

// Parses either kind of URI (an `area` query parameter makes it an Area URI). Without a resolver,
// an alias in place of an id is an error naming it. Errors say which column is wrong.
Result<WillowUri> parse_uri(std::string_view text, const AliasResolver& resolver = {});
// Like parse_uri, but fails if the URI is of the other kind.
Result<EntryUri> parse_entry_uri(std::string_view text, const AliasResolver& resolver = {});
Result<AreaUri> parse_area_uri(std::string_view text, const AliasResolver& resolver = {});

// The normal form: see docs/cli.md ("osier uri"). parse_uri(to_string(x)) == x.
std::string to_string(const EntryUri& uri);
std::string to_string(const AreaUri& uri);
std::string to_string(const WillowUri& uri);

// to_string(parse_uri(text)).
Result<std::string> normalize(std::string_view text, const AliasResolver& resolver = {});

}  // namespace osier::uri
