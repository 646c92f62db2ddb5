// OutputFile: how every command writes a file it was asked to (docs/cli.md "Output files and
// `-`"), so that no command can destroy what happens to stand at the path.
//
// - "-" is standard output; every write and the final flush are checked.
// - An existing target is refused unless `force`; even then only a regular file is replaced,
//   never a device (`-o /dev/full` once replaced the system's /dev/full), a FIFO, a socket, a
//   directory or a symlink (its target would be written).
// - The bytes go to a fresh temporary file beside the target (same file system, so the final
//   rename is atomic), fsynced and renamed over the target by commit(). Until then the target
//   is untouched; the temporary file is removed on failure, destruction, or SIGINT/SIGTERM
//   (interrupt.hpp).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "osier/base/bytes.hpp"
#include "osier/base/file.hpp"
#include "osier/base/io.hpp"
#include "osier/base/status.hpp"
#include "interrupt.hpp"

namespace osier::cli {

class OutputFile {
 public:
  static Result<std::unique_ptr<OutputFile>> open(const std::string& target, bool force);
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;
  // Removes the temporary file unless committed.
  ~OutputFile();

  Status write(ByteView data);
  // Flushes and checks; for a file also fsyncs and renames it over the target.
  Status commit();
  bool to_stdout() const { return temp_.empty(); }
  const std::string& target() const { return target_; }

 private:
  explicit OutputFile(std::string target);  // standard output
  OutputFile(std::string target, File temp);
  // `st` (an error of the temporary file) as an error of the target.
  Status of_target(const Status& st) const;

  std::string target_;
  std::string temp_;          // empty for standard output
  std::optional<File> file_;  // the temporary file, until commit()
  BufferedSink buffer_;       // gathers writes for file_ (standard output has stdio's buffer)
  bool committed_ = false;
  std::unique_ptr<RemoveOnSignal> cleanup_;
};

// The same checks as open() without opening anything (commands that must refuse before doing
// their work): OK when `target` may be written.
Status check_output_target(const std::string& target, bool force);

}  // namespace osier::cli
