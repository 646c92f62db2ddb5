// Small file-system helpers for the home directory: atomic writes with a chosen mode, whole-file
// reads, directories with a chosen mode. Errors name the file and the system's reason.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "osier/base/bytes.hpp"
#include "osier/base/io_error.hpp"
#include "osier/base/status.hpp"

namespace osier::node {

// Writes `data` to `path` atomically: a temporary file beside it (created with `mode`), fsync,
// rename over `path`, fsync of the directory. A reader sees the old file or the new one, never
// a partial one; on failure `path` is unchanged and the temporary file is removed.
Status write_file_atomic(const std::string& path, ByteView data, unsigned mode);

// The whole file (at most `max_size` bytes; larger files are kOutOfRange). kNotFound when the
// file does not exist.
Result<Bytes> read_small_file(const std::string& path, std::size_t max_size = 1 << 20);

// A configuration file of the home, which is untrusted: its bytes (at most `max_size`), nullopt
// when it does not exist, kCorrupt naming it when it is larger.
Result<std::optional<Bytes>> read_config_file(const std::string& path, std::size_t max_size);

// kCorrupt "PATH: WHY": a file whose contents are malformed.
Status corrupt_file(const std::string& path, std::string_view why);

// Creates `path` (and missing parents) as directories; `path` itself gets `mode`, even if it
// exists already. Sets `created` when it did not exist.
Status make_dir(const std::string& path, unsigned mode, bool* created = nullptr);

bool file_exists(const std::string& path);

// io_error, describe_errno and is_disk_full: osier/base/io_error.hpp.
using osier::describe_errno;
using osier::io_error;
using osier::is_disk_full;

}  // namespace osier::node
