#include "osier/node/aliases.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "node/files.hpp"
#include "osier/base/hex.hpp"

namespace osier::node {

namespace {

using Json = nlohmann::json;

bool is_hex_char(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

const char* kind_word(uri::IdKind kind) {
  return kind == uri::IdKind::kSubspace ? "identity" : "namespace";
}

Status read_table(const Json& j, const char* key, Aliases::Table& out, const std::string& file) {
  if (!j.contains(key)) return Status::ok();
  const Json& t = j[key];
  if (!t.is_object())
    return error(ErrorCode::kCorrupt, file + ": \"" + key + "\" is not an object");
  for (auto it = t.begin(); it != t.end(); ++it) {
    std::optional<ByteArray<32>> id;
    if (it.value().is_string()) id = array_from_hex<32>(it.value().get_ref<const std::string&>());
    if (!id || !validate_alias_name(it.key()).is_ok()) {
      return error(ErrorCode::kCorrupt, file + ": bad alias '" + it.key() + "'");
    }
    out[it.key()] = *id;
  }
  return Status::ok();
}

}  // namespace

Status validate_alias_name(std::string_view name) {
  const auto fail = [&](const char* why) {
    return error(ErrorCode::kInvalidArgument, "bad name '" + std::string(name) + "': " + why);
  };
  if (name.empty() || name.size() > 64) return fail("a name has 1 to 64 characters");
  if (!((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= 'A' && name[0] <= 'Z'))) {
    return fail("a name starts with a letter");
  }
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '~';
    if (!ok) return fail("a name has only letters, digits, '-', '_' and '~'");
  }
  if (std::all_of(name.begin(), name.end(), is_hex_char)) {
    return fail("a name of only hex digits would read as an id in a URI");
  }
  return Status::ok();
}

Result<Aliases> Aliases::load(const HomePaths& home) {
  Aliases a;
  a.home_ = home;
  OSIER_ASSIGN_OR_RETURN(Bytes text, read_small_file(home.aliases(), 16 << 20));
  const Json j = Json::parse(as_chars(text), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object())
    return error(ErrorCode::kCorrupt, home.aliases() + ": not a JSON object");
  OSIER_RETURN_IF_ERROR(read_table(j, "identities", a.identities_, home.aliases()));
  OSIER_RETURN_IF_ERROR(read_table(j, "namespaces", a.namespaces_, home.aliases()));
  return a;
}

Status Aliases::save() const {
  Json j = Json::object();
  j["identities"] = Json::object();
  j["namespaces"] = Json::object();
  for (const auto& [name, id] : identities_) j["identities"][name] = to_hex(id);
  for (const auto& [name, id] : namespaces_) j["namespaces"][name] = to_hex(id);
  const std::string text = j.dump(2) + "\n";
  return write_file_atomic(home_.aliases(), as_bytes(text), 0644);
}

std::optional<ByteArray<32>> Aliases::find(uri::IdKind kind, std::string_view name) const {
  const Table& t = table(kind);
  auto it = t.find(name);
  if (it == t.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> Aliases::name_of(uri::IdKind kind, const ByteArray<32>& id) const {
  for (const auto& [name, value] : table(kind)) {
    if (value == id) return name;
  }
  return std::nullopt;
}

Status Aliases::add(uri::IdKind kind, const std::string& name, const ByteArray<32>& id) {
  OSIER_RETURN_IF_ERROR(validate_alias_name(name));
  if (find(kind, name)) {
    return error(ErrorCode::kInvalidArgument,
                 std::string("the name '") + name + "' is taken by another " + kind_word(kind));
  }
  table(kind)[name] = id;
  return Status::ok();
}

bool Aliases::remove(uri::IdKind kind, std::string_view name) {
  Table& t = table(kind);
  auto it = t.find(name);
  if (it == t.end()) return false;
  t.erase(it);
  return true;
}

Result<model::SubspaceId> Aliases::identity(std::string_view text) const {
  if (auto id = find(uri::IdKind::kSubspace, text)) return *id;
  if (auto id = array_from_hex<32>(text)) return *id;
  return error(ErrorCode::kNotFound,
               "unknown identity '" + std::string(text) +
                   "' (not an alias, nor 64 hex digits; see `osier id list`)");
}

Result<model::NamespaceId> Aliases::namespace_id(std::string_view text) const {
  if (auto id = find(uri::IdKind::kNamespace, text)) return *id;
  std::string_view hex = text;
  const char sign = !hex.empty() && (hex[0] == '+' || hex[0] == '-') ? hex[0] : '\0';
  if (sign) hex.remove_prefix(1);
  if (auto id = array_from_hex<32>(hex)) {
    // spec: uris — '+' marks a communal namespace, '-' an owned one; a wrong sign is a mistake.
    if (sign && (sign == '+') != model::is_communal(*id)) {
      return error(ErrorCode::kInvalidArgument,
                   std::string("the id's sign '") + sign + "' says " +
                       (sign == '+' ? "communal" : "owned") + ", but it is " +
                       (sign == '+' ? "an owned" : "a communal") + " namespace's id");
    }
    return *id;
  }
  return error(ErrorCode::kNotFound,
               "unknown namespace '" + std::string(text) +
                   "' (not an alias, nor 64 hex digits; see `osier ns list`)");
}

uri::AliasResolver Aliases::resolver() const {
  return [this](uri::IdKind kind, std::string_view name) { return find(kind, name); };
}

}  // namespace osier::node
