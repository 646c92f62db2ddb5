#include "node/home_paths.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>

#include "node/files.hpp"
#include "store/lmdb.hpp"

namespace osier::node {

Result<HomePaths> resolve_home(const std::string& explicit_dir) {
  std::string dir = explicit_dir;
  if (dir.empty()) {
    if (const char* env = std::getenv("OSIER_HOME"); env) {
      // Set but empty is a mistake (an unset variable in a script), not "the default home".
      if (!*env)
        return error(ErrorCode::kInvalidArgument,
                     "OSIER_HOME is set but empty: unset it or name a directory");
      dir = env;
    }
  }
  if (dir.empty()) {
    const char* home = std::getenv("HOME");
    if (!home || !*home) {
      return error(ErrorCode::kInvalidArgument,
                   "no home directory: set OSIER_HOME or pass --home DIR");
    }
    dir = std::string(home) + "/.local/share/osier";
  }
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  return HomePaths{dir};
}

Result<std::vector<std::string>> init_home(const HomePaths& home) {
  std::vector<std::string> created;
  // What this call made, to take back if a later step fails (a full disk, say): a failed init
  // leaves no half-made home behind. Removed deepest first; the store's files go with its dir.
  std::vector<std::string> made_paths;
  auto undo = [&](Status st) {
    std::error_code ec;
    for (auto it = made_paths.rbegin(); it != made_paths.rend(); ++it)
      std::filesystem::remove_all(*it, ec);
    return st;
  };
  struct Dir {
    std::string path;
    unsigned mode;
  };
  const Dir dirs[] = {{home.root, 0755},   {home.store(), 0700},  {home.keys(), 0700},
                      {home.caps(), 0755}, {home.config(), 0755}, {home.tmp(), 0700}};
  // A complete home is left exactly as it is (it may be read-only: a backup, read-only media):
  // only checked, through a read-only open of its store.
  bool complete = file_exists(home.aliases()) && file_exists(home.store() + "/data.mdb");
  for (const Dir& d : dirs) complete = complete && file_exists(d.path);
  if (complete) {
    Result<std::unique_ptr<store::Store>> store = open_home_store(home, true);
    if (!store) return store.status();
    return created;
  }
  // Refuse before changing anything (a mode, say) when the home cannot be written.
  if (file_exists(home.root) && ::access(home.root.c_str(), W_OK) != 0) {
    return error(ErrorCode::kIo, "cannot initialise " + home.root + ": " + describe_errno(errno));
  }
  for (const Dir& d : dirs) {
    bool made = false;
    if (Status st = make_dir(d.path, d.mode, &made); !st) return undo(st);
    if (made) {
      created.push_back(d.path + "/");
      made_paths.push_back(d.path);
    }
  }
  if (!file_exists(home.aliases())) {
    if (Status st = write_file_atomic(home.aliases(), as_bytes("{}\n"), 0644); !st) return undo(st);
    created.push_back(home.aliases());
    made_paths.push_back(home.aliases());
  }
  const bool new_store = !file_exists(home.store() + "/data.mdb");
  // Opening creates the store's files; closing right away leaves an empty, valid store.
  auto store = store::open_lmdb_store(home.store());
  if (!store) {
    if (new_store) {
      std::error_code ec;
      for (const char* f : {"/data.mdb", "/lock.mdb"})
        std::filesystem::remove(home.store() + f, ec);
      std::filesystem::remove_all(home.store() + "/payloads", ec);
    }
    return undo(store.status());
  }
  store->reset();
  if (new_store) created.push_back(home.store() + "/ (an empty LMDB store)");
  return created;
}

Status require_home(const HomePaths& home) {
  if (!file_exists(home.aliases()) || !file_exists(home.keys())) {
    return error(ErrorCode::kNotFound, "no osier home at " + home.root +
                                           " (run `osier init --home " + home.root + "` first)");
  }
  return Status::ok();
}

Result<std::unique_ptr<store::Store>> open_home_store(const HomePaths& home, bool read_only) {
  store::LmdbStoreOptions options;
  options.read_only = read_only;
  auto s = store::open_lmdb_store(home.store(), options);
  // kInvalidArgument from a read-only open: the format is older and needs its upgrade.
  if (s || !read_only || s.status().code() != ErrorCode::kInvalidArgument) return s;
  store::LmdbStoreOptions upgrade;
  upgrade.create_if_missing = false;
  if (!store::open_lmdb_store(home.store(), upgrade)) return s;
  return store::open_lmdb_store(home.store(), options);
}

}  // namespace osier::node
