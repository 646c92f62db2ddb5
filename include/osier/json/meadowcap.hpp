// Lossless JSON forms of Meadowcap values, spoken by `osier codec`, the CLI's --json output and
// (to come) the node's control API (documented in docs/cli.md, "Meadowcap relations"):
//   capability  {"kind": "communal"|"owned", "access_mode": "read"|"write", "namespace": hex,
//                "user": hex, "initial_authorisation": hex (owned only),
//                "delegations": [{"area": Area, "user": hex, "signature": hex}]}
//   token       {"capability": capability, "signature": hex}
//   PrivateInterest {"namespace": hex, "subspace": hex|null, "path": Path}
//   PersonalPrivateInterest {"private_interest": PrivateInterest, "user": hex}
//   enumeration capability {"namespace": hex, "user": hex, "initial_authorisation": hex,
//                "delegations": [{"user": hex, "signature": hex}]}
// and the references of the relative relations, in the spec's tuple order:
//   CapabilityRelativeReference   [prior capability, entry]
//   TokenRelativeReference        [[prior entry, prior token], entry] (the prior entry must be
//                                 well-formed but is dropped: it takes no part in the code)
//   EnumerationCapabilityContext  [namespace, receiver]
#pragma once

#include "osier/json/model.hpp"
#include "osier/meadowcap/authorisation.hpp"
#include "osier/meadowcap/encoding_private_capability.hpp"
#include "osier/meadowcap/encoding_relations.hpp"
#include "osier/meadowcap/enumeration_capability.hpp"

namespace osier::json {

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
template <>
Result<meadowcap::CapabilityRelativeReference> from_json(const Json& j);
template <>
Result<meadowcap::TokenRelativeReference> from_json(const Json& j);
template <>
Result<meadowcap::EnumerationCapabilityContext> from_json(const Json& j);
// The Meadowcap form of a PrivateInterest; "namespace_id"/"subspace_id" (the data-model
// relations' spelling) are accepted as well.
Result<model::PrivateInterest> private_interest_from_json(const Json& j);

Json to_json(const meadowcap::McCapability& cap);
Json to_json(const meadowcap::CommunalCapability& cap);
Json to_json(const meadowcap::OwnedCapability& cap);
Json to_json(const meadowcap::MeadowcapAuthorisationToken& token);
Json to_json(const meadowcap::McEnumerationCapability& cap);

}  // namespace osier::json
