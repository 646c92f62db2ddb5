// The willow25 default values the drop format starts its relative encodings from.
// spec: willow25#willow25_defaults, drop_format#drop_format_parameters
#pragma once

#include "meadowcap/authorisation.hpp"
#include "model/entry.hpp"

namespace osier::meadowcap {

const model::NamespaceId& default_namespace_id();
const model::SubspaceId& default_subspace_id();
// The WILLIAM3 digest of the empty string.
const model::PayloadDigest& default_payload_digest();
// The communal write capability of default_subspace_id in default_namespace_id with the
// published signature over encode_entry(default_entry(...)).
const meadowcap::MeadowcapAuthorisationToken& default_authorisation_token();
// spec: drop_format#initial_entry
const model::Entry& initial_entry();

}  // namespace osier::meadowcap
