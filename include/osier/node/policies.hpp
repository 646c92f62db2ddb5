// Download policies: which payloads a node fetches, per namespace (issue #15). Kept in
// HOME/config/policies (JSON, written atomically under the home lock); a namespace without a
// policy is `eager` without a size limit.
//   eager [max_size]  payloads travel with their entries (up to max_size bytes, if given) and the
//                     daemon asks its peers for those it lacks
//   lazy              entries only; a payload is fetched when asked for (`osier get` while the
//                     daemon runs)
//   none              entries only, never payloads
// In a sync session a namespace's policy is its capabilities' max_payload_power (lazy and none:
// 0, so payloads of at most one byte still travel with their entries — SPEC-NOTES Sync 19) and,
// for lazy and none, a DataSetEagerness asking the peer not to push payloads.
//   {"namespaces": {"<namespace hex>": {"payloads": "eager", "max_size": N}, ...}}
// The file is untrusted: at most 4 MiB; larger, or malformed (not JSON, a wrong shape, a key that
// is not 64 hex digits, the same namespace twice in two cases of hex digits, a policy other than
// the three, a max_size not in 0..2^64-1 or on a policy not eager) is kCorrupt naming the file
// and the namespace, never a crash or a guess. Fields this version does not know are ignored, and
// not kept when set_policy writes the file again.
// Thread-safe (files only).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "osier/base/status.hpp"
#include "osier/model/ids.hpp"
#include "osier/node/file_stamp.hpp"
#include "osier/node/home_paths.hpp"

namespace osier::node {

enum class PayloadPolicy : std::uint8_t { kEager, kLazy, kNone };

struct NamespacePolicy {
  PayloadPolicy payloads = PayloadPolicy::kEager;
  std::optional<std::uint64_t> max_size;  // eager only: larger payloads are left (as lazy)

  // Whether a payload of `length` bytes is one the node fetches by itself.
  bool fetches(std::uint64_t length) const {
    return payloads == PayloadPolicy::kEager && (!max_size || length <= *max_size);
  }
  // The max_payload_power a sync session declares for the namespace's capabilities.
  std::uint8_t payload_power() const;
  bool operator==(const NamespacePolicy&) const = default;
};

using Policies = std::map<model::NamespaceId, NamespacePolicy>;

const char* policy_name(PayloadPolicy p);
// "eager", "lazy" or "none"; kInvalidArgument otherwise.
Result<PayloadPolicy> parse_policy(std::string_view text);

// The home's policies (none when the file is missing); kCorrupt for a malformed file.
Result<Policies> load_policies(const HomePaths& home);
// The policies file's stamp: a running daemon rereads the file when it changes.
FileStamp policies_stamp(const HomePaths& home);
// Sets (replaces) one namespace's policy; the default policy removes its record. Waits at most
// `lock_wait` for another process's write of the home's config (kIo).
Status set_policy(const HomePaths& home, const model::NamespaceId& ns, const NamespacePolicy& p,
                  std::chrono::milliseconds lock_wait = std::chrono::seconds(30));
// The namespace's policy (the default when it has none).
NamespacePolicy policy_of(const Policies& all, const model::NamespaceId& ns);

}  // namespace osier::node
