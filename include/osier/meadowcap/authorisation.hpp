// Meadowcap as Willow's write access control: authorisation tokens, meadowcap_is_authorised_write,
// and AuthorisedEntry, which only verification can produce.
// spec: meadowcap#mc_writing_entries
#pragma once

#include "osier/meadowcap/capability.hpp"
#include "osier/model/entry.hpp"

namespace osier::meadowcap {

// spec: meadowcap#MeadowcapAuthorisationToken
struct MeadowcapAuthorisationToken {
  McCapability capability;
  UserSignature signature{};  // the receiver's signature over encode_entry(entry)

  bool operator==(const MeadowcapAuthorisationToken&) const = default;
};

// spec: meadowcap#meadowcap_is_authorised_write — ok iff `token` authorises `entry`, else
// kVerification naming the first rule that failed. Besides the spec's four conditions it checks
// that the capability's namespace is the entry's (SPEC-NOTES).
Status meadowcap_check_authorised_write(const model::Entry& entry,
                                        const MeadowcapAuthorisationToken& token);
bool meadowcap_is_authorised_write(const model::Entry& entry,
                                   const MeadowcapAuthorisationToken& token);

class VerifiedCapabilities;  // verified_capabilities.hpp

// The same check, every rule and message the same, with the capability's validity (cap_valid)
// answered by `verified`, which remembers the capabilities it proved valid: for a stream of
// entries under few capabilities, one signature check per entry (the receiver's).
Status meadowcap_check_authorised_write(const model::Entry& entry,
                                        const MeadowcapAuthorisationToken& token,
                                        VerifiedCapabilities& verified);

// An entry with a token that has not been verified (as received from a peer or read from a
// file). Nothing trusts it until AuthorisedEntry::verify accepts it.
struct PossiblyAuthorisedEntry {
  model::Entry entry;
  MeadowcapAuthorisationToken token;

  bool operator==(const PossiblyAuthorisedEntry&) const = default;
};

// spec: data_model#AuthorisedEntry — an entry together with a token that authorises it. The only
// ways to make one verify the token, so holding one is proof of authorisation.
class AuthorisedEntry {
 public:
  static Result<AuthorisedEntry> verify(PossiblyAuthorisedEntry candidate);
  static Result<AuthorisedEntry> verify(model::Entry entry, MeadowcapAuthorisationToken token);
  // The same, with cap_valid answered by `verified` (see meadowcap_check_authorised_write).
  static Result<AuthorisedEntry> verify(PossiblyAuthorisedEntry candidate,
                                        VerifiedCapabilities& verified);

  // Signs `entry` with `receiver_key` under `capability` and checks the result (so a capability
  // that cannot authorise the entry is reported, not silently turned into a bad token).
  static Result<AuthorisedEntry> sign(model::Entry entry, McCapability capability,
                                      const crypto::Ed25519SecretKey& receiver_key);

  const model::Entry& entry() const { return entry_; }
  const MeadowcapAuthorisationToken& token() const { return token_; }

  bool operator==(const AuthorisedEntry&) const = default;

 private:
  AuthorisedEntry(model::Entry entry, MeadowcapAuthorisationToken token)
      : entry_(std::move(entry)), token_(std::move(token)) {}

  model::Entry entry_;
  MeadowcapAuthorisationToken token_;
};

}  // namespace osier::meadowcap
