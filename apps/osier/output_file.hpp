// OutputFile: how every command writes a file it was asked to (docs/cli.md "Output files and
// `-`"), so that no command can destroy what happens to stand at the path.
//
// - "-" is standard output; every write and the final flush are checked.
// - Anything else is a node::AtomicOutput (osier/node/output_file.hpp): an existing target is
// refused
//   unless `force`, and even then only a regular file is replaced; the bytes go to a temporary
//   file beside the target, renamed over it by commit(). The temporary file is also removed on
//   SIGINT/SIGTERM (interrupt.hpp).
#pragma once

#include <memory>
#include <string>

#include "interrupt.hpp"
#include "osier/base/bytes.hpp"
#include "osier/base/status.hpp"
#include "osier/node/output_file.hpp"

namespace osier::cli {

class OutputFile {
 public:
  static Result<std::unique_ptr<OutputFile>> open(const std::string& target, bool force);
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;
  // Removes the temporary file unless committed.
  ~OutputFile() = default;

  Status write(ByteView data);
  // Flushes and checks; for a file also fsyncs and renames it over the target.
  Status commit();
  bool to_stdout() const { return file_ == nullptr; }
  const std::string& target() const { return target_; }

 private:
  OutputFile(std::string target, std::unique_ptr<node::AtomicOutput> file);
  std::string target_;
  std::unique_ptr<node::AtomicOutput> file_;  // null for standard output
  std::unique_ptr<RemoveOnSignal> cleanup_;
};

}  // namespace osier::cli
