// The willow25 default values that relative encodings start from: the drop format's first entry
// and Confidential Sync's initial current entries (reconciliation_current_entry,
// data_current_entry). They live here, below drop/ and sync/, which both use them.
// spec: willow25#willow25_defaults
#pragma once

#include "osier/meadowcap/authorisation.hpp"
#include "osier/model/entry.hpp"

namespace osier::meadowcap {

const model::NamespaceId& default_namespace_id();
const model::SubspaceId& default_subspace_id();
// The WILLIAM3 digest of the empty string.
const model::PayloadDigest& default_payload_digest();
// The communal write capability of default_subspace_id in default_namespace_id with the
// published signature over encode_entry(default_entry(...)).
const MeadowcapAuthorisationToken& default_authorisation_token();
// default_entry(default_namespace_id, default_subspace_id, default_payload_digest)
// (spec: misc_definitions#default_entry): the drop format's initial_entry and the entry of
// Confidential Sync's initial current entries.
const model::Entry& willow25_default_entry();

}  // namespace osier::meadowcap
