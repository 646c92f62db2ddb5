#include "daemon_client.hpp"

#include "osier/base/hex.hpp"
#include "osier/net/control.hpp"

namespace osier::cli {

using json::Json;

Result<Json> daemon_request(const node::HomePaths& home, const Json& request,
                            std::chrono::milliseconds timeout) {
  OSIER_ASSIGN_OR_RETURN(const std::string line,
                         net::control_request(home.control_socket(), request.dump(), timeout));
  Json j = Json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || !j.contains("ok") || !j["ok"].is_boolean()) {
    return error(ErrorCode::kCorrupt, "the daemon's answer is not a response: " + line);
  }
  if (!j["ok"].get<bool>()) {
    const Json& e = j.value("error", Json::object());
    const std::string code = e.value("code", std::string("failed"));
    const std::string message = e.value("message", std::string("(no message)"));
    // kNotFound stays "no daemon runs" (net::control_request): an answered error is kIo.
    return error(ErrorCode::kIo, "the daemon: " + message + " (" + code + ")");
  }
  return j;
}

Status fetch_through_daemon(const node::HomePaths& home, const model::Entry& entry,
                            std::chrono::milliseconds timeout) {
  const Json request{{"op", "fetch"},
                     {"namespace", to_hex(entry.namespace_id)},
                     {"subspace", to_hex(entry.subspace_id)},
                     {"path", json::to_json(entry.path)}};
  Result<Json> r = daemon_request(home, request, timeout);
  return r ? Status::ok() : r.status();
}

}  // namespace osier::cli
