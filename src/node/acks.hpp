// The daemon's acknowledgements on disk: per peer key and namespace, the latest Acknowledgement
// (osier/node/daemon.hpp), in HOME/config/acks (JSON, written atomically, mode 0600). Read once
// at the daemon's start, written when they change (at most once a second).
//   {"peers": {"<key hex>": {"<namespace hex>": {"as_of": N, "at": UNIX_MS}}}}
// Bounds: the file at most 16 MiB (larger, or malformed: kCorrupt naming it; the daemon starts
// without the old acknowledgements and says so).
#pragma once

#include <map>

#include "osier/crypto/ed25519.hpp"
#include "osier/node/daemon.hpp"
#include "osier/node/home_paths.hpp"

namespace osier::node {

using AckTable = std::map<crypto::Ed25519PublicKey, std::map<model::NamespaceId, Acknowledgement>>;

std::string acks_path(const HomePaths& home);
Result<AckTable> load_acks(const HomePaths& home);
Status save_acks(const HomePaths& home, const AckTable& acks);

}  // namespace osier::node
