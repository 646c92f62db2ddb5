// Parsing willow:// URIs. The text is read left to right once; every error names the column
// (1-based, in bytes) of the offending character.
#include <algorithm>
#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "osier/base/hex.hpp"
#include "osier/uri/percent.hpp"
#include "osier/uri/willow_uri.hpp"
#include "uri/hint.hpp"

namespace osier::uri {
namespace {

constexpr std::string_view kScheme = "willow://";
constexpr std::size_t kIdHexDigits = 64;

bool is_alias_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '~';
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
           return lower(x) == lower(y);
         });
}

// Which bytes a part of the URI may hold unencoded (besides percent_encodings).
enum class Part { kHost, kPath, kQuery };

bool allowed_in(Part part, std::uint8_t b) {
  if (is_unreserved(b) || is_subdelimiter(b)) return true;
  switch (part) {
    case Part::kHost:
      return false;
    case Part::kPath:
      return b == ':' || b == '@';
    case Part::kQuery:
      return is_query_extra(b);
  }
  return false;
}

// A query parameter seen in the text: where its value starts and what it is.
struct Param {
  bool present = false;
  std::size_t key_pos = 0;
  std::size_t value_begin = 0;
  std::size_t value_end = 0;
};

struct Query {
  bool area = false;
  std::size_t area_pos = 0;
  Param hints, digest, from, to, count, size;
};

class Parser {
 public:
  Parser(std::string_view text, const AliasResolver& resolver) : text_(text), resolver_(resolver) {}

  Result<WillowUri> parse();

 private:
  Status fail(std::size_t pos, const std::string& what) const {
    std::string where = "column " + std::to_string(pos + 1);
    if (pos >= text_.size()) where += " (end of URI)";
    return error(ErrorCode::kInvalidEncoding, "invalid willow URI at " + where + ": " + what);
  }

  // Checks that text_[begin, end) holds only bytes `part` allows and well-formed
  // percent_encodings.
  Status check_chars(std::size_t begin, std::size_t end, Part part) const;
  // Decodes text_[begin, end) (already checked).
  Bytes decode(std::size_t begin, std::size_t end) const {
    return percent_decode(text_.substr(begin, end - begin)).value_or(Bytes{});
  }
  // The column of the index-th decoded byte of text_[begin, ...).
  std::size_t raw_pos(std::size_t begin, std::size_t index) const {
    std::size_t p = begin;
    for (std::size_t i = 0; i < index && p < text_.size(); ++i) p += text_[p] == '%' ? 3 : 1;
    return p;
  }

  Status parse_scheme();
  Result<ByteArray<32>> parse_hex_id(std::string_view digits, std::size_t begin, std::size_t skip,
                                     const char* what) const;
  Result<ByteArray<32>> resolve_alias(IdKind kind, std::string_view name, std::size_t begin) const;
  Result<model::NamespaceId> parse_namespace_id(std::size_t begin, std::size_t end) const;
  Result<model::SubspaceId> parse_subspace_id(std::size_t begin, std::size_t end) const;
  Result<model::Path> parse_path();
  Status parse_query(std::size_t begin, std::size_t end, Query& q) const;
  Result<std::uint64_t> parse_u64(const Param& p, const char* key) const;
  // Sets `out` (a U64 or an optional one) when the parameter is present.
  template <typename T>
  Status read_number(const Param& p, const char* key, T& out) const {
    if (!p.present) return Status::ok();
    OSIER_ASSIGN_OR_RETURN(out, parse_u64(p, key));
    return Status::ok();
  }
  Result<model::PayloadDigest> parse_digest(const Param& p) const;
  Result<std::vector<std::string>> parse_hints(const Param& p) const;
  Status reject(const Param& p, const char* key, const char* why) const {
    return p.present ? fail(p.key_pos, std::string("'") + key + "=' " + why) : Status::ok();
  }

  std::string_view text_;
  const AliasResolver& resolver_;
  std::size_t pos_ = 0;
};

Status Parser::check_chars(std::size_t begin, std::size_t end, Part part) const {
  for (std::size_t i = begin; i < end; ++i) {
    const auto b = static_cast<std::uint8_t>(text_[i]);
    if (b == '%') {
      if (i + 2 >= end || !is_hex_digit(text_[i + 1]) || !is_hex_digit(text_[i + 2])) {
        return fail(i, "'%' must be followed by two hex digits");
      }
      i += 2;
      continue;
    }
    if (!allowed_in(part, b)) {
      const char* where = part == Part::kHost   ? "the authority"
                          : part == Part::kPath ? "a path component"
                                                : "the query or fragment";
      return fail(i, describe_byte(b) + " is not allowed in " + where + " (percent-encode it)");
    }
  }
  return Status::ok();
}

Status Parser::parse_scheme() {
  if (text_.size() >= kScheme.size() &&
      equals_ignoring_case(text_.substr(0, kScheme.size()), kScheme)) {
    pos_ = kScheme.size();
    return Status::ok();
  }
  const std::size_t colon = text_.find(':');
  if (colon != std::string_view::npos && colon > 0 && colon <= 32 &&
      equals_ignoring_case(text_.substr(0, colon), "willow")) {
    return fail(colon + 1, "expected '//' after 'willow:'");
  }
  if (colon != std::string_view::npos && colon > 0 && colon <= 32 &&
      std::all_of(text_.begin(), text_.begin() + static_cast<std::ptrdiff_t>(colon),
                  [](char c) { return c > 0x20 && c < 0x7f; })) {
    return fail(0,
                "the scheme must be 'willow', not '" + std::string(text_.substr(0, colon)) + "'");
  }
  return fail(0, "expected 'willow://'");
}

Result<ByteArray<32>> Parser::parse_hex_id(std::string_view digits, std::size_t begin,
                                           std::size_t skip, const char* what) const {
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (!is_hex_digit(digits[i])) {
      return fail(raw_pos(begin, skip + i), describe_byte(static_cast<std::uint8_t>(digits[i])) +
                                                " is not a hex digit in the " + what);
    }
  }
  if (digits.size() != kIdHexDigits) {
    return fail(begin, std::string("the ") + what + " needs 64 hex digits (32 bytes), found " +
                           std::to_string(digits.size()));
  }
  return array_from_hex<32>(digits).value();
}

Result<ByteArray<32>> Parser::resolve_alias(IdKind kind, std::string_view name,
                                            std::size_t begin) const {
  const char* kind_name = kind == IdKind::kNamespace ? "namespace" : "subspace";
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (!is_alias_char(name[i])) {
      return fail(raw_pos(begin, i), describe_byte(static_cast<std::uint8_t>(name[i])) +
                                         " cannot appear in a " + kind_name + " id or alias");
    }
  }
  std::string quoted = "'";
  quoted.append(name).append("'");
  if (!resolver_) {
    const char* form =
        kind == IdKind::kNamespace ? "'+' or '-' then 64 hex digits" : "64 hex digits";
    return fail(begin, quoted.append(" is not a ")
                           .append(kind_name)
                           .append(" id (")
                           .append(form)
                           .append("), and no aliases are available here"));
  }
  std::optional<ByteArray<32>> id = resolver_(kind, name);
  if (!id)
    return fail(begin, std::string("unknown ").append(kind_name).append(" alias ").append(quoted));
  return *id;
}

// spec: willow25#willow25_uris (URIEncodeNamespaceId)
Result<model::NamespaceId> Parser::parse_namespace_id(std::size_t begin, std::size_t end) const {
  const Bytes decoded = decode(begin, end);
  const std::string_view s = as_chars(decoded);
  if (s.empty()) return fail(begin, "missing namespace id before '.'");
  if (s[0] != '+' && s[0] != '-') return resolve_alias(IdKind::kNamespace, s, begin);
  OSIER_ASSIGN_OR_RETURN(model::NamespaceId id,
                         parse_hex_id(s.substr(1), begin, 1, "namespace id"));
  const bool communal = model::is_communal(id);
  if (communal != (s[0] == '+')) {
    return fail(begin,
                communal ? "this namespace id is communal (last bit 0): write it with '+', not '-'"
                         : "this namespace id is owned (last bit 1): write it with '-', not '+'");
  }
  return id;
}

// spec: willow25#willow25_uris (URIEncodeSubspaceId)
Result<model::SubspaceId> Parser::parse_subspace_id(std::size_t begin, std::size_t end) const {
  const Bytes decoded = decode(begin, end);
  const std::string_view s = as_chars(decoded);
  if (s.empty()) return fail(begin, "missing subspace id after '.'");
  // All-hex text is meant as an id (and reported as one if its length is wrong).
  if (std::all_of(s.begin(), s.end(), is_hex_digit))
    return parse_hex_id(s, begin, 0, "subspace id");
  return resolve_alias(IdKind::kSubspace, s, begin);
}

// spec: uris#URIPath — dot segments are resolved as they come: the leftmost one first.
Result<model::Path> Parser::parse_path() {
  std::vector<Bytes> components;
  while (pos_ < text_.size() && text_[pos_] == '/') {
    const std::size_t begin = ++pos_;
    const std::size_t end = std::min(text_.find_first_of("/?#", begin), text_.size());
    OSIER_RETURN_IF_ERROR(check_chars(begin, end, Part::kPath));
    const std::string_view segment = text_.substr(begin, end - begin);
    if (segment == "..") {
      if (!components.empty()) components.pop_back();
    } else if (segment != ".") {
      components.push_back(decode(begin, end));
    }
    pos_ = end;
  }
  const std::vector<ByteView> views(components.begin(), components.end());
  Result<model::Path> path = model::Path::from_components(views);
  if (!path)
    return error(ErrorCode::kOutOfRange, "invalid willow URI: path: " + path.status().message());
  return path;
}

Status Parser::parse_query(std::size_t begin, std::size_t end, Query& q) const {
  OSIER_RETURN_IF_ERROR(check_chars(begin, end, Part::kQuery));
  std::size_t item = begin;
  for (;;) {
    const std::size_t item_end = std::min(text_.find('&', item), end);
    if (item == item_end) {
      return fail(item,
                  begin == end ? "empty query after '?'" : "empty query parameter (a stray '&')");
    }
    const std::size_t eq =
        item + std::min(text_.substr(item, item_end - item).find('='), item_end - item);
    const Bytes key_bytes = decode(item, eq);
    const std::string key(as_chars(key_bytes));
    const std::string shown(text_.substr(item, std::min<std::size_t>(eq - item, 40)));
    if (key == "area") {
      if (eq != item_end) return fail(eq, "'area' takes no value");
      if (q.area) return fail(item, "duplicate query parameter 'area'");
      q.area = true;
      q.area_pos = item;
    } else {
      const std::array<std::pair<const char*, Param*>, 6> known = {{{"hints", &q.hints},
                                                                    {"digest", &q.digest},
                                                                    {"from", &q.from},
                                                                    {"to", &q.to},
                                                                    {"count", &q.count},
                                                                    {"size", &q.size}}};
      auto it =
          std::find_if(known.begin(), known.end(), [&](const auto& k) { return key == k.first; });
      if (it == known.end()) {
        return fail(item, "unknown query parameter '" + shown +
                              "' (known: area, hints, digest, from, to, count, size)");
      }
      Param& p = *it->second;
      if (eq == item_end) return fail(eq, "expected '=' after '" + shown + "'");
      if (p.present) return fail(item, "duplicate query parameter '" + shown + "'");
      p = Param{true, item, eq + 1, item_end};
    }
    if (item_end == end) return Status::ok();
    item = item_end + 1;
  }
}

Result<std::uint64_t> Parser::parse_u64(const Param& p, const char* key) const {
  const Bytes digits = decode(p.value_begin, p.value_end);
  if (digits.empty())
    return fail(p.value_begin, std::string("'") + key + "=' needs a decimal number");
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    const std::uint8_t c = digits[i];
    if (c < '0' || c > '9') {
      return fail(raw_pos(p.value_begin, i),
                  describe_byte(c) + " is not a decimal digit (in '" + key + "=')");
    }
    const std::uint64_t d = c - '0';
    if (v > (UINT64_MAX - d) / 10) {
      return fail(p.value_begin,
                  std::string("'") + key + "=' exceeds the largest U64 (18446744073709551615)");
    }
    v = v * 10 + d;
  }
  return v;
}

// spec: willow25#willow25_uris (URIEncodePayloadDigest)
Result<model::PayloadDigest> Parser::parse_digest(const Param& p) const {
  const Bytes digits = decode(p.value_begin, p.value_end);
  return parse_hex_id(as_chars(digits), p.value_begin, 0, "payload digest");
}

Result<std::vector<std::string>> Parser::parse_hints(const Param& p) const {
  std::vector<std::string> hints;
  std::size_t begin = p.value_begin;
  for (;;) {
    const std::size_t end = std::min(text_.find(';', begin), p.value_end);
    if (begin == end) return fail(begin, "empty hint (hints are URIs separated by ';')");
    const Bytes hint = decode(begin, end);
    const std::string_view why = hint_problem(as_chars(hint));
    if (!why.empty()) return fail(begin, "hint is not a URI: " + std::string(why));
    hints.emplace_back(as_chars(hint));
    if (end == p.value_end) return hints;
    begin = end + 1;
  }
}

Result<WillowUri> Parser::parse() {
  if (text_.size() > kMaxUriLength) {
    return error(ErrorCode::kOutOfRange,
                 "invalid willow URI: longer than " + std::to_string(kMaxUriLength) + " bytes");
  }
  OSIER_RETURN_IF_ERROR(parse_scheme());

  const std::size_t authority_end = std::min(text_.find_first_of("/?#", pos_), text_.size());
  OSIER_RETURN_IF_ERROR(check_chars(pos_, authority_end, Part::kHost));
  const std::size_t dot = std::min(text_.find('.', pos_), authority_end);
  if (dot == authority_end)
    return fail(dot, "expected '.' between the namespace id and the subspace id");
  OSIER_ASSIGN_OR_RETURN(const model::NamespaceId namespace_id, parse_namespace_id(pos_, dot));
  OSIER_ASSIGN_OR_RETURN(const model::SubspaceId subspace_id,
                         parse_subspace_id(dot + 1, authority_end));
  pos_ = authority_end;

  OSIER_ASSIGN_OR_RETURN(model::Path path, parse_path());

  Query q;
  if (pos_ < text_.size() && text_[pos_] == '?') {
    const std::size_t end = std::min(text_.find('#', pos_ + 1), text_.size());
    OSIER_RETURN_IF_ERROR(parse_query(pos_ + 1, end, q));
    pos_ = end;
  }
  std::optional<Bytes> fragment;
  if (pos_ < text_.size() && text_[pos_] == '#') {
    OSIER_RETURN_IF_ERROR(check_chars(pos_ + 1, text_.size(), Part::kQuery));
    fragment = decode(pos_ + 1, text_.size());
  }
  std::vector<std::string> hints;
  if (q.hints.present) {
    OSIER_ASSIGN_OR_RETURN(hints, parse_hints(q.hints));
  }

  // The fields both kinds share.
  const auto common = [&](auto uri) {
    uri.namespace_id = namespace_id;
    uri.subspace_id = subspace_id;
    uri.path = std::move(path);
    uri.hints = std::move(hints);
    uri.fragment = std::move(fragment);
    return uri;
  };
  if (q.area) {
    OSIER_RETURN_IF_ERROR(reject(q.digest, "digest", "belongs in Entry URIs, not Area URIs"));
    AreaUri a = common(AreaUri{});
    OSIER_RETURN_IF_ERROR(read_number(q.count, "count", a.max_count));
    OSIER_RETURN_IF_ERROR(read_number(q.size, "size", a.max_size));
    OSIER_RETURN_IF_ERROR(read_number(q.from, "from", a.timestamp_from));
    OSIER_RETURN_IF_ERROR(read_number(q.to, "to", a.timestamp_to));
    return WillowUri{std::move(a)};
  }
  OSIER_RETURN_IF_ERROR(reject(q.count, "count", "belongs in Area URIs (add 'area' to the query)"));
  OSIER_RETURN_IF_ERROR(reject(q.size, "size", "belongs in Area URIs (add 'area' to the query)"));
  EntryUri e = common(EntryUri{});
  if (q.digest.present) {
    OSIER_ASSIGN_OR_RETURN(e.expected_digest, parse_digest(q.digest));
  }
  OSIER_RETURN_IF_ERROR(read_number(q.from, "from", e.payload_from));
  OSIER_RETURN_IF_ERROR(read_number(q.to, "to", e.payload_to));
  return WillowUri{std::move(e)};
}

}  // namespace

Result<WillowUri> parse_uri(std::string_view text, const AliasResolver& resolver) {
  return Parser(text, resolver).parse();
}

Result<EntryUri> parse_entry_uri(std::string_view text, const AliasResolver& resolver) {
  OSIER_ASSIGN_OR_RETURN(WillowUri uri, parse_uri(text, resolver));
  if (auto* e = std::get_if<EntryUri>(&uri)) return std::move(*e);
  return error(ErrorCode::kInvalidArgument,
               "expected an Entry URI, got an Area URI (its query has 'area')");
}

Result<AreaUri> parse_area_uri(std::string_view text, const AliasResolver& resolver) {
  OSIER_ASSIGN_OR_RETURN(WillowUri uri, parse_uri(text, resolver));
  if (auto* a = std::get_if<AreaUri>(&uri)) return std::move(*a);
  return error(ErrorCode::kInvalidArgument,
               "expected an Area URI (with 'area' in its query), got an Entry URI");
}

Result<std::string> normalize(std::string_view text, const AliasResolver& resolver) {
  OSIER_ASSIGN_OR_RETURN(const WillowUri uri, parse_uri(text, resolver));
  return to_string(uri);
}

}  // namespace osier::uri
