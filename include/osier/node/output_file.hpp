// AtomicOutput: how osier writes a file it was asked to (the CLI's get and drop export through
// apps/osier/output_file.hpp, the C API's osier_read_to_file and osier_drop_export), so that
// nothing that happens to stand at the path is destroyed and no one sees part of a file.
//
// - An existing target is refused unless `overwrite`; even then only a regular file is
//   replaced, never a device (`-o /dev/full` once replaced the system's /dev/full), a FIFO, a
//   socket, a directory or a symlink (its target would be written).
// - The bytes go to a fresh temporary file beside the target (same file system, so the final
//   rename is atomic); every call goes through the fs seam (base/fs.hpp),
//   ".NAME.osier-part-XXXXXX", synced (fdatasync) and renamed over the target by commit(), and
//   the directory entry made durable (fsync of the directory). Until then the target is
//   untouched; the temporary file is removed on failure or destruction (a CLI also removes
//   temp_path() on a signal).
// - Without `overwrite`, a file that appeared at the target after open() (another osier writing
//   the same name) is not replaced either: commit() moves the file there only if nothing stands
//   there (fs::rename_noreplace).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "osier/base/bytes.hpp"
#include "osier/base/file.hpp"
#include "osier/base/io.hpp"
#include "osier/base/status.hpp"

namespace osier::node {

// OK when `target` may be written: it does not exist, or it is a regular file and `overwrite`.
// `how_to_overwrite` names the caller's way to say overwrite in the refusal ("--force").
Status check_output_target(const std::string& target, bool overwrite,
                           const std::string& how_to_overwrite);

class AtomicOutput {
 public:
  static Result<std::unique_ptr<AtomicOutput>> open(const std::string& target, bool overwrite,
                                                    const std::string& how_to_overwrite);
  AtomicOutput(const AtomicOutput&) = delete;
  AtomicOutput& operator=(const AtomicOutput&) = delete;
  // Removes the temporary file unless committed.
  ~AtomicOutput();

  Status write(ByteView data);
  // Flushes, fsyncs and renames the temporary file over the target (checked again first: only
  // a regular file, or nothing, is replaced; without `overwrite` only nothing), then syncs the
  // target's directory.
  Status commit();
  const std::string& target() const { return target_; }
  const std::string& temp_path() const { return temp_; }

 private:
  AtomicOutput(std::string target, bool overwrite, File file);
  // Moves the synced temporary file to the target, which must not exist.
  Status place_new();
  // An error of writing the temporary file, named as the target's (the user named that).
  Status of_target(const Status& st) const;

  std::string target_;
  std::string temp_;
  bool overwrite_;
  std::optional<File> file_;  // the temporary file, until commit()
  BufferedSink buffer_;       // gathers writes for file_
  bool committed_ = false;
};

}  // namespace osier::node
