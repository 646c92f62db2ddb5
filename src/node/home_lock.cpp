#include "node/home_lock.hpp"

namespace osier::node {

Result<HomeLock> HomeLock::acquire(const HomePaths& home) {
  OSIER_ASSIGN_OR_RETURN(FileLock lock, FileLock::acquire(home.config() + "/lock"));
  return HomeLock(std::move(lock));
}

}  // namespace osier::node
