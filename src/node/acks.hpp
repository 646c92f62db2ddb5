// The daemon's acknowledgements on disk: per peer key and namespace, the latest Acknowledgement
// (osier/node/daemon.hpp), in HOME/config/acks (JSON, written atomically, mode 0600). Read once
// at the daemon's start, written when they change (at most once a second).
//   {"peers": {"<key hex>": {"<namespace hex>": {"as_of": N, "at": UNIX_MS}}}}
// The file is untrusted: at most kMaxAcksFileBytes; larger, or malformed (not JSON, a wrong shape,
// keys that are not 64 hex digits, the same key twice in two cases of hex digits, "as_of" not in
// 0..2^64-1, "at" not in the int64 range) is kCorrupt naming the file and the record, never a
// crash or a guess (the daemon starts without the old acknowledgements and says so). Fields this
// version does not know are ignored, and not kept when the file is saved again.
#pragma once

#include <cstddef>
#include <map>
#include <string>

#include "osier/crypto/ed25519.hpp"
#include "osier/node/daemon.hpp"
#include "osier/node/home_paths.hpp"

namespace osier::node {

inline constexpr std::size_t kMaxAcksFileBytes = std::size_t{16} << 20;

using AckTable = std::map<crypto::Ed25519PublicKey, std::map<model::NamespaceId, Acknowledgement>>;

// The most (peer, namespace) acknowledgements kept: about 190 bytes each in the file, so a full
// table stays well within kMaxAcksFileBytes (a larger file would be refused whole at the next
// start). Peers are many and cheap to make (any read capability may be delegated to fresh keys).
inline constexpr std::size_t kMaxAcks = 50'000;

// Past kMaxAcks, forgets the oldest acknowledgements (by `at`) down to nine tenths of it.
void prune_acks(AckTable& acks);

std::string acks_path(const HomePaths& home);
Result<AckTable> load_acks(const HomePaths& home);
Status save_acks(const HomePaths& home, const AckTable& acks);

}  // namespace osier::node
