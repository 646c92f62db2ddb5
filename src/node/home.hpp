// The home directory of a local node: $OSIER_HOME, else ~/.local/share/osier, unless a
// directory is given. Layout:
//   store/           the LmdbStore
//   keys/            the keystore (mode 0700; one 0600 file per secret key)
//   caps/            held capabilities (one file per capability, its canonic encoding in hex)
//   config/aliases   the alias table (JSON)
//   tmp/             spool files (standard input being put)
#pragma once

#include <string>
#include <vector>

#include "base/status.hpp"

namespace osier::node {

struct HomePaths {
  std::string root;

  std::string store() const { return root + "/store"; }
  std::string keys() const { return root + "/keys"; }
  std::string caps() const { return root + "/caps"; }
  std::string config() const { return root + "/config"; }
  std::string aliases() const { return root + "/config/aliases"; }
  std::string tmp() const { return root + "/tmp"; }
};

// `explicit_dir` if not empty, else $OSIER_HOME, else $HOME/.local/share/osier.
Result<HomePaths> resolve_home(const std::string& explicit_dir);

// Creates whatever is missing of the layout (idempotent); returns what it created.
Result<std::vector<std::string>> init_home(const HomePaths& home);

// kNotFound (with a hint to run `osier init`) unless the home was initialised.
Status require_home(const HomePaths& home);

}  // namespace osier::node
