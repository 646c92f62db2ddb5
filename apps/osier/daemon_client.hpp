// The CLI's side of the daemon's control API (docs/control-api.md): one request, one JSON
// response, through net::control_request on HOME/daemon.sock.
#pragma once

#include <chrono>

#include "osier/base/status.hpp"
#include "osier/json/model.hpp"
#include "osier/model/entry.hpp"
#include "osier/node/home_paths.hpp"

namespace osier::cli {

// The response object of `request` ({"ok":true,...}); an {"ok":false} answer is kIo with its
// message and code. kNotFound only when no daemon runs on the home.
Result<json::Json> daemon_request(const node::HomePaths& home, const json::Json& request,
                                  std::chrono::milliseconds timeout);

// Asks the daemon to fetch `entry`'s payload from a connected peer and waits until it is stored
// whole (or `timeout`). kNotFound when no daemon runs.
Status fetch_through_daemon(const node::HomePaths& home, const model::Entry& entry,
                            std::chrono::milliseconds timeout);

}  // namespace osier::cli
