// The daemon's control API in JSON (docs/control-api.md): the forms of its status and the
// response and event lines. One place, so the documentation, the daemon and `osier status` agree.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "osier/json/model.hpp"
#include "osier/net/sync.hpp"
#include "osier/node/daemon.hpp"
#include "osier/node/peers.hpp"
#include "osier/node/policies.hpp"

namespace osier::node {

// One line of JSON (no '\n'); invalid UTF-8 in strings is replaced.
std::string dump_line(const json::Json& j);
// Per-namespace lists (a session's progress, a peer's acknowledgements) hold at most
// `max_namespaces` records, the first by namespace id; "namespaces_omitted" and
// "acknowledgements_omitted" count the rest (at 10 000 namespaces the whole status is megabytes).
json::Json summary_json(const net::SyncSummary& s, std::uint64_t max_namespaces = UINT64_MAX);
json::Json status_json(const DaemonStatus& s, std::uint64_t max_namespaces = UINT64_MAX);
// [{"address":"HOST:PORT"}, ...]
json::Json peers_json(const std::vector<PeerEntry>& peers);
// [{"namespace":HEX,"payloads":"eager"|"lazy"|"none","max_size":N|null}, ...]
json::Json policies_json(const Policies& policies);
// {"ok":true, ...fields}
std::string ok_line(const json::Json& fields = json::Json::object());
// {"ok":false,"error":{"code":CODE,"message":MESSAGE}}; codes: "invalid_request",
// "unknown_op", "not_found", "unavailable", "failed".
std::string error_line(std::string_view code, std::string_view message);

}  // namespace osier::node
