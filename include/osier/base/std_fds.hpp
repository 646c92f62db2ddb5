// The standard descriptors 0, 1 and 2 must be open before anything opens a file.
//
// POSIX hands out the lowest free descriptor. A process started with stdin, stdout or stderr
// closed (`osier cat URI >&-`) would get its database or lock file as descriptor 1 or 2, and
// the next message written "to stderr" would overwrite the start of that file (issue #10: a
// whole LMDB store lost to one error line). SQLite guards its own files the same way.
#pragma once

namespace osier {

// Opens /dev/null onto each of descriptors 0, 1 and 2 that is closed (read-only for 0,
// write-only for 1 and 2). Returns false when that is impossible (no /dev/null); then a
// caller that is about to open files must not go on.
// Thread safety: call it before other threads open files (at the start of main(), and from
// store open paths, where it is cheap — three fcntl calls — once the descriptors are open).
bool ensure_standard_fds();

}  // namespace osier
