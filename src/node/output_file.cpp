#include "node/output_file.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "node/files.hpp"

namespace osier::node {
namespace {

const char* kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISLNK(mode)) return "a symbolic link";
  if (S_ISCHR(mode) || S_ISBLK(mode)) return "a device";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

std::string dir_of(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string base_of(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// The process's umask, read without changing it: umask(2) can only be read by setting it, which
// races with other threads creating files (a library's caller may have some). Linux 4.7+ shows
// it in /proc/self/status; elsewhere 022 is assumed.
mode_t current_umask() {
  std::FILE* f = std::fopen("/proc/self/status", "r");
  if (f == nullptr) return 022;
  char line[256];
  unsigned mask = 022;
  while (std::fgets(line, sizeof line, f) != nullptr) {
    if (std::sscanf(line, "Umask: %o", &mask) == 1) break;
  }
  std::fclose(f);
  return static_cast<mode_t>(mask);
}

}  // namespace

Status check_output_target(const std::string& target, bool overwrite,
                           const std::string& how_to_overwrite) {
  if (target.empty()) return error(ErrorCode::kInvalidArgument, "no output file given");
  struct stat st {};
  if (::lstat(target.c_str(), &st) != 0) {
    if (errno == ENOENT) return Status::ok();
    return io_error(target, errno);
  }
  if (!S_ISREG(st.st_mode)) {
    return error(ErrorCode::kInvalidArgument,
                 target + " is " + kind_of(st.st_mode) + ": osier writes only regular files" +
                     (S_ISDIR(st.st_mode) ? " (name a file inside it)" : ""));
  }
  if (!overwrite) {
    return error(ErrorCode::kInvalidArgument,
                 target + " exists already (" + how_to_overwrite + " replaces it)");
  }
  return Status::ok();
}

Result<std::unique_ptr<AtomicOutput>> AtomicOutput::open(const std::string& target, bool overwrite,
                                                         const std::string& how_to_overwrite) {
  OSIER_RETURN_IF_ERROR(check_output_target(target, overwrite, how_to_overwrite));
  std::string temp = dir_of(target) + "/." + base_of(target) + ".osier-part-XXXXXX";
  const int fd = ::mkstemp(temp.data());  // O_EXCL: a fresh file of our own
  if (fd < 0) return io_error(temp, errno);
  std::FILE* f = ::fdopen(fd, "wb");
  if (f == nullptr) {
    const int err = errno;
    ::close(fd);
    ::unlink(temp.c_str());
    return io_error(temp, err);
  }
  // mkstemp makes 0600; the target gets the usual mode a new file would.
  (void)::fchmod(fd, 0666 & ~current_umask());
  return std::unique_ptr<AtomicOutput>(new AtomicOutput(target, temp, f));  // NOLINT: private
}

AtomicOutput::~AtomicOutput() {
  if (f_ != nullptr) std::fclose(f_);
  if (!committed_) ::unlink(temp_.c_str());
}

Status AtomicOutput::write(ByteView data) {
  if (data.empty()) return Status::ok();
  if (f_ == nullptr) return error(ErrorCode::kInternal, "output closed");
  if (std::fwrite(data.data(), 1, data.size(), f_) != data.size()) return io_error(target_, errno);
  return Status::ok();
}

Status AtomicOutput::commit() {
  if (f_ == nullptr) return error(ErrorCode::kInternal, "output closed");
  Status st;
  if (std::fflush(f_) != 0 || std::ferror(f_)) st = io_error(target_, errno);
  if (st && ::fsync(::fileno(f_)) != 0) st = io_error(target_, errno);
  if (std::fclose(f_) != 0 && st) st = io_error(target_, errno);
  f_ = nullptr;
  if (!st) return st;
  // Checked again: something may have appeared at the target meanwhile.
  struct stat now {};
  if (::lstat(target_.c_str(), &now) == 0 && !S_ISREG(now.st_mode)) {
    return error(ErrorCode::kInvalidArgument,
                 target_ + " is " + kind_of(now.st_mode) + " now: not replaced");
  }
  if (::rename(temp_.c_str(), target_.c_str()) != 0) return io_error(target_, errno);
  committed_ = true;
  return Status::ok();
}

}  // namespace osier::node
