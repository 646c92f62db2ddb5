#include "osier/meadowcap/capability.hpp"

namespace osier::meadowcap {

AccessMode McCapability::access_mode() const {
  return std::visit([](const auto& c) { return c.access_mode; }, inner_);
}

const UserPublicKey& McCapability::receiver() const {
  return std::visit([](const auto& c) -> const UserPublicKey& { return c.receiver(); }, inner_);
}

const NamespacePublicKey& McCapability::granted_namespace() const {
  return std::visit([](const auto& c) -> const NamespacePublicKey& { return c.namespace_key; },
                    inner_);
}

model::Area McCapability::granted_area() const {
  return std::visit([](const auto& c) { return c.granted_area(); }, inner_);
}

const UserPublicKey& McCapability::progenitor() const {
  return std::visit([](const auto& c) -> const UserPublicKey& { return c.user_key; }, inner_);
}

std::size_t McCapability::delegation_count() const { return delegations().size(); }

const std::vector<Delegation>& McCapability::delegations() const {
  return std::visit([](const auto& c) -> const std::vector<Delegation>& { return c.delegations; },
                    inner_);
}

Result<McCapability> McCapability::delegate(const crypto::Ed25519SecretKey& receiver_key,
                                            const model::Area& new_area,
                                            const UserPublicKey& new_user) const {
  return std::visit(
      [&](const auto& c) -> Result<McCapability> {
        auto next = c.delegate(receiver_key, new_area, new_user);
        if (!next.is_ok()) return next.status();
        return McCapability(std::move(next).value());
      },
      inner_);
}

// spec: meadowcap#cap_valid
Status McCapability::validate() const {
  if (is_communal()) {
    if (!model::is_communal(communal().namespace_key)) {
      return error(ErrorCode::kVerification,
                   "communal capability for a namespace that is not communal (is_communal)");
    }
    return communal().validate();
  }
  if (model::is_communal(owned().namespace_key)) {
    return error(ErrorCode::kVerification,
                 "owned capability for a communal namespace (is_communal)");
  }
  return owned().validate();
}

}  // namespace osier::meadowcap
