// Making a capability from this node's own keys (what `osier cap new` and the C API's
// osier_cap_new do): a communal namespace's capability for an identity's own subspace, or an
// owned namespace's root capability, signed with the namespace's secret key held here.
#pragma once

#include <string>
#include <string_view>

#include "osier/base/status.hpp"
#include "osier/meadowcap/capability.hpp"
#include "osier/meadowcap/types.hpp"
#include "osier/node/home.hpp"

namespace osier::node {

// A capability this node holds now: its id (osier/node/capabilities.hpp) and itself.
struct NewCapability {
  std::string id;
  meadowcap::McCapability cap;
};

// Makes the capability of `mode` for namespace `ns` (alias or id) whose receiver is identity
// `receiver` (alias or id; empty: the one identity whose secret key this node holds, else
// kInvalidArgument), and keeps it. For an owned namespace kNotFound unless this node holds the
// namespace's secret key.
Result<NewCapability> new_capability(const Home& home, std::string_view ns,
                                     const std::string& receiver, meadowcap::AccessMode mode);

}  // namespace osier::node
