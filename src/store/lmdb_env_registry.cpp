#include "store/lmdb_env_registry.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <map>
#include <mutex>
#include <utility>

#include "osier/base/io_error.hpp"
#include "store/lmdb_env.hpp"

namespace osier::store::lmdb {

namespace {

struct Open {
  std::weak_ptr<MDB_env> env;
  bool read_only = false;
  pid_t pid = 0;  // a child made by fork() inherits the registry, but may not use the parent's env
};

std::mutex& registry_mutex() {
  static std::mutex mu;
  return mu;
}

// (device, inode) of a store directory -> its environment, while any holder keeps it.
std::map<std::pair<dev_t, ino_t>, Open>& registry() {
  static std::map<std::pair<dev_t, ino_t>, Open> r;
  return r;
}

Result<std::shared_ptr<MDB_env>> open_new(const std::string& dir, const EnvSettings& s) {
  MDB_env* raw = nullptr;
  OSIER_RETURN_IF_ERROR(status_of(mdb_env_create(&raw), "create environment"));
  EnvPtr env(raw);
  OSIER_RETURN_IF_ERROR(status_of(mdb_env_set_maxdbs(raw, s.max_dbs), "set max dbs"));
  OSIER_RETURN_IF_ERROR(status_of(mdb_env_set_maxreaders(raw, s.max_readers), "set max readers"));
  OSIER_RETURN_IF_ERROR(status_of(mdb_env_set_mapsize(raw, s.map_size), "set map size"));
  OSIER_RETURN_IF_ERROR(status_of(mdb_env_open(raw, dir.c_str(), s.flags, 0600), "open " + dir));
  // Reader slots of processes that died (kill -9) would pin old pages for ever, so the data
  // file would only grow: clear them (LMDB checks each slot's pid).
  int dead_readers = 0;
  (void)mdb_reader_check(raw, &dead_readers);
  return std::shared_ptr<MDB_env>(env.release(), EnvCloser{});
}

}  // namespace

Result<std::shared_ptr<MDB_env>> open_shared_env(const std::string& dir,
                                                 const EnvSettings& settings) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) return io_error("cannot open the store", dir);
  const std::pair<dev_t, ino_t> key{st.st_dev, st.st_ino};
  const bool read_only = (settings.flags & MDB_RDONLY) != 0;
  std::lock_guard lock(registry_mutex());
  auto& reg = registry();
  const pid_t self = ::getpid();
  std::erase_if(reg, [&](const auto& kv) {
    return kv.second.pid != self || kv.second.env.expired();  // erasing a weak_ptr closes nothing
  });
  if (auto it = reg.find(key); it != reg.end()) {
    if (std::shared_ptr<MDB_env> env = it->second.env.lock()) {
      if (it->second.read_only && !read_only) {
        return error(ErrorCode::kInvalidArgument,
                     "the store at " + dir +
                         " is open read-only in this process (a store or a snapshot of it): "
                         "close it before opening it for writing");
      }
      return env;
    }
  }
  OSIER_ASSIGN_OR_RETURN(std::shared_ptr<MDB_env> env, open_new(dir, settings));
  reg[key] = Open{env, read_only, self};
  return env;
}

}  // namespace osier::store::lmdb
