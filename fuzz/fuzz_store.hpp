// Helpers for the fuzz targets that run stores: an authoriser that accepts every token (the
// targets ingest entries they made themselves), and the check that aborts on a broken property.
#pragma once

#include <cstdlib>

#include "osier/store/authoriser.hpp"

namespace osier::fuzz {

class AcceptAll final : public store::WriteAuthoriser {
 public:
  Status verify(const model::Entry&, ByteView) const override { return Status::ok(); }
};

inline void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace osier::fuzz
