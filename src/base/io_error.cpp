#include "osier/base/io_error.hpp"

#include <cstring>

namespace osier {

bool is_disk_full(int err) { return err == ENOSPC || err == EDQUOT || err == EFBIG; }

std::string describe_errno(int err) {
  switch (err) {
    case ENOSPC:
      return "disk full (no space left on device)";
    case EDQUOT:
      return "disk full (disk quota exceeded)";
    case EFBIG:
      return "disk full (file size limit reached)";
    default:
      return std::strerror(err);
  }
}

Status io_error(const std::string& what, int err) {
  return error(is_disk_full(err) ? ErrorCode::kResourceExhausted : ErrorCode::kIo,
               what + ": " + describe_errno(err));
}

Status io_error(const std::string& action, const std::string& path, int err) {
  return io_error(action + " " + path, err);
}

}  // namespace osier
