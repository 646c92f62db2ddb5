#include "capi/temp_output.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "base/io_error.hpp"

namespace osier::capi {
namespace {

// The process's umask, read without changing it: umask(2) can only be read by setting it, which
// would race with other threads of the caller's process creating files. Linux 4.7+ shows it in
// /proc/self/status; elsewhere 022 is assumed.
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

Result<std::unique_ptr<TempOutput>> TempOutput::open(const std::string& target, bool overwrite) {
  if (target.empty()) return error(ErrorCode::kInvalidArgument, "no output file named");
  struct stat st {};
  if (::lstat(target.c_str(), &st) == 0) {
    if (!overwrite) {
      return error(ErrorCode::kInvalidArgument,
                   target + " exists (pass overwrite to replace a regular file)");
    }
    if (!S_ISREG(st.st_mode)) {
      return error(ErrorCode::kInvalidArgument,
                   target + " is not a regular file: only a regular file is replaced");
    }
  } else if (errno != ENOENT) {
    return io_error("cannot check", target);
  }
  std::string name = target + ".osier-XXXXXX";
  std::vector<char> buf(name.begin(), name.end());
  buf.push_back('\0');
  const int fd = ::mkstemp(buf.data());
  if (fd < 0) return io_error("cannot create a temporary file beside", target);
  name.assign(buf.data());
  // mkstemp makes 0600; the target gets the mode a new file would.
  (void)::fchmod(fd, 0666 & ~current_umask());
  std::FILE* f = ::fdopen(fd, "wb");
  if (f == nullptr) {
    const int err = errno;
    ::close(fd);
    ::unlink(name.c_str());
    return io_error(name, err);
  }
  return std::unique_ptr<TempOutput>(new TempOutput(target, name, f));  // NOLINT: private
}

TempOutput::~TempOutput() {
  if (f_ != nullptr) std::fclose(f_);
  if (!committed_) ::unlink(temp_.c_str());
}

Status TempOutput::write(ByteView data) {
  if (data.empty()) return Status::ok();
  if (std::fwrite(data.data(), 1, data.size(), f_) != data.size())
    return io_error("cannot write", temp_);
  return Status::ok();
}

Status TempOutput::commit() {
  if (std::fflush(f_) != 0 || ::fsync(::fileno(f_)) != 0) return io_error("cannot write", temp_);
  const int closed = std::fclose(f_);
  f_ = nullptr;
  if (closed != 0) return io_error("cannot write", temp_);
  if (::rename(temp_.c_str(), target_.c_str()) != 0) return io_error("cannot rename to", target_);
  committed_ = true;
  return Status::ok();
}

}  // namespace osier::capi
