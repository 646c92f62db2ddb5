#include "osier/node/output_file.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "base/fs.hpp"
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
  // A fresh file of our own (O_EXCL, through the fs seam), with the mode a new file gets under
  // the umask.
  OSIER_ASSIGN_OR_RETURN(
      File temp,
      File::create_unique(dir_of(target) + "/." + base_of(target) + ".osier-part-", 0666));
  return std::unique_ptr<AtomicOutput>(  // NOLINT: private constructor
      new AtomicOutput(target, overwrite, std::move(temp)));
}

AtomicOutput::AtomicOutput(std::string target, bool overwrite, File file)
    : target_(std::move(target)),
      temp_(file.path()),
      overwrite_(overwrite),
      file_(std::move(file)),
      buffer_([this](ByteView data) { return file_->append(data); }) {}

AtomicOutput::~AtomicOutput() {
  file_.reset();
  if (!committed_) (void)fs::unlink(temp_.c_str());
}

Status AtomicOutput::of_target(const Status& st) const {
  return st ? st : error(st.code(), target_ + ": " + st.message());
}

Status AtomicOutput::write(ByteView data) {
  if (data.empty()) return Status::ok();
  if (!file_) return error(ErrorCode::kInternal, "output closed");
  return of_target(buffer_.write(data));
}

Status AtomicOutput::commit() {
  if (!file_) return error(ErrorCode::kInternal, "output closed");
  Status st = buffer_.flush();
  if (st) st = file_->sync();
  const Status closed = file_->close();
  if (st) st = closed;
  file_.reset();
  if (!st) return of_target(st);
  // Checked again: something may have appeared at the target meanwhile.
  struct stat now {};
  if (::lstat(target_.c_str(), &now) == 0 && !S_ISREG(now.st_mode)) {
    return error(ErrorCode::kInvalidArgument,
                 target_ + " is " + kind_of(now.st_mode) + " now: not replaced");
  }
  if (overwrite_) {
    if (fs::rename(temp_.c_str(), target_.c_str()) != 0) return io_error(target_, errno);
  } else {
    OSIER_RETURN_IF_ERROR(place_new());
  }
  committed_ = true;
  return fs::sync_parent_dir(target_);
}

Status AtomicOutput::place_new() {
  if (fs::rename_noreplace(temp_.c_str(), target_.c_str()) == 0) return Status::ok();
  if (errno != EEXIST) return io_error(target_, errno);
  return error(ErrorCode::kInvalidArgument,
               target_ + " exists now (written meanwhile by someone else): not replaced");
}

}  // namespace osier::node
