#include "node/home_lock.hpp"

namespace osier::node {

Result<HomeLock> HomeLock::acquire(const HomePaths& home, std::chrono::milliseconds limit) {
  OSIER_ASSIGN_OR_RETURN(FileLock lock, FileLock::acquire_within(home.config() + "/lock", limit));
  return HomeLock(std::move(lock));
}

}  // namespace osier::node
