#include "node/home.hpp"

#include <cstdlib>

#include "node/files.hpp"
#include "store/lmdb_store.hpp"

namespace osier::node {

Result<HomePaths> resolve_home(const std::string& explicit_dir) {
  std::string dir = explicit_dir;
  if (dir.empty()) {
    if (const char* env = std::getenv("OSIER_HOME"); env && *env) dir = env;
  }
  if (dir.empty()) {
    const char* home = std::getenv("HOME");
    if (!home || !*home) {
      return error(ErrorCode::kInvalidArgument, "no home directory: set OSIER_HOME or pass --home DIR");
    }
    dir = std::string(home) + "/.local/share/osier";
  }
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  return HomePaths{dir};
}

Result<std::vector<std::string>> init_home(const HomePaths& home) {
  std::vector<std::string> created;
  struct Dir {
    std::string path;
    unsigned mode;
  };
  const Dir dirs[] = {{home.root, 0755},  {home.store(), 0700}, {home.keys(), 0700},
                      {home.caps(), 0755}, {home.config(), 0755}, {home.tmp(), 0700}};
  for (const Dir& d : dirs) {
    bool made = false;
    OSIER_RETURN_IF_ERROR(make_dir(d.path, d.mode, &made));
    if (made) created.push_back(d.path + "/");
  }
  if (!file_exists(home.aliases())) {
    OSIER_RETURN_IF_ERROR(write_file_atomic(home.aliases(), as_bytes("{}\n"), 0644));
    created.push_back(home.aliases());
  }
  const bool new_store = !file_exists(home.store() + "/data.mdb");
  // Opening creates the store's files; closing right away leaves an empty, valid store.
  OSIER_ASSIGN_OR_RETURN(auto store, store::LmdbStore::open(home.store()));
  store.reset();
  if (new_store) created.push_back(home.store() + "/ (an empty LMDB store)");
  return created;
}

Status require_home(const HomePaths& home) {
  if (!file_exists(home.aliases()) || !file_exists(home.keys())) {
    return error(ErrorCode::kNotFound,
                 "no osier home at " + home.root + " (run `osier init --home " + home.root + "` first)");
  }
  return Status::ok();
}

}  // namespace osier::node
