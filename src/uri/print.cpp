// The normal form of willow:// URIs: lowercase hex ids, resolved dot segments, only the bytes
// percent_encode must escape escaped (uppercase), query parameters in the order the spec lists
// them, and defaults left out.
#include <string>
#include <vector>

#include "osier/base/hex.hpp"
#include "osier/uri/percent.hpp"
#include "osier/uri/willow_uri.hpp"

namespace osier::uri {
namespace {

// Scheme, authority and path: the part Entry and Area URIs share.
// spec: uris#EncodeEntryURI
std::string head(const model::NamespaceId& namespace_id, const model::SubspaceId& subspace_id,
                 const model::Path& path) {
  std::string out = "willow://";
  out += model::is_communal(namespace_id) ? '+' : '-';
  out += to_hex(namespace_id);
  out += '.';
  out += to_hex(subspace_id);
  // Path::to_string applies percent_encode to each component and also escapes the dots of a
  // "." or ".." component, which would otherwise read as a dot segment.
  out += path.to_string();
  return out;
}

void add_hints(const std::vector<std::string>& hints, std::vector<std::string>& items) {
  if (hints.empty()) return;
  std::string item = "hints=";
  for (std::size_t i = 0; i < hints.size(); ++i) {
    if (i > 0) item += ';';
    percent_encode(as_bytes(hints[i]), item);
  }
  items.push_back(std::move(item));
}

void add_number(const char* key, std::uint64_t value, std::vector<std::string>& items) {
  items.push_back(std::string(key).append("=").append(std::to_string(value)));
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty()) out += '&';
    out += item;
  }
  return out;
}

void add_fragment(const std::optional<Bytes>& fragment, std::string& out) {
  if (!fragment) return;
  out += '#';
  fragment_encode(*fragment, out);
}

}  // namespace

std::string to_string(const EntryUri& uri) {
  std::string out = head(uri.namespace_id, uri.subspace_id, uri.path);
  std::vector<std::string> items;
  add_hints(uri.hints, items);
  if (uri.expected_digest)
    items.push_back(std::string("digest=").append(to_hex(*uri.expected_digest)));
  if (uri.payload_from) add_number("from", *uri.payload_from, items);
  if (uri.payload_to) add_number("to", *uri.payload_to, items);
  if (!items.empty()) out.append("?").append(join(items));
  add_fragment(uri.fragment, out);
  return out;
}

// spec: uris#EncodeAreaURI — starting the query with "?area", as the examples do (SPEC-NOTES).
std::string to_string(const AreaUri& uri) {
  std::string out = head(uri.namespace_id, uri.subspace_id, uri.path);
  std::vector<std::string> items = {"area"};
  add_hints(uri.hints, items);
  if (uri.max_count != 0) add_number("count", uri.max_count, items);
  if (uri.max_size != 0) add_number("size", uri.max_size, items);
  if (uri.timestamp_from != 0) add_number("from", uri.timestamp_from, items);
  if (uri.timestamp_to) add_number("to", *uri.timestamp_to, items);
  out.append("?").append(join(items));
  add_fragment(uri.fragment, out);
  return out;
}

std::string to_string(const WillowUri& uri) {
  return std::visit([](const auto& u) { return to_string(u); }, uri);
}

}  // namespace osier::uri
