// The peer list of a home: the nodes its daemon keeps in touch with (`osier peer add|rm|list`).
//
// On disk: HOME/config/peers, JSON {"peers": [{"address": "HOST:PORT"}, ...]} (docs/cli.md),
// mode 0600, replaced whole and atomically (write_file_atomic) under the home's lock (HomeLock),
// so a reader never sees a partial file and two writers never lose each other's change. A missing
// file is an empty list. Addresses are kept in their normal form (net::parse_endpoint, then
// net::Endpoint::to_string): `localhost` is stored as `localhost:22377`, and an address is listed
// at most once. Fields and keys this version does not know are kept when the file is rewritten.
//
// The file is untrusted: at most kMaxPeersFileBytes are read and at most kMaxPeers addresses
// kept; anything malformed (not JSON, a wrong shape, an address that does not parse or has
// characters no host name or address has, too many peers, too large, nested deeper than
// kMaxPeersFileDepth) is kCorrupt naming the file, never a crash. Memory: the file's bytes and its
// parsed JSON, both bounded by that size.
//
// Thread safety: every function may be called from any thread and process at once (the writers
// serialise on the home's lock; readers need none).
#pragma once

#include <chrono>
#include <cstddef>
#include <vector>

#include "osier/base/status.hpp"
#include "osier/net/endpoint.hpp"
#include "osier/node/file_stamp.hpp"
#include "osier/node/home_paths.hpp"

namespace osier::node {

inline constexpr std::size_t kMaxPeersFileBytes = 1 << 20;
inline constexpr std::size_t kMaxPeers = 4096;
// Arrays and objects in arrays and objects: the list itself needs 3 (the document, "peers", an
// element); the rest is room for fields of later versions.
inline constexpr int kMaxPeersFileDepth = 64;
// A host name has at most 253 characters (RFC 1035); an IPv6 address with a zone fits too.
inline constexpr std::size_t kMaxPeerHostBytes = 255;

struct PeerEntry {
  net::Endpoint address;  // normal form: host as net::parse_endpoint gives it
};

// The listed peers, in the order they were added. Missing file: none.
Result<std::vector<PeerEntry>> load_peers(const HomePaths& home);

// Adds `address` at the end of the list. kInvalidArgument when the address is listed already
// (compared in normal form) or its host is empty, longer than kMaxPeerHostBytes or has characters
// other than letters, digits and ".-_:%"; kOutOfRange when kMaxPeers are listed or the file would
// exceed kMaxPeersFileBytes; kCorrupt when the file on disk is malformed (it is left as it is).
// Both writes wait at most `lock_wait` for another process's write of the home's config (kIo).
Status add_peer(const HomePaths& home, const net::Endpoint& address,
                std::chrono::milliseconds lock_wait = std::chrono::seconds(30));

// Removes `address` (compared in normal form). kNotFound when it is not listed.
Status remove_peer(const HomePaths& home, const net::Endpoint& address,
                   std::chrono::milliseconds lock_wait = std::chrono::seconds(30));

// The stamp of HOME/config/peers (all zero when missing): a daemon polls it and reloads the list
// when it changes.
FileStamp peers_stamp(const HomePaths& home);

}  // namespace osier::node
