#include "osier/node/new_capability.hpp"

#include <vector>

#include "osier/meadowcap/communal_capability.hpp"
#include "osier/meadowcap/owned_capability.hpp"

namespace osier::node {

Result<NewCapability> new_capability(const Home& home, std::string_view ns,
                                     const std::string& receiver, meadowcap::AccessMode mode) {
  const std::shared_ptr<const Aliases> aliases = home.aliases();
  OSIER_ASSIGN_OR_RETURN(model::NamespaceId id, aliases->namespace_id(ns));
  std::string as = receiver;
  if (as.empty()) {
    std::vector<std::string> own;
    for (const auto& [name, ss] : aliases->identities()) {
      if (home.keys().has(KeyKind::kIdentity, name)) own.push_back(name);
    }
    if (own.size() != 1) {
      return error(ErrorCode::kInvalidArgument,
                   own.empty() ? "no identity on this node: `osier id new NAME` first"
                               : "several identities: name the receiver (--as)");
    }
    as = own[0];
  }
  OSIER_ASSIGN_OR_RETURN(model::SubspaceId user, aliases->identity(as));
  OSIER_ASSIGN_OR_RETURN(meadowcap::McCapability cap, [&]() -> Result<meadowcap::McCapability> {
    if (model::is_communal(id))
      return meadowcap::McCapability(meadowcap::CommunalCapability::create(mode, id, user));
    std::optional<crypto::Ed25519SecretKey> secret = home.namespace_secret(id);
    if (!secret) {
      return error(ErrorCode::kNotFound,
                   "missing namespace secret: creating a capability for owned namespace '" +
                       std::string(ns) + "' needs its secret key, which this node does not hold");
    }
    return meadowcap::McCapability(meadowcap::OwnedCapability::create(*secret, mode, user));
  }());
  OSIER_ASSIGN_OR_RETURN(std::string cap_id, home.caps().add(cap));
  return NewCapability{std::move(cap_id), std::move(cap)};
}

}  // namespace osier::node
