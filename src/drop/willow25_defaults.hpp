// The willow25 default values the drop format starts its relative encodings from. They are
// defined in meadowcap/willow25_defaults.hpp (Confidential Sync uses them too).
// spec: willow25#willow25_defaults, drop_format#drop_format_parameters
#pragma once

#include "meadowcap/willow25_defaults.hpp"

namespace osier::drop {

using meadowcap::default_authorisation_token;
using meadowcap::default_namespace_id;
using meadowcap::default_payload_digest;
using meadowcap::default_subspace_id;
// spec: drop_format#initial_entry
inline const model::Entry& initial_entry() { return meadowcap::willow25_default_entry(); }

}  // namespace osier::drop
