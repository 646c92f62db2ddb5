// Held capabilities: the Meadowcap capabilities this node keeps (caps/<id>.cap, the canonic
// encoding in hex), and their text form for import and export.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.hpp"
#include "meadowcap/capability.hpp"
#include "node/home_paths.hpp"

namespace osier::node {

// The text form of a capability: the canonic encoding (encode_mc_capability) in lowercase hex.
Result<std::string> capability_to_text(const meadowcap::McCapability& cap);
// Parses the text form (surrounding whitespace ignored); only canonic codes of valid
// capabilities are accepted.
Result<meadowcap::McCapability> capability_from_text(std::string_view text);
// A short, stable name: the first 16 hex digits of the WILLIAM3 digest of the canonic encoding.
Result<std::string> capability_id(const meadowcap::McCapability& cap);

struct HeldCapability {
  std::string id;
  meadowcap::McCapability cap;
};

class CapabilityStore {
 public:
  explicit CapabilityStore(HomePaths home) : home_(std::move(home)) {}

  // Keeps `cap` (idempotent); returns its id.
  Result<std::string> add(const meadowcap::McCapability& cap) const;
  // Every held capability, ordered by id. A damaged file is kCorrupt, naming it.
  Result<std::vector<HeldCapability>> list() const;
  // A held capability by its id (or an unambiguous prefix of at least 4 digits), or given in
  // full as text.
  Result<HeldCapability> find(std::string_view id_or_text) const;
  // Drops one held capability (by id, as find() takes it); kNotFound when none.
  Status remove(const std::string& id) const;
  // Drops every held capability of `namespace_id`; returns how many.
  Result<std::size_t> remove_namespace(const model::NamespaceId& namespace_id) const;

 private:
  HomePaths home_;
};

}  // namespace osier::node
