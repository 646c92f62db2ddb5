// The write-authorisation hook of a store: ingest asks it whether a token authorises an entry.
#pragma once

#include <memory>

#include "base/bytes.hpp"
#include "base/status.hpp"
#include "model/entry.hpp"

namespace osier::store {

class WriteAuthoriser {
 public:
  virtual ~WriteAuthoriser() = default;
  // OK iff `token` (the stored token encoding) authorises writing `entry`; otherwise the reason.
  virtual Status verify(const model::Entry& entry, ByteView token) const = 0;
};

// spec: meadowcap#meadowcap_is_authorised_write, with the namespace check of SPEC-NOTES. The
// token bytes are encode_mc_capability(capability) ‖ signature.
std::shared_ptr<const WriteAuthoriser> meadowcap_authoriser();

// Accepts every token: for tests and for stores that only ever see pre-verified entries.
std::shared_ptr<const WriteAuthoriser> accept_all_authoriser();

}  // namespace osier::store
