// libsodium must be initialised once before use; every crypto/ entry point that calls into
// libsodium calls ensure_sodium() first (cheap after the first call).
#pragma once

namespace osier::crypto {

void ensure_sodium();

}  // namespace osier::crypto
