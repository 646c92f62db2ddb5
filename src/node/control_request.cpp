#include "node/control_request.hpp"

#include <type_traits>

#include "osier/base/hex.hpp"
#include "osier/json/model.hpp"

namespace osier::node {
namespace {

using json::Json;

// The messages are the control API's (docs/control-api.md): clients may show them as they are.
constexpr const char* kNotARequest = "a request is one JSON object with a string \"op\"";
constexpr const char* kOps =
    "status, subscribe, fetch, peers, peer_add, peer_rm, policies, policy_set";
constexpr const char* kBadFetch = "fetch needs \"namespace\", \"subspace\" (hex) and \"path\"";

// A reference into `request` (or to null when the field is missing): a field is never copied, as
// copying nested JSON recurses as deep as the nesting.
const Json& field(const Json& request, const char* name) {
  static const Json missing;
  const auto it = request.find(name);
  return it == request.end() ? missing : *it;
}

Result<ControlRequest> parse_fetch(const Json& request) {
  Result<model::NamespaceId> ns = json::from_json<model::SubspaceId>(field(request, "namespace"));
  Result<model::SubspaceId> sub = json::from_json<model::SubspaceId>(field(request, "subspace"));
  Result<model::Path> path = json::from_json<model::Path>(field(request, "path"));
  if (!ns || !sub || !path) return error(ErrorCode::kInvalidArgument, kBadFetch);
  return ControlRequest{FetchRequest{*ns, *sub, std::move(*path)}};
}

Result<ControlRequest> parse_peer_change(const Json& request, bool add) {
  const Json& address = field(request, "address");
  if (!address.is_string()) {
    return error(ErrorCode::kInvalidArgument,
                 std::string(add ? "peer_add" : "peer_rm") + " needs \"address\" (HOST:PORT)");
  }
  OSIER_ASSIGN_OR_RETURN(net::Endpoint e,
                         net::parse_endpoint(address.get_ref<const std::string&>()));
  return ControlRequest{PeerChangeRequest{add, std::move(e)}};
}

Result<ControlRequest> parse_policy_set(const Json& request) {
  constexpr const char* kBadPolicy =
      "policy_set needs \"namespace\" (hex) and \"payloads\" (eager, lazy or none), and "
      "\"max_size\" only with eager (an unsigned integer)";
  Result<model::NamespaceId> ns = json::from_json<model::NamespaceId>(field(request, "namespace"));
  const Json& payloads = field(request, "payloads");
  if (!ns || !payloads.is_string()) return error(ErrorCode::kInvalidArgument, kBadPolicy);
  Result<PayloadPolicy> p = parse_policy(payloads.get_ref<const std::string&>());
  if (!p) return error(ErrorCode::kInvalidArgument, kBadPolicy);
  PolicySetRequest set{*ns, {}};
  set.policy.payloads = *p;
  if (const Json& max = field(request, "max_size"); !max.is_null()) {
    if (!max.is_number_unsigned() || *p != PayloadPolicy::kEager) {
      return error(ErrorCode::kInvalidArgument, kBadPolicy);
    }
    set.policy.max_size = max.get<std::uint64_t>();
  }
  return ControlRequest{set};
}

}  // namespace

Result<ControlRequest> parse_control_request(std::string_view line) {
  const Json request = Json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (!request.is_object()) return error(ErrorCode::kInvalidArgument, kNotARequest);
  const Json& op_field = field(request, "op");
  if (!op_field.is_string()) return error(ErrorCode::kInvalidArgument, kNotARequest);
  const std::string& op = op_field.get_ref<const std::string&>();
  if (op == "status" || op == "subscribe") {
    std::optional<std::uint64_t> limit;
    if (const Json& max = field(request, "max_namespaces"); !max.is_null()) {
      if (!max.is_number_unsigned()) {
        return error(ErrorCode::kInvalidArgument,
                     op + ": \"max_namespaces\" is an unsigned integer");
      }
      limit = max.get<std::uint64_t>();
    }
    if (op == "status") return ControlRequest{StatusRequest{limit}};
    return ControlRequest{SubscribeRequest{limit}};
  }
  if (op == "fetch") return parse_fetch(request);
  if (op == "peers") return ControlRequest{PeersRequest{}};
  if (op == "peer_add" || op == "peer_rm") return parse_peer_change(request, op == "peer_add");
  if (op == "policies") return ControlRequest{PoliciesRequest{}};
  if (op == "policy_set") return parse_policy_set(request);
  std::string message = "unknown op '";
  message.append(op).append("' (").append(kOps).append(")");
  return error(ErrorCode::kNotFound, std::move(message));
}

std::string_view control_error_code(const Status& st) {
  return st.code() == ErrorCode::kNotFound ? "unknown_op" : "invalid_request";
}

std::string control_request_line(const ControlRequest& request) {
  return std::visit(
      [](const auto& r) -> std::string {
        using T = std::decay_t<decltype(r)>;
        if constexpr (std::is_same_v<T, StatusRequest>) {
          Json j{{"op", "status"}};
          if (r.max_namespaces) j["max_namespaces"] = *r.max_namespaces;
          return j.dump();
        } else if constexpr (std::is_same_v<T, SubscribeRequest>) {
          Json j{{"op", "subscribe"}};
          if (r.max_namespaces) j["max_namespaces"] = *r.max_namespaces;
          return j.dump();
        } else if constexpr (std::is_same_v<T, PeersRequest>) {
          return Json{{"op", "peers"}}.dump();
        } else if constexpr (std::is_same_v<T, PeerChangeRequest>) {
          return Json{{"op", r.add ? "peer_add" : "peer_rm"}, {"address", r.address.to_string()}}
              .dump();
        } else if constexpr (std::is_same_v<T, PoliciesRequest>) {
          return Json{{"op", "policies"}}.dump();
        } else if constexpr (std::is_same_v<T, PolicySetRequest>) {
          Json j{{"op", "policy_set"},
                 {"namespace", to_hex(r.namespace_id)},
                 {"payloads", policy_name(r.policy.payloads)}};
          if (r.policy.max_size) j["max_size"] = *r.policy.max_size;
          return j.dump();
        } else {
          return Json{{"op", "fetch"},
                      {"namespace", to_hex(r.namespace_id)},
                      {"subspace", to_hex(r.subspace)},
                      {"path", json::to_json(r.path)}}
              .dump();
        }
      },
      request);
}

}  // namespace osier::node
