// Aliases: local names for identities (subspace ids) and namespaces (ids), kept in the JSON file
// config/aliases as {"identities": {NAME: hex}, "namespaces": {NAME: hex}}. A name may stand in
// for an id in willow:// URIs (uri::AliasResolver) and in command arguments.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.hpp"
#include "model/ids.hpp"
#include "node/home_paths.hpp"
#include "uri/willow_uri.hpp"

namespace osier::node {

// Ok iff `name` can be an alias: 1 to 64 of [A-Za-z0-9_~-], starting with a letter, and not
// all hex digits (a URI reads those as an id).
Status validate_alias_name(std::string_view name);

class Aliases {
 public:
  using Table = std::map<std::string, ByteArray<32>, std::less<>>;

  // Reads config/aliases (kCorrupt for a malformed file).
  static Result<Aliases> load(const HomePaths& home);
  // Writes the table back atomically.
  Status save() const;

  const Table& identities() const { return identities_; }
  const Table& namespaces() const { return namespaces_; }
  Table& table(uri::IdKind kind) {
    return kind == uri::IdKind::kSubspace ? identities_ : namespaces_;
  }
  const Table& table(uri::IdKind kind) const {
    return kind == uri::IdKind::kSubspace ? identities_ : namespaces_;
  }

  std::optional<ByteArray<32>> find(uri::IdKind kind, std::string_view name) const;
  // The alias of an id, if it has one.
  std::optional<std::string> name_of(uri::IdKind kind, const ByteArray<32>& id) const;
  // Adds NAME -> id; kInvalidArgument for a bad or taken name.
  Status add(uri::IdKind kind, const std::string& name, const ByteArray<32>& id);
  bool remove(uri::IdKind kind, std::string_view name);

  // Resolves an argument that names an identity: an alias or 64 hex digits.
  Result<model::SubspaceId> identity(std::string_view text) const;
  // Resolves an argument that names a namespace: an alias, or 64 hex digits (optionally after
  // the URI's '+' / '-').
  Result<model::NamespaceId> namespace_id(std::string_view text) const;

  uri::AliasResolver resolver() const;

 private:
  HomePaths home_;
  Table identities_;
  Table namespaces_;
};

}  // namespace osier::node
