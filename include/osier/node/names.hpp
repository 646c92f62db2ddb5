// Creating named identities and namespaces: the key, its alias and its keystore file as one step
// under the home's lock (Home::update_names), so that concurrent processes never lose a name or
// a key. What `osier id new|import` and `osier ns new` do, and the C API's osier_identity_new
// and osier_namespace_new.
#pragma once

#include <string>

#include "osier/base/status.hpp"
#include "osier/crypto/ed25519.hpp"
#include "osier/model/ids.hpp"
#include "osier/node/home.hpp"

namespace osier::node {

struct KeptIdentity {
  model::SubspaceId id{};
  // The name was already `id`'s, known by its id alone (`osier id add`); it now has its key.
  bool upgraded = false;
};

// Names `key`'s identity `name` and keeps the secret key. kInvalidArgument for a bad or taken
// name, or when the identity is known under another name. On failure nothing is kept.
Result<KeptIdentity> keep_identity(Home& home, const std::string& name,
                                   const crypto::Ed25519SecretKey& key);

// Creates a namespace named `name` with a fresh key pair whose kind is `communal` or owned
// (spec: willow25#is_communal); the secret key of an owned one is kept (a communal namespace's
// grants nothing). kInvalidArgument for a bad or taken name; on failure nothing is kept.
Result<model::NamespaceId> new_namespace(Home& home, const std::string& name, bool communal);

}  // namespace osier::node
