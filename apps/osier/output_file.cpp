#include "output_file.hpp"

#include <pthread.h>
#include <signal.h>

#include <cerrno>
#include <cstdio>

#include "osier/base/io_error.hpp"

namespace osier::cli {
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

OutputFile::OutputFile(std::string target, std::unique_ptr<node::AtomicOutput> file)
    : target_(std::move(target)), file_(std::move(file)) {
  if (file_)
    cleanup_ = std::make_unique<RemoveOnSignal>(std::vector<std::string>{file_->temp_path()});
}

Result<std::unique_ptr<OutputFile>> OutputFile::open(const std::string& target, bool force) {
  if (target == "-") return std::unique_ptr<OutputFile>(new OutputFile(target, nullptr));  // NOLINT
  const HoldInterrupts hold;  // until the temporary file is registered (the constructor)
  OSIER_ASSIGN_OR_RETURN(std::unique_ptr<node::AtomicOutput> file,
                         node::AtomicOutput::open(target, force, "--force"));
  return std::unique_ptr<OutputFile>(new OutputFile(target, std::move(file)));  // NOLINT
}

Status OutputFile::write(ByteView data) {
  if (file_) return file_->write(data);
  if (data.empty()) return Status::ok();
  if (std::fwrite(data.data(), 1, data.size(), stdout) != data.size())
    return io_error("standard output", errno);
  return Status::ok();
}

Status OutputFile::commit() {
  if (file_) return file_->commit();
  if (std::fflush(stdout) != 0 || std::ferror(stdout)) return io_error("standard output", errno);
  return Status::ok();
}

}  // namespace osier::cli
