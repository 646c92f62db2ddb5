#include "store/store_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>

#include "base/fs.hpp"
#include "crypto/random.hpp"
#include "osier/base/hex.hpp"
#include "osier/base/io_error.hpp"

namespace osier::store {
namespace {

constexpr const char* kLockName = "lock";

int flock_retry(int fd, int op) {
  int rc;
  do {
    rc = ::flock(fd, op);
  } while (rc != 0 && errno == EINTR);
  return rc;
}

std::vector<std::string> staging_dirs(const std::string& store_dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(store_dir + "/staging", ec), end; !ec && it != end;
       it.increment(ec)) {
    out.push_back(it->path().string());
  }
  return out;
}

}  // namespace

bool staging_dir_abandoned(const std::string& dir) {
  const int fd = ::open((dir + "/" + kLockName).c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    if (errno != ENOENT) return false;
    // No lock file: its maker died before making one — or is making it right now, so only an
    // old directory counts (and one from before lock files existed).
    struct stat st {};
    return ::stat(dir.c_str(), &st) == 0 && ::time(nullptr) - st.st_mtime > 600;
  }
  const bool gone = flock_retry(fd, LOCK_EX | LOCK_NB) == 0;
  ::close(fd);  // releases the lock if we took it
  return gone;
}

Result<int> make_staging_lock(const std::string& dir) {
  const std::string lock = dir + "/" + kLockName;
  const std::string fresh = lock + ".new";
  const int fd = fs::open(fresh.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return io_error("cannot create", fresh);
  if (flock_retry(fd, LOCK_EX | LOCK_NB) != 0 || fs::rename(fresh.c_str(), lock.c_str()) != 0) {
    Status st = io_error("cannot lock", lock);  // errno of the failed call
    ::close(fd);
    return st;
  }
  return fd;
}

Result<WriterLock> WriterLock::open(const std::string& dir) {
  const std::string path = dir + "/writer.lock";
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return io_error("cannot open", path);
  return WriterLock(fd);
}

WriterLock::~WriterLock() {
  if (fd_ >= 0) ::close(fd_);
}

Result<WriterLock::Held> WriterLock::acquire() const {
  if (depth_ == 0 && flock_retry(fd_, LOCK_EX) != 0) {
    return io_error("cannot take the store's writer lock", errno);
  }
  ++depth_;
  return Held(this);
}

WriterLock::Held::~Held() {
  if (lock_ && --lock_->depth_ == 0) (void)::flock(lock_->fd_, LOCK_UN);
}

Result<StagingArea> StagingArea::create(const std::string& store_dir) {
  const std::string parent = store_dir + "/staging";
  if (fs::mkdir(parent.c_str(), 0700) != 0 && errno != EEXIST)
    return io_error("cannot create", parent);
  const std::string dir = parent + "/" + to_hex(crypto::random_array<8>());
  if (fs::mkdir(dir.c_str(), 0700) != 0) return io_error("cannot create", dir);
  const Result<int> fd = make_staging_lock(dir);
  if (!fd) {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    return fd.status();
  }
  return StagingArea(dir, *fd);
}

StagingArea::StagingArea(StagingArea&& o) noexcept
    : dir_(std::move(o.dir_)), lock_fd_(o.lock_fd_), counter_(o.counter_.load()) {
  o.lock_fd_ = -1;
  o.dir_.clear();
}

StagingArea::~StagingArea() {
  if (dir_.empty()) return;
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

std::string StagingArea::fresh_name(const char* what) {
  return dir_ + "/" + std::to_string(++counter_) + "." + what;
}

std::vector<std::string> remove_dead_staging(const std::string& store_dir, const std::string& own) {
  std::vector<std::string> removed;
  for (const std::string& dir : staging_dirs(store_dir)) {
    if (dir == own || !staging_dir_abandoned(dir)) continue;
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    removed.push_back(dir);
  }
  return removed;
}

std::vector<std::string> list_dead_staging(const std::string& store_dir) {
  std::vector<std::string> out;
  for (const std::string& dir : staging_dirs(store_dir)) {
    if (staging_dir_abandoned(dir)) out.push_back(dir);
  }
  return out;
}

}  // namespace osier::store
