// TempOutput: how the C API writes a file it was asked to (osier_read_to_file,
// osier_drop_export) — into a fresh temporary file beside the target (same file system, so the
// final rename is atomic), fsynced and renamed over the target by commit(); removed on failure
// or destruction. An existing target is refused unless `overwrite`, and even then only a regular
// file is replaced (never a device, a FIFO, a directory or a symlink's target). The CLI's
// apps/osier/output_file.hpp does the same for commands, with "-" and signal cleanup besides.
#pragma once

#include <cstdio>
#include <memory>
#include <string>

#include "base/bytes.hpp"
#include "base/status.hpp"

namespace osier::capi {

class TempOutput {
 public:
  static Result<std::unique_ptr<TempOutput>> open(const std::string& target, bool overwrite);
  TempOutput(const TempOutput&) = delete;
  TempOutput& operator=(const TempOutput&) = delete;
  // Removes the temporary file unless committed.
  ~TempOutput();

  Status write(ByteView data);
  // Flushes, fsyncs and renames the temporary file over the target.
  Status commit();

 private:
  TempOutput(std::string target, std::string temp, std::FILE* f)
      : target_(std::move(target)), temp_(std::move(temp)), f_(f) {}
  std::string target_;
  std::string temp_;
  std::FILE* f_;
  bool committed_ = false;
};

}  // namespace osier::capi
