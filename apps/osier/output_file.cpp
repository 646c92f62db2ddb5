#include "output_file.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/fs.hpp"
#include "node/files.hpp"

namespace osier::cli {
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

Status check_output_target(const std::string& target, bool force) {
  if (target == "-") return Status::ok();
  if (target.empty()) return error(ErrorCode::kInvalidArgument, "no output file given");
  struct stat st {};
  if (::lstat(target.c_str(), &st) != 0) {
    if (errno == ENOENT) return Status::ok();
    return node::io_error(target, errno);
  }
  if (!S_ISREG(st.st_mode)) {
    return error(ErrorCode::kInvalidArgument,
                 target + " is " + kind_of(st.st_mode) + ": osier writes only regular files" +
                     (S_ISDIR(st.st_mode) ? " (name a file inside it)" : ""));
  }
  if (!force)
    return error(ErrorCode::kInvalidArgument, target + " exists already (--force replaces it)");
  return Status::ok();
}

OutputFile::OutputFile(std::string target)
    : target_(std::move(target)), buffer_([](ByteView) { return Status::ok(); }) {}

OutputFile::OutputFile(std::string target, File temp)
    : target_(std::move(target)),
      temp_(temp.path()),
      file_(std::move(temp)),
      buffer_([this](ByteView piece) { return file_->append(piece); }) {
  cleanup_ = std::make_unique<RemoveOnSignal>(std::vector<std::string>{temp_});
}

Status OutputFile::of_target(const Status& st) const {
  return st ? st : error(st.code(), target_ + ": " + st.message());
}

namespace {

// Holds SIGINT, SIGTERM and SIGHUP back while it lives (one arriving meanwhile is delivered when
// it ends): between creating the temporary file and registering it for removal on a signal, an
// interrupt would otherwise leave the file behind (found by CliOutput's interrupt test under
// load).
class HoldInterrupts {
 public:
  HoldInterrupts() {
    sigset_t set;
    sigemptyset(&set);
    for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&set, sig);
    ::pthread_sigmask(SIG_BLOCK, &set, &old_);
  }
  ~HoldInterrupts() { ::pthread_sigmask(SIG_SETMASK, &old_, nullptr); }
  HoldInterrupts(const HoldInterrupts&) = delete;
  HoldInterrupts& operator=(const HoldInterrupts&) = delete;

 private:
  sigset_t old_{};
};

}  // namespace

Result<std::unique_ptr<OutputFile>> OutputFile::open(const std::string& target, bool force) {
  OSIER_RETURN_IF_ERROR(check_output_target(target, force));
  if (target == "-") return std::unique_ptr<OutputFile>(new OutputFile(target));  // NOLINT
  const HoldInterrupts hold;  // until the temporary file is registered (the constructor)
  // A fresh file of our own (O_EXCL), with the mode a new file gets under the umask.
  OSIER_ASSIGN_OR_RETURN(
      File temp,
      File::create_unique(dir_of(target) + "/." + base_of(target) + ".osier-part-", 0666));
  return std::unique_ptr<OutputFile>(new OutputFile(target, std::move(temp)));  // NOLINT
}

OutputFile::~OutputFile() {
  if (to_stdout()) return;
  file_.reset();
  if (!committed_) (void)fs::unlink(temp_.c_str());
}

Status OutputFile::write(ByteView data) {
  if (data.empty()) return Status::ok();
  if (to_stdout()) {
    if (std::fwrite(data.data(), 1, data.size(), stdout) != data.size())
      return node::io_error("standard output", errno);
    return Status::ok();
  }
  if (!file_) return error(ErrorCode::kInternal, "output closed");
  return of_target(buffer_.write(data));
}

Status OutputFile::commit() {
  if (to_stdout()) {
    if (std::fflush(stdout) != 0 || std::ferror(stdout))
      return node::io_error("standard output", errno);
    committed_ = true;
    return Status::ok();
  }
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
  if (fs::rename(temp_.c_str(), target_.c_str()) != 0) return node::io_error(target_, errno);
  committed_ = true;
  return Status::ok();
}

}  // namespace osier::cli
