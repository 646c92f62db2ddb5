// Where a local node's files are: the home directory: $OSIER_HOME, else ~/.local/share/osier,
// unless a directory is given. Layout:
//   store/           the LmdbStore
//   keys/            the keystore (mode 0700; one 0600 file per secret key)
//   caps/            held capabilities (one file per capability, its canonic encoding in hex)
//   config/aliases   the alias table (JSON)
//   config/peers     the peers a daemon keeps in touch with (JSON, osier/node/peers.hpp)
//   tmp/             spool files (standard input being put)
//   daemon.sock      the running daemon's control socket (osier/node/daemon.hpp)
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "osier/base/status.hpp"
#include "osier/store/lmdb.hpp"

namespace osier::node {

struct HomePaths {
  std::string root;

  std::string store() const { return root + "/store"; }
  std::string keys() const { return root + "/keys"; }
  std::string caps() const { return root + "/caps"; }
  std::string config() const { return root + "/config"; }
  std::string aliases() const { return root + "/config/aliases"; }
  std::string peers() const { return root + "/config/peers"; }
  std::string tmp() const { return root + "/tmp"; }
  // The running daemon's control socket (mode 0600; docs/control-api.md).
  std::string control_socket() const { return root + "/daemon.sock"; }
};

// `explicit_dir` if not empty, else $OSIER_HOME, else $HOME/.local/share/osier.
Result<HomePaths> resolve_home(const std::string& explicit_dir);

// Creates whatever is missing of the layout (idempotent); returns what it created.
Result<std::vector<std::string>> init_home(const HomePaths& home);

// kNotFound (with a hint to run `osier init`) unless the home was initialised.
Status require_home(const HomePaths& home);

// Opens the home's store. A read-only open of a store in an older format first upgrades it
// with a writable open when the home can be written (the upgrade is a write any writer would
// make: docs/formats.md); where it cannot, the read-only open's error stands.
// Its writes are the home's (HomePaths::store()); the store outlives any Home or Node using it.
Result<std::unique_ptr<store::Store>> open_home_store(const HomePaths& home, bool read_only);

}  // namespace osier::node
