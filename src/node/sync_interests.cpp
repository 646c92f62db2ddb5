#include "node/sync_interests.hpp"

#include <algorithm>
#include <optional>
#include <string>

#include "base/hex.hpp"
#include "sync/private_interest.hpp"

namespace osier::node {

namespace {

// An alias when the home has one, else the id's hex.
std::string name_or_hex(const Home& home, uri::IdKind kind, const ByteArray<32>& id) {
  return home.aliases()->name_of(kind, id).value_or(to_hex(id));
}

std::string interest_text(const Home& home, const model::PrivateInterest& area) {
  return "namespace " + name_or_hex(home, uri::IdKind::kNamespace, area.namespace_id) +
         ", subspace " +
         (area.subspace_id ? name_or_hex(home, uri::IdKind::kSubspace, *area.subspace_id)
                           : std::string("(any)")) +
         ", path " +
         (area.path.component_count() == 0 ? std::string("(any)") : area.path.to_string());
}

}  // namespace

Result<std::vector<meadowcap::McCapability>> read_capabilities_of(
    const Home& home, const crypto::Ed25519PublicKey& who) {
  OSIER_ASSIGN_OR_RETURN(const std::vector<HeldCapability> held, home.caps().list());
  std::vector<meadowcap::McCapability> out;
  for (const HeldCapability& h : held) {
    if (h.cap.access_mode() == meadowcap::AccessMode::kRead && h.cap.receiver() == who) {
      out.push_back(h.cap);
    }
  }
  return out;
}

Result<std::vector<meadowcap::McCapability>> sync_interests(
    const Home& home, const Identity& me, const std::vector<model::NamespaceId>& namespaces,
    const std::vector<model::PrivateInterest>& areas) {
  OSIER_ASSIGN_OR_RETURN(std::vector<meadowcap::McCapability> caps,
                         read_capabilities_of(home, me.key.public_key()));
  const auto in = [](const std::vector<model::NamespaceId>& list, const model::NamespaceId& id) {
    return std::find(list.begin(), list.end(), id) != list.end();
  };
  if (!namespaces.empty()) {
    for (const model::NamespaceId& id : namespaces) {
      if (std::none_of(caps.begin(), caps.end(),
                       [&](const auto& c) { return c.granted_namespace() == id; })) {
        return error(ErrorCode::kNotFound, me.name + " holds no read capability for namespace " +
                                               name_or_hex(home, uri::IdKind::kNamespace, id));
      }
    }
    std::erase_if(caps, [&](const meadowcap::McCapability& c) {
      return !in(namespaces, c.granted_namespace());
    });
  }
  std::vector<meadowcap::McCapability> narrowed;
  std::vector<model::NamespaceId> narrowed_namespaces;
  for (const model::PrivateInterest& area : areas) {
    std::optional<meadowcap::McCapability> found;
    for (const meadowcap::McCapability& c : caps) {
      if (c.granted_namespace() != area.namespace_id) continue;
      Result<meadowcap::McCapability> narrow = sync::narrow_read_capability(c, me.key, area);
      if (narrow) {
        found = std::move(*narrow);
        break;
      }
    }
    if (!found) {
      return error(ErrorCode::kNotFound,
                   "no read capability of " + me.name + " includes " + interest_text(home, area));
    }
    narrowed.push_back(std::move(*found));
    narrowed_namespaces.push_back(area.namespace_id);
  }
  std::erase_if(caps, [&](const meadowcap::McCapability& c) {
    return in(narrowed_namespaces, c.granted_namespace());
  });
  caps.insert(caps.end(), narrowed.begin(), narrowed.end());
  return caps;
}

}  // namespace osier::node
