// Lossless JSON forms of Meadowcap values, for `osier codec` (documented in docs/cli.md):
//   capability  {"kind": "communal"|"owned", "access_mode": "read"|"write", "namespace": hex,
//                "user": hex, "initial_authorisation": hex (owned only),
//                "delegations": [{"area": Area, "user": hex, "signature": hex}]}
//   token       {"capability": capability, "signature": hex}
//   PrivateInterest {"namespace": hex, "subspace": hex|null, "path": Path}
//   PersonalPrivateInterest {"private_interest": PrivateInterest, "user": hex}
//   enumeration capability {"namespace": hex, "user": hex, "initial_authorisation": hex,
//                "delegations": [{"user": hex, "signature": hex}]}
#pragma once

#include "json_model.hpp"
#include "meadowcap/authorisation.hpp"
#include "meadowcap/encoding_private_capability.hpp"
#include "meadowcap/enumeration_capability.hpp"

namespace osier::cli {

template <>
Result<meadowcap::McCapability> from_json(const Json& j);
template <>
Result<meadowcap::CommunalCapability> from_json(const Json& j);
template <>
Result<meadowcap::OwnedCapability> from_json(const Json& j);
template <>
Result<meadowcap::MeadowcapAuthorisationToken> from_json(const Json& j);
template <>
Result<meadowcap::McEnumerationCapability> from_json(const Json& j);
template <>
Result<meadowcap::PersonalPrivateInterest> from_json(const Json& j);
// The Meadowcap form of a PrivateInterest; "namespace_id"/"subspace_id" (the data-model
// relations' spelling) are accepted as well.
Result<model::PrivateInterest> private_interest_from_json(const Json& j);

Json to_json(const meadowcap::McCapability& cap);
Json to_json(const meadowcap::CommunalCapability& cap);
Json to_json(const meadowcap::OwnedCapability& cap);
Json to_json(const meadowcap::MeadowcapAuthorisationToken& token);
Json to_json(const meadowcap::McEnumerationCapability& cap);

}  // namespace osier::cli
