// A home for the daemon tools (daemon_bench, daemon_scale_bench): initialised, with one identity
// "me" whose key is `key`, and its LMDB store open.
#pragma once

#include <cstdlib>
#include <memory>
#include <string>

#include "osier/node/home.hpp"

namespace osier::bench {

struct BenchHome {
  node::HomePaths paths;
  std::unique_ptr<node::Home> home;
  std::unique_ptr<store::Store> store;
  crypto::Ed25519SecretKey key = crypto::Ed25519SecretKey::generate();

  explicit BenchHome(const std::string& dir) : paths{dir} {
    if (!node::init_home(paths).is_ok()) std::abort();
    home = node::Home::open(paths).value();
    if (!home->keys().save(node::KeyKind::kIdentity, "me", key).is_ok()) std::abort();
    if (!home->update_names([&](node::Aliases& al) {
               return al.add(uri::IdKind::kSubspace, "me", key.public_key());
             })
             .is_ok()) {
      std::abort();
    }
    store = node::open_home_store(paths, false).value();
  }
  void hold(const meadowcap::McCapability& cap) const {
    if (!home->caps().add(cap).is_ok()) std::abort();
  }
};

}  // namespace osier::bench
