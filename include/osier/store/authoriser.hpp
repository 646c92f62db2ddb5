// The write-authorisation hook of a store: ingest asks it whether a token authorises an entry.
//
// A store keeps tokens as opaque bytes. For Willow'25 those bytes are the token encoding
// encode_mc_capability(capability) ‖ signature (64 bytes), which is also what
// hash_lengthy_authorised_entries hashes (docs/spec-notes.md).
#pragma once

#include <memory>

#include "osier/base/bytes.hpp"
#include "osier/base/status.hpp"
#include "osier/meadowcap/authorisation.hpp"
#include "osier/model/entry.hpp"

namespace osier::store {

class WriteAuthoriser {
 public:
  virtual ~WriteAuthoriser() = default;
  // OK iff `token` (the stored token encoding) authorises writing `entry`; otherwise the reason.
  virtual Status verify(const model::Entry& entry, ByteView token) const = 0;
};

// The stored bytes of a Meadowcap authorisation token, and back (canonic codes only; the whole
// input must be one token).
Result<Bytes> encode_token_bytes(const meadowcap::MeadowcapAuthorisationToken& token);
Result<meadowcap::MeadowcapAuthorisationToken> decode_token_bytes(ByteView bytes);

// spec: meadowcap#meadowcap_is_authorised_write, with the namespace check of SPEC-NOTES.
std::shared_ptr<const WriteAuthoriser> meadowcap_authoriser();

// Accepts every token: for tests and for stores that only ever see pre-verified entries.
std::shared_ptr<const WriteAuthoriser> accept_all_authoriser();

}  // namespace osier::store
