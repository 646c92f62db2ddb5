// io_error: the one classification of errno for every layer. A full disk, a full quota and a
// file size limit (ENOSPC, EDQUOT, EFBIG) are ErrorCode::kResourceExhausted and say
// "disk full (<which>)"; every other errno is kIo with strerror's text. Callers (the CLI, the
// daemon, a sync session) tell "free some space and retry" from a failing device by the code,
// never by parsing messages.
#pragma once

#include <cerrno>
#include <string>

#include "osier/base/status.hpp"

namespace osier {

// True for the errno values a full disk shows as.
bool is_disk_full(int err);

// strerror(err), except that the errors of a full disk say "disk full (<which>)".
std::string describe_errno(int err);

// "<what>: <describe_errno(err)>", kResourceExhausted for a full disk, else kIo.
Status io_error(const std::string& what, int err);

// "<action> <path>: <describe_errno(err)>" (err defaults to errno at the call), classified
// the same way.
Status io_error(const std::string& action, const std::string& path, int err = errno);

}  // namespace osier
