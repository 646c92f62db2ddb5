#include "osier/node/names.hpp"

namespace osier::node {

Result<KeptIdentity> keep_identity(Home& home, const std::string& name,
                                   const crypto::Ed25519SecretKey& key) {
  KeptIdentity kept{key.public_key(), false};
  bool wrote_key = false;
  const Status st = home.update_names([&](Aliases& a) -> Status {
    const std::optional<std::string> other = a.name_of(uri::IdKind::kSubspace, kept.id);
    kept.upgraded = other && *other == name && !home.keys().has(KeyKind::kIdentity, name);
    if (other && !kept.upgraded) {
      return error(ErrorCode::kInvalidArgument,
                   "this identity is known already as '" + *other + "'");
    }
    if (!kept.upgraded) OSIER_RETURN_IF_ERROR(a.add(uri::IdKind::kSubspace, name, kept.id));
    OSIER_RETURN_IF_ERROR(home.keys().save(KeyKind::kIdentity, name, key));
    wrote_key = true;
    return Status::ok();
  });
  if (!st) {
    if (wrote_key) (void)home.keys().remove(KeyKind::kIdentity, name);  // the table was not saved
    return st;
  }
  return kept;
}

Result<model::NamespaceId> new_namespace(Home& home, const std::string& name, bool communal) {
  OSIER_RETURN_IF_ERROR(validate_alias_name(name));
  // spec: willow25#is_communal — the kind is the key's last bit, so draw keys until it fits
  // (two tries on average).
  crypto::Ed25519SecretKey key = crypto::Ed25519SecretKey::generate();
  while (model::is_communal(key.public_key()) != communal)
    key = crypto::Ed25519SecretKey::generate();
  bool wrote_key = false;
  const Status st = home.update_names([&](Aliases& a) -> Status {
    if (a.find(uri::IdKind::kNamespace, name)) {
      return error(ErrorCode::kInvalidArgument,
                   "the name '" + name + "' is taken by another namespace");
    }
    OSIER_RETURN_IF_ERROR(a.add(uri::IdKind::kNamespace, name, key.public_key()));
    if (!communal) {
      OSIER_RETURN_IF_ERROR(home.keys().save(KeyKind::kNamespace, name, key));
      wrote_key = true;
    }
    return Status::ok();
  });
  if (!st) {
    if (wrote_key) (void)home.keys().remove(KeyKind::kNamespace, name);  // the table was not saved
    return st;
  }
  return key.public_key();
}

}  // namespace osier::node
