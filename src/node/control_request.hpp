// The daemon's control requests (docs/control-api.md): one line of the control socket parsed into
// what it asks for. The daemon answers what this returns; the parsing is here, apart from the
// daemon, so that it can be tested and fuzzed on its own.
//
// A request is one JSON object with a string "op": "status" or "subscribe" (optionally
// "max_namespaces", an unsigned integer), "fetch" (also "namespace" and "subspace", 32 bytes in hex
// each, and "path", an array of hex strings), "peers", "peer_add" and "peer_rm" (also "address",
// HOST:PORT), "policies", "policy_set" (also "namespace", "payloads", optionally "max_size").
// Fields a request does not use are ignored.
//
// The line is untrusted (any local process of the home's owner may send one): any bytes give a
// request or an error, never a crash. The daemon bounds a line to 64 KiB before it gets here;
// memory is the parsed JSON, a small multiple of the line, and nothing of it is copied or
// traversed recursively (a deeply nested line is as cheap as a flat one).
//
// Errors: kInvalidArgument for a line that is not a request (not JSON, not an object, no string
// "op", a fetch whose fields are missing or malformed) and kNotFound for an op this version does
// not know; the message is the response's (control_error_code gives its code). Thread-safe (no
// state).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "osier/base/status.hpp"
#include "osier/model/ids.hpp"
#include "osier/model/path.hpp"
#include "osier/net/endpoint.hpp"
#include "osier/node/policies.hpp"

namespace osier::node {

// {"op":"status"} or {"op":"status","max_namespaces":N}: per-namespace lists of at most N records
// each (the rest counted as omitted).
struct StatusRequest {
  std::optional<std::uint64_t> max_namespaces;
  bool operator==(const StatusRequest&) const = default;
};

// {"op":"subscribe"} or {"op":"subscribe","max_namespaces":N}: progress events whose
// per-namespace lists hold at most N records each (0: counts only, for a client that redraws).
struct SubscribeRequest {
  std::optional<std::uint64_t> max_namespaces;
  bool operator==(const SubscribeRequest&) const = default;
};

// {"op":"fetch","namespace":HEX,"subspace":HEX,"path":[HEX...]}: the payload of the entry at
// (namespace_id, subspace, path).
struct FetchRequest {
  model::NamespaceId namespace_id{};
  model::SubspaceId subspace{};
  model::Path path;
  bool operator==(const FetchRequest&) const = default;
};

// {"op":"peers"}: the home's peer list (osier/node/peers.hpp).
struct PeersRequest {
  bool operator==(const PeersRequest&) const = default;
};

// {"op":"peer_add","address":"HOST:PORT"} and {"op":"peer_rm","address":...}: the peer list
// changed as `osier peer add|rm` does; the daemon dials or lets go at once.
struct PeerChangeRequest {
  bool add = true;
  net::Endpoint address;
  bool operator==(const PeerChangeRequest& o) const {
    return add == o.add && address.to_string() == o.address.to_string();
  }
};

// {"op":"policies"}: the home's download policies (osier/node/policies.hpp).
struct PoliciesRequest {
  bool operator==(const PoliciesRequest&) const = default;
};

// {"op":"policy_set","namespace":HEX,"payloads":"eager"|"lazy"|"none","max_size":N}: as
// `osier policy set` (max_size optional, eager only); the sessions start again with it.
struct PolicySetRequest {
  model::NamespaceId namespace_id{};
  NamespacePolicy policy;
  bool operator==(const PolicySetRequest&) const = default;
};

using ControlRequest = std::variant<StatusRequest, SubscribeRequest, FetchRequest, PeersRequest,
                                    PeerChangeRequest, PoliciesRequest, PolicySetRequest>;

// One request line (without its '\n').
Result<ControlRequest> parse_control_request(std::string_view line);

// The control API's error code for a failed parse_control_request: "unknown_op" for an op this
// version does not know, "invalid_request" otherwise.
// REQUIRES: !st.is_ok()
std::string_view control_error_code(const Status& st);

// The request as one JSON line (no '\n') that parse_control_request reads back as an equal
// request.
std::string control_request_line(const ControlRequest& request);

}  // namespace osier::node
